//! Every reporter, in process, on one small run: a task definition, a service, a waived finding
//! and an input error. Each output is a snapshot, so a change to any format shows up here, and the
//! JSON report is read back through the types that write it.

use ecslint::engine::catalog;
use ecslint::findings::Waiver;
use ecslint::lint::{Inputs, Settings, lint};
use ecslint::report::{self, Format, ReportOptions};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn small_run() -> ecslint::lint::Linted {
    // The rules these inputs exercise: SARIF carries every rule's help, and 79 would drown
    // the snapshot.
    let rules: Vec<_> = catalog::builtin(&BTreeMap::new())
        .unwrap()
        .into_iter()
        .filter(|rule| ["SEC101", "SEC123", "REL202", "REL203", "COST201"].contains(&rule.id()))
        .collect();
    let settings = Settings {
        waivers: vec![Waiver {
            rule: "REL203".into(),
            resource: "*service/prod/web".into(),
            reason: "blue/green by hand until the migration".into(),
            expires: Some("2099-01-01".into()),
            from_tag: false,
        }],
        ..Settings::with_rules(rules)
    };
    let inputs = Inputs::Paths(
        [
            "fixtures/SEC101-privileged-container/fail.json",
            "fixtures/REL203-minimum-healthy-percent-low/fail.json",
            "tests/data/broken/trailing-comma.json",
        ]
        .map(PathBuf::from)
        .to_vec(),
    );
    lint(inputs, settings).unwrap()
}

fn render(format: Format) -> String {
    let mut linted = small_run();
    let run = linted.judge();
    let mut out = Vec::new();
    report::write(format, &run, &ReportOptions::default(), &mut out).unwrap();
    let cwd = std::env::current_dir().unwrap().display().to_string();
    String::from_utf8(out)
        .unwrap()
        .replace(env!("CARGO_PKG_VERSION"), "[version]")
        .replace(&cwd, "[cwd]")
}

#[test]
fn every_format_on_a_small_run() {
    for (name, format) in [
        ("pretty", Format::Pretty),
        ("json", Format::Json),
        ("sarif", Format::Sarif),
        ("sarif_github", Format::SarifGithub),
        ("github", Format::Github),
        ("html", Format::Html),
    ] {
        insta::assert_snapshot!(name, render(format));
    }
}

#[test]
fn the_json_report_reads_back_as_written() {
    let written = render(Format::Json);
    let read = ecslint::report::json::read("report.json", &written).unwrap();
    assert_eq!(read.findings.len(), 5);
    assert!(read.findings.iter().any(|f| f.waiver.is_some()));
    assert_eq!(read.input_errors.len(), 1);
    // Written again from what was read, it is the same document.
    let rewritten = serde_json::to_string_pretty(&read).unwrap() + "\n";
    assert_eq!(rewritten, written);
    // Another format version is refused, with the file named.
    let other = written.replacen("\"version\": 1", "\"version\": 2", 1);
    let refused = ecslint::report::json::read("old.json", &other).unwrap_err();
    assert!(
        refused.contains("old.json") && refused.contains("version 2"),
        "{refused}"
    );
}
