//! The CI-gate speed benchmark: a repository of 2,000 task definitions, and the wall time of
//! `ecslint check` on one changed file (what a pre-commit hook or a PR job runs) and on the whole
//! repository. Run with `cargo bench --bench gate`; it prints a report and writes it to
//! `target/bench-gate.md`. Target: one changed file well under 100 ms on a 2-core machine.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

mod common;
use common::{ms, task_definition, time_runs};

const TASK_DEFINITIONS: usize = 2_000;

fn check(bin: &str, dir: &Path, args: &[&str]) {
    let status = Command::new(bin)
        .current_dir(dir)
        .args(["check", "--no-config", "-f", "json", "-o", "/dev/null"])
        .args(args)
        .status()
        .expect("run ecslint");
    assert!(
        matches!(status.code(), Some(0 | 1)),
        "ecslint failed: {status}"
    );
}

fn main() {
    let bin = env!("CARGO_BIN_EXE_ecslint");
    let dir = std::env::temp_dir().join(format!("ecslint-bench-gate-{}", std::process::id()));
    let repo = dir.join("repo");
    std::fs::create_dir_all(repo.join("taskdefs")).unwrap();
    let mut bytes = 0;
    for i in 0..TASK_DEFINITIONS {
        let text = task_definition(i);
        bytes += text.len();
        std::fs::write(repo.join("taskdefs").join(format!("svc-{i:04}.json")), text).unwrap();
    }
    let one = time_runs(50, || check(bin, &repo, &["taskdefs/svc-1234.json"]));
    let whole = time_runs(10, || check(bin, &repo, &["."]));
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let row = |name: &str, t: &[Duration]| {
        format!(
            "| {name} | {} | {:.1} | {:.1} | {:.1} |\n",
            t.len(),
            ms(t[0]),
            ms(t[t.len() / 2]),
            ms(t[(t.len() * 95 / 100).min(t.len() - 1)])
        )
    };
    let mut report = format!(
        "# CI gate benchmark\n\n{TASK_DEFINITIONS} task definitions ({:.1} MB, 1-4 containers each), {cpus} CPUs, release build.\n\n\
         | command | runs | min ms | median ms | p95 ms |\n|---|---|---|---|---|\n",
        bytes as f64 / 1e6
    );
    report.push_str(&row(
        "`ecslint check taskdefs/svc-1234.json` (one changed file)",
        &one,
    ));
    report.push_str(&row("`ecslint check .` (the whole repository)", &whole));
    let target = ms(one[one.len() / 2]);
    report.push_str(&format!(
        "\nTarget: one changed file well under 100 ms. Median {target:.1} ms: {}.\n",
        if target < 100.0 { "met" } else { "NOT met" }
    ));
    print!("{report}");
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-gate.md");
    std::fs::write(&out, &report).ok();
    std::fs::remove_dir_all(&dir).ok();
}
