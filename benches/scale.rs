//! Whole-run benchmark at scale: 1k, 10k and 100k task definitions (plus services, roles and
//! network), as many small files and as one large snapshot. For each it measures the floor — only
//! reading and parsing the same bytes with serde_json into a Value, in parallel as ecslint does —
//! and a full `ecslint check` run of the release binary (wall time and peak RSS from
//! /usr/bin/time). `cargo bench --bench scale [-- 1000 10000]`; the report is printed and written
//! to target/bench-scale.md.

use std::path::{Path, PathBuf};
use std::time::Duration;

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
            common::parse_only(&paths); // warm the page cache
            let parse = best(
                &(0..3)
                    .map(|_| common::parse_only(&paths))
                    .collect::<Vec<_>>(),
            );
            let null = Path::new("/dev/null");
            let runs: Vec<(Duration, f64)> = (0..3)
                .map(|_| common::check_measured(bin, "json", &target, null))
                .collect();
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
