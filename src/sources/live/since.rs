//! Incremental scans (`--since SNAPSHOT`): task definitions an earlier snapshot already holds are
//! taken from it instead of described again.
//!
//! A task definition revision cannot change once registered (only its status and tags can), and
//! its ARN names its account, region, family and revision. So an ACTIVE revision that the
//! earlier snapshot read while it was ACTIVE is the same document, whichever snapshot file (one
//! region's, or a merge of many) it comes from. Services and clusters have no such marker that
//! a list call returns: they are described again (10 and 100 per call).

use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::path::Path;

/// The task definitions of the `--since` snapshots, by ARN, as their JSON text: a merged
/// snapshot of a whole organization stays compact until a revision is taken.
#[derive(Default)]
pub struct Reusable {
    task_definitions: HashMap<String, Box<RawValue>>,
    snapshots: usize,
}

impl std::fmt::Debug for Reusable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Reusable({} task definitions)",
            self.task_definitions.len()
        )
    }
}

impl Reusable {
    /// One snapshot's task definitions: the ACTIVE ones, by ARN.
    fn add(&mut self, task_definitions: Vec<Box<RawValue>>) {
        self.snapshots += 1;
        for raw in task_definitions {
            let Ok(td) = serde_json::from_str::<Identity>(raw.get()) else {
                continue;
            };
            if let (Some("ACTIVE"), Some(arn)) = (td.status.as_deref(), td.arn) {
                self.task_definitions.insert(arn, raw);
            }
        }
    }

    /// Whether any snapshot was given: the scan is then incremental.
    pub fn is_given(&self) -> bool {
        self.snapshots > 0
    }

    /// The earlier copy of the ACTIVE revision `arn`, when a snapshot read it ACTIVE.
    pub fn task_definition(&self, arn: &str) -> Option<Value> {
        let raw = self.task_definitions.get(arn)?;
        serde_json::from_str(raw.get()).ok()
    }
}

/// Reads the snapshots given with `--since`: files, or folders whose `*.json` snapshots are
/// read (their other files, such as reports, skipped). Errors name the file (and line and
/// column when it is not JSON); a file named that is not an ecslint snapshot is refused.
pub fn read_since(paths: &[std::path::PathBuf]) -> Result<Reusable, String> {
    let mut reusable = Reusable::default();
    for path in paths {
        match path.is_dir() {
            true => {
                for file in json_files_in(path)? {
                    // Read once: what is not a snapshot is skipped on the way.
                    if let Ok(task_definitions) = task_definitions_of(&file) {
                        reusable.add(task_definitions);
                    }
                }
            }
            false => reusable.add(task_definitions_of(path)?),
        }
    }
    Ok(reusable)
}

/// The `*.json` files directly in `folder`, by name.
fn json_files_in(folder: &Path) -> Result<Vec<std::path::PathBuf>, String> {
    let entries = std::fs::read_dir(folder)
        .map_err(|e| format!("{}: cannot read the --since folder: {e}", folder.display()))?;
    let mut found: Vec<_> = entries
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "json") && path.is_file())
        .collect();
    found.sort();
    Ok(found)
}

/// What a snapshot's task definition is taken by.
#[derive(serde::Deserialize)]
struct Identity {
    #[serde(rename = "taskDefinitionArn")]
    arn: Option<String>,
    status: Option<String>,
}

/// The `taskDefinitions` of a snapshot, each as its text.
fn task_definitions_of(path: &Path) -> Result<Vec<Box<RawValue>>, String> {
    #[derive(serde::Deserialize)]
    struct Snapshot {
        #[serde(rename = "ecslintSnapshot")]
        header: Option<serde::de::IgnoredAny>,
        #[serde(rename = "taskDefinitions", default)]
        task_definitions: Vec<Box<RawValue>>,
    }
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{shown}: cannot read the --since snapshot: {e}"))?;
    let snapshot: Snapshot = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{shown}:{}:{}: --since: not an ecslint snapshot: {}",
            e.line(),
            e.column(),
            crate::sources::json_reason(&e)
        )
    })?;
    match snapshot.header {
        Some(_) => Ok(snapshot.task_definitions),
        None => Err(format!(
            "{shown}: --since: not an ecslint snapshot (no \"ecslintSnapshot\" header; `ecslint collect` writes one)"
        )),
    }
}

