//! A finding's SARIF result written by hand: the bytes serde_json writes for the `sarif::Result`
//! that `sarif.rs` builds for it (members in the schema's alphabetical order, absent ones left
//! out), without building it. Its rare parts (fixes, suppressions) are built and serialized as
//! before. A large estate's SARIF log is mostly these results.

use super::pretty_json::Pretty;
use super::sarif::{artifact, level, sarif_fix};
use crate::engine::catalog::Severity;
use crate::findings::{Judged, RunResult};
use std::sync::OnceLock;

/// Writes the results of a run's findings, paths relative to `root`, each at `depth`.
pub(super) struct Results<'a, 'r> {
    run: &'a RunResult<'r>,
    root: &'a std::path::Path,
    depth: usize,
    /// Each file's artifact location as serialized for the first of its results: a file's
    /// findings share it, and making it is most of a result's cost (the path made relative,
    /// percent-encoded, built and serialized).
    artifacts: Vec<OnceLock<Vec<u8>>>,
    /// Each severity's level, serialized.
    levels: Vec<(Severity, String)>,
}

impl<'a, 'r> Results<'a, 'r> {
    pub fn new(run: &'a RunResult<'r>, root: &'a std::path::Path, depth: usize) -> Results<'a, 'r> {
        let artifacts = run.estate.files.iter().map(|_| OnceLock::new()).collect();
        let levels = Severity::ALL
            .iter()
            .map(|&severity| {
                let text = serde_json::to_string(&level(severity)).unwrap_or_default();
                (severity, text)
            })
            .collect();
        Results {
            run,
            root,
            depth,
            artifacts,
            levels,
        }
    }

    /// The result of `judged`.
    pub fn finding(&self, judged: &Judged<'_>) -> std::io::Result<Vec<u8>> {
        finding_bytes(self, judged, self.depth)
    }

    /// The artifact location of file `file`, written where `json` is (the same place in every
    /// result).
    fn artifact_into(&self, json: &mut Pretty, file: usize) -> std::io::Result<()> {
        let cell = &self.artifacts[file];
        let bytes = match cell.get() {
            Some(bytes) => bytes,
            None => {
                let mut alone = Pretty::at(json.depth());
                alone.serialized(&artifact(&self.run.estate.files[file].path, self.root))?;
                cell.get_or_init(|| alone.bytes)
            }
        };
        json.serialized_before(bytes);
        Ok(())
    }
}

/// The result of `judged` at `depth`.
fn finding_bytes(
    results: &Results<'_, '_>,
    judged: &Judged<'_>,
    depth: usize,
) -> std::io::Result<Vec<u8>> {
    let (run, root) = (results.run, results.root);
    let finding = judged.finding;
    let rule = &run.rules[finding.rule];
    let resource = &run.estate.resources[finding.resource];
    let at = &finding.location;
    let baseline_state = judged.baseline_state.map(|state| serde_json::json!(state));
    let mut json = Pretty::at(depth);
    json.begin_object();
    if let Some(state) = &baseline_state {
        json.key("baselineState");
        json.serialized(state)?;
    }
    if let Some(edit) = crate::findings::fix::edit_of(run, judged) {
        let fix = sarif_fix(run, &edit, root);
        json.key("fixes");
        json.serialized(&[fix])?;
    }
    json.key("level");
    match results.levels.iter().find(|(s, _)| *s == judged.severity) {
        Some((_, text)) => json.serialized_before(text.as_bytes()),
        None => json.serialized(&level(judged.severity))?,
    }
    json.key("locations");
    json.begin_array();
    json.element();
    json.begin_object();
    json.key("logicalLocations");
    json.begin_array();
    json.element();
    json.begin_object();
    json.key("fullyQualifiedName");
    json.string(&resource.id);
    json.key("kind");
    json.string(resource.kind.as_str());
    json.key("name");
    json.string(&resource.name);
    json.end_object();
    json.end_array();
    json.key("physicalLocation");
    json.begin_object();
    json.key("artifactLocation");
    results.artifact_into(&mut json, at.file)?;
    json.key("region");
    json.begin_object();
    for (key, number) in [
        ("endColumn", at.end.column),
        ("endLine", at.end.line),
        ("startColumn", at.start.column),
        ("startLine", at.start.line),
    ] {
        json.key(key);
        json.number(number);
    }
    json.end_object();
    json.end_object();
    json.end_object();
    json.end_array();
    json.key("message");
    json.begin_object();
    json.key("text");
    json.string(&finding.message);
    json.end_object();
    json.key("partialFingerprints");
    json.begin_object();
    json.key("ecslint/v1");
    json.string(&finding.fingerprint);
    json.end_object();
    // A property bag's members in its map's (alphabetical) order.
    json.key("properties");
    json.begin_object();
    if let Some(state) = &baseline_state {
        json.key("baselineState");
        json.serialized(state)?;
    }
    json.key("jsonPath");
    json.string(&at.path);
    json.key("severity");
    json.string(judged.severity.as_str());
    json.end_object();
    json.key("ruleId");
    json.string(rule.id());
    json.key("ruleIndex");
    json.number(finding.rule);
    if let Some(waiver) = judged.waiver {
        json.key("suppressions");
        json.serialized(&[super::sarif::suppression(&run.waivers[waiver])])?;
    }
    json.end_object();
    Ok(json.bytes)
}
