//! Real public ECS files (`../shared/corpus/real-ecs`, read in place, never copied): every
//! strict-JSON document of a known kind is linted, every file that is not JSON is rejected with
//! file:line:column, and nothing panics. Skipped, with a message, when the folder is absent.

use ecslint::engine::catalog;
use ecslint::lint::{Inputs, Settings, lint};
use ecslint::sources::{self, InputOptions};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real-ecs");
    if dir.join("SOURCES.tsv").is_file() {
        Some(dir)
    } else {
        eprintln!("skipped: {} is absent", dir.display());
        None
    }
}

/// (file, kind, parses as strict JSON) from the corpus's SOURCES.tsv.
fn sources_table(dir: &std::path::Path) -> Vec<(PathBuf, String, bool)> {
    let table = std::fs::read_to_string(dir.join("SOURCES.tsv")).unwrap();
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let columns: Vec<&str> = line.split('\t').collect();
            (columns.len() > 5).then(|| {
                (
                    dir.join(columns[0]),
                    columns[4].to_string(),
                    columns[5] == "yes",
                )
            })
        })
        .collect()
}

#[test]
fn every_real_document_of_a_known_kind_is_linted() {
    let Some(dir) = corpus() else { return };
    let rules = catalog::builtin(&BTreeMap::new()).unwrap();
    let (mut linted, mut rejected) = (0, 0);
    let mut failures = Vec::new();
    for (path, kind, strict_json) in sources_table(&dir) {
        // Evaluated whatever happened: no rule may panic on a real file.
        let run = lint(
            Inputs::Paths(vec![path.clone()]),
            Settings::with_rules(rules.clone()),
        )
        .unwrap();
        let (estate, errors, evaluations) = (run.estate, run.input_errors, run.evaluations);
        let name = path.strip_prefix(&dir).unwrap().display().to_string();
        if !strict_json {
            rejected += 1;
            match errors.first() {
                Some(error) if error.location.is_some() => {}
                other => failures.push(format!("{name}: not JSON, but {other:?}")),
            }
            continue;
        }
        // "other" holds documents that are not ECS resources (CodeDeploy AppSpec files,
        // CloudFormation templates, run-task input, the botocore model), and create-task-set
        // input (`externalId`) has no resource kind of its own yet.
        let text = std::fs::read_to_string(&path).unwrap();
        if kind == "other" || text.contains("\"externalId\"") {
            continue;
        }
        if !errors.is_empty() || estate.resources.is_empty() {
            failures.push(format!("{name} ({kind}): not linted: {errors:?}"));
            continue;
        }
        assert!(
            evaluations
                .iter()
                .all(|e| e.resource < estate.resources.len())
        );
        linted += 1;
    }
    eprintln!("real corpus: {linted} documents linted, {rejected} non-JSON files rejected");
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(linted > 400, "only {linted} documents linted");
}

#[test]
fn the_whole_corpus_walked_as_a_repository_never_panics_and_skips_only_non_ecs() {
    let Some(dir) = corpus() else { return };
    let discovered =
        sources::discover(std::slice::from_ref(&dir), &InputOptions::default()).unwrap();
    let loaded = sources::load_discovered(discovered, &InputOptions::default());
    for skipped in &loaded.skipped {
        let text = std::fs::read_to_string(&skipped.path).unwrap();
        assert!(
            skipped.path.contains("/other/") || text.contains("\"externalId\""),
            "an ECS document was skipped: {skipped:?}"
        );
    }
    assert!(loaded.estate.resources.len() > 400);
}
