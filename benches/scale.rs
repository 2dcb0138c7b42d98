//! Whole-run benchmark at scale: 1k, 10k and 100k task definitions (plus services, roles and
//! network), as many small files and as one large snapshot. For each it measures the floor — only
//! reading and parsing the same bytes with serde_json into a Value, in parallel as ecslint does —
//! and a full `ecslint check` run of the release binary (wall time and peak RSS from
//! /usr/bin/time). `cargo bench --bench scale [-- 1000 10000]`; the report is printed and written
//! to target/bench-scale.md.

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

mod common;

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// The floor: read and parse every file into a serde_json Value, in parallel.
fn parse_only(paths: &[PathBuf]) -> Duration {
    let start = Instant::now();
    let parsed: usize = paths
        .par_iter()
        .map(|p| {
            let bytes = std::fs::read(p).unwrap();
            let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            usize::from(value.is_object() || value.is_array())
        })
        .sum();
    assert_eq!(parsed, paths.len());
    start.elapsed()
}

/// Runs the release binary under /usr/bin/time; returns (wall, peak RSS in MB).
fn lint(bin: &str, target: &Path) -> (Duration, f64) {
    let start = Instant::now();
    let output = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(bin)
        .args(["check", "--no-config", "-f", "json", "-o", "/dev/null"])
        .arg(target)
        .output()
        .expect("run /usr/bin/time ecslint");
    let wall = start.elapsed();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let kib: f64 = stderr
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0.0);
    (wall, kib / 1024.0)
}

fn best<T: Copy + PartialOrd>(runs: &[T]) -> T {
    runs.iter()
        .copied()
        .fold(runs[0], |a, b| if b < a { b } else { a })
}

fn main() {
    let bin = env!("CARGO_BIN_EXE_ecslint");
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect::<Vec<_>>();
    let sizes = if sizes.is_empty() {
        vec![1_000, 10_000, 100_000]
    } else {
        sizes
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-estates");
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut report = format!(
        "# Scale benchmark\n\n{cpus} CPUs, release build; best of 3 runs.\n\n\
         | task definitions | layout | MB | parse only ms | ecslint ms | ratio | task defs/s | peak RSS MB |\n\
         |---|---|---|---|---|---|---|---|\n"
    );
    for &n in &sizes {
        let files_dir = root.join(format!("files-{n}"));
        let snapshot = root.join(format!("snapshot-{n}.json"));
        if !files_dir.join("clusters.json").exists() {
            let _ = std::fs::remove_dir_all(&files_dir);
            common::write_files(&files_dir, n);
        }
        if !snapshot.exists() {
            std::fs::create_dir_all(&root).unwrap();
            common::write_snapshot(&snapshot, n);
        }
        for (layout, target) in [("files", files_dir.clone()), ("snapshot", snapshot.clone())] {
            let mut paths = Vec::new();
            if target.is_dir() {
                json_files(&target, &mut paths);
            } else {
                paths.push(target.clone());
            }
            let bytes: u64 = paths
                .iter()
                .map(|p| std::fs::metadata(p).unwrap().len())
                .sum();
            parse_only(&paths); // warm the page cache
            let parse = best(&(0..3).map(|_| parse_only(&paths)).collect::<Vec<_>>());
            let runs: Vec<(Duration, f64)> = (0..3).map(|_| lint(bin, &target)).collect();
            let wall = best(&runs.iter().map(|r| r.0).collect::<Vec<_>>());
            let rss = runs.iter().map(|r| r.1).fold(0.0, f64::max);
            let line = format!(
                "| {n} | {layout} | {:.0} | {:.0} | {:.0} | {:.2} | {:.0} | {:.0} |\n",
                bytes as f64 / 1e6,
                parse.as_secs_f64() * 1e3,
                wall.as_secs_f64() * 1e3,
                wall.as_secs_f64() / parse.as_secs_f64(),
                n as f64 / wall.as_secs_f64(),
                rss
            );
            print!("{line}");
            report.push_str(&line);
        }
    }
    std::fs::write(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-scale.md"),
        &report,
    )
    .ok();
    println!("\n{report}");
}