/// The latest revision of each family among the revision ARNs `arns`
/// (`arn:…:task-definition/FAMILY:REVISION`), in the order of `arns`' first sight of each
/// family: what DescribeTaskDefinition of the family name returns when `arns` are its ACTIVE
/// revisions.
pub(super) fn latest_revisions(arns: &[String]) -> Vec<String> {
    let mut latest: Vec<(&str, u64, &String)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for arn in arns {
        let Some((family, revision)) = family_and_revision(arn) else {
            continue;
        };
        match index.get(family) {
            Some(&i) if latest[i].1 >= revision => {}
            Some(&i) => latest[i] = (family, revision, arn),
            None => {
                index.insert(family, latest.len());
                latest.push((family, revision, arn));
            }
        }
    }
    latest.into_iter().map(|(_, _, arn)| arn.clone()).collect()
}

/// The family and revision of a revision ARN.
fn family_and_revision(arn: &str) -> Option<(&str, u64)> {
    let name = arn.rsplit_once(":task-definition/")?.1;
    let (family, revision) = name.rsplit_once(':')?;
    Some((family, revision.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arn(name: &str) -> String {
        format!("arn:aws:ecs:us-east-1:123456789012:task-definition/{name}")
    }

    #[test]
    fn the_latest_revision_of_each_family_is_by_number_not_by_text() {
        let arns = [arn("web:9"), arn("web:10"), arn("web-api:1"), arn("web:2")];
        assert_eq!(latest_revisions(&arns), [arn("web:10"), arn("web-api:1")]);
        assert_eq!(
            latest_revisions(&[arn("no-revision")]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn only_active_revisions_of_a_snapshot_are_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prev.json");
        let snapshot = serde_json::json!({
            "ecslintSnapshot": {"version": 1},
            "taskDefinitions": [
                {"taskDefinitionArn": arn("web:3"), "status": "ACTIVE", "family": "web"},
                {"taskDefinitionArn": arn("web:2"), "status": "INACTIVE", "family": "web"}
            ]
        });
        std::fs::write(&path, snapshot.to_string()).unwrap();
        let reusable = read_since(std::slice::from_ref(&path)).unwrap();
        assert!(reusable.is_given());
        assert_eq!(
            reusable.task_definition(&arn("web:3")).unwrap()["family"],
            "web"
        );
        assert!(reusable.task_definition(&arn("web:2")).is_none());
    }

    #[test]
    fn a_folder_gives_its_snapshots_and_skips_its_reports() {
        let dir = tempfile::tempdir().unwrap();
        let snapshot = serde_json::json!({
            "ecslintSnapshot": {"version": 1},
            "taskDefinitions": [{"taskDefinitionArn": arn("api:7"), "status": "ACTIVE"}]
        });
        std::fs::write(dir.path().join("audit.snapshot.json"), snapshot.to_string()).unwrap();
        std::fs::write(dir.path().join("audit.json"), r#"{"findings": []}"#).unwrap();
        let reusable = read_since(&[dir.path().to_path_buf()]).unwrap();
        assert!(reusable.task_definition(&arn("api:7")).is_some());
    }

    #[test]
    fn a_file_that_is_not_a_snapshot_is_refused_with_its_place() {
        let dir = tempfile::tempdir().unwrap();
        let broken = dir.path().join("broken.json");
        std::fs::write(&broken, "{\n  \"ecslintSnapshot\": \n}").unwrap();
        let error = read_since(std::slice::from_ref(&broken)).unwrap_err();
        assert!(error.contains("broken.json:3:1"), "{error}");
        let report = dir.path().join("report.json");
        std::fs::write(&report, r#"{"findings": []}"#).unwrap();
        let error = read_since(std::slice::from_ref(&report)).unwrap_err();
        assert!(error.contains("not an ecslint snapshot"), "{error}");
    }
}
