//! Speed at real finding density (issue "Speed at real finding density"): N task definitions
//! derived from the real public ones in `../shared/corpus/real-ecs` (read in place; each one
//! repeated under its own family name), one file each, linted by the release binary with JSON,
//! SARIF and pretty output, side by side with the floor: reading and parsing the same files with
//! serde_json in parallel, as ecslint reads files. Interleaved rounds, medians; peak RSS from
//! /usr/bin/time. `cargo bench --bench density [-- 20000 100000]`; the report is printed and
//! written to target/bench-density.md. Without the corpus it says so and uses the synthetic
//! task definitions of the other benches, whose findings are fewer.

use rayon::prelude::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

mod common;

const ROUNDS: usize = 3;

/// The name of the file that marks an estate written in today's shape ([`shape`]).
const ESTATE_SHAPE: &str = "shape-5";

/// The corpus's task definitions that are strict JSON with containers: register inputs as they
/// are, describe outputs unwrapped.
fn corpus_task_definitions() -> Option<Vec<Value>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real-ecs");
    let mut found = Vec::new();
    for kind in ["taskdef", "taskdef-describe"] {
        let Ok(entries) = std::fs::read_dir(root.join(kind)) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let Ok(value) = serde_json::from_str::<Value>(text.trim_start_matches('\u{feff}'))
            else {
                continue;
            };
            let doc = value.get("taskDefinition").cloned().unwrap_or(value);
            let containers = doc.get("containerDefinitions").and_then(Value::as_array);
            if containers.is_some_and(|c| !c.is_empty()) {
                found.push(doc);
            }
        }
    }
    (!found.is_empty()).then_some(found)
}

/// The shape the issue gives the estate, which the real files alone do not have (of the 349,
/// 271 have fewer than 5 environment variables, one has 10 containers, 25 have volumes and 8
/// placement constraints): task definition `i`, of family `family`, made into it, its own values
/// kept.
/// - at most 6 containers;
/// - 5 to 50 environment variables in all (plain settings added to the first container, or the
///   last ones left out), and in one task definition of four a password among them, in plain
///   text, as real files often have;
/// - a secret (in the task definition's own account), a volume and a mount of it where there are
///   none, and on EC2 task definitions a placement constraint.
fn shape(doc: &mut Value, family: &str, i: usize) {
    let Some(map) = doc.as_object_mut() else {
        return;
    };
    // The task definition's own account, as its roles or ARN name it: a secret it is given is
    // in that account.
    let account = ["taskDefinitionArn", "executionRoleArn", "taskRoleArn"]
        .iter()
        .filter_map(|member| ecslint::model::arn_account_id(map.get(*member)?.as_str()?))
        .next()
        .unwrap_or("111122223333")
        .to_string();
    let ec2 = map
        .get("requiresCompatibilities")
        .and_then(Value::as_array)
        .is_none_or(|c| c.iter().any(|c| c == "EC2"));
    if ec2
        && map
            .get("placementConstraints")
            .is_none_or(|p| p == &json!([]))
    {
        let constraint =
            json!({"type": "memberOf", "expression": "attribute:ecs.os-type == linux"});
        map.insert("placementConstraints".into(), json!([constraint]));
    }
    let scratch = map.get("volumes").is_none_or(|v| v == &json!([]));
    if scratch {
        map.insert("volumes".into(), json!([{"name": "scratch"}]));
    }
    let Some(Value::Array(containers)) = map.get_mut("containerDefinitions") else {
        return;
    };
    containers.truncate(6);
    let has_secret = containers.iter().any(|container| {
        container
            .get("secrets")
            .and_then(Value::as_array)
            .is_some_and(|secrets| !secrets.is_empty())
    });
    let wanted = 5 + (i * 7) % 46;
    let mut total = 0;
    for container in containers.iter_mut() {
        if let Some(Value::Array(variables)) = container.get_mut("environment") {
            variables.truncate(wanted.saturating_sub(total));
            total += variables.len();
        }
    }
    let Some(first) = containers.first_mut().and_then(Value::as_object_mut) else {
        return;
    };
    if let Value::Array(variables) = first.entry("environment").or_insert_with(|| json!([])) {
        if i.is_multiple_of(4) {
            variables.push(json!({"name": "DB_PASSWORD", "value": format!("{family}-pw-{i}")}));
            total += 1;
        }
        for k in total..wanted {
            variables.push(json!({"name": format!("SETTING_{k}"), "value": format!("value-{k}")}));
        }
    }
    if !has_secret {
        let arn = format!("arn:aws:secretsmanager:eu-west-1:{account}:secret:{family}");
        first.insert(
            "secrets".into(),
            json!([{"name": "API_TOKEN", "valueFrom": arn}]),
        );
    }
    if scratch {
        let mount = json!({"sourceVolume": "scratch", "containerPath": "/scratch"});
        match first.entry("mountPoints").or_insert_with(|| json!([])) {
            Value::Array(mounts) => mounts.push(mount),
            other => *other = json!([mount]),
        }
    }
}

/// Writes `n` task definitions, one file each, made from `bases` in turn under their own family
/// (and ARN, where the base has one) and given the shape ([`shape`]). Returns the folder.
fn write_estate(dir: &Path, n: usize, bases: &[Value]) {
    let folder = dir.join("taskdefs");
    std::fs::create_dir_all(&folder).unwrap();
    (0..n).into_par_iter().for_each(|i| {
        let mut doc = bases[i % bases.len()].clone();
        let family = doc
            .get("family")
            .and_then(Value::as_str)
            .unwrap_or("app")
            .to_string();
        let family = format!("{family}-{i}");
        if let Value::Object(map) = &mut doc {
            if map.contains_key("taskDefinitionArn") {
                map.insert(
                    "taskDefinitionArn".into(),
                    format!("arn:aws:ecs:eu-west-1:111122223333:task-definition/{family}:1").into(),
                );
            }
            map.insert("family".into(), family.clone().into());
        }
        shape(&mut doc, &family, i);
        let text = serde_json::to_string_pretty(&doc).unwrap();
        std::fs::write(folder.join(format!("td-{i:06}.json")), text).unwrap();
    });
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir.join("taskdefs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    out.sort();
    out
}

/// The peak RSS of `ecslint check -f FORMAT`, in MB (its time is the round's).
fn peak(bin: &str, format: &str, dir: &Path, out: &Path) -> f64 {
    common::check_measured(bin, format, dir, out).1
}

fn main() {
    let bin = env!("CARGO_BIN_EXE_ecslint");
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![20_000]
    } else {
        sizes
    };
    let (bases, origin) = match corpus_task_definitions() {
        Some(bases) => {
            let origin = format!(
                "{} real task definitions of ../shared/corpus/real-ecs",
                bases.len()
            );
            (bases, origin)
        }
        None => {
            println!("../shared/corpus/real-ecs is absent: synthetic task definitions instead");
            let synthetic =
                (0..100).map(|i| serde_json::from_str(&common::task_definition(i)).unwrap());
            (
                synthetic.collect(),
                "100 synthetic task definitions".to_string(),
            )
        }
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-estates");
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut report = format!(
        "# Density benchmark\n\nTask definitions made from {origin}, one file each; {cpus} CPUs, \
         release build, medians of {ROUNDS} interleaved rounds; reports written to a file.\n\n\
         | task definitions | MB | findings | per task definition | parse only ms | json ms | sarif ms | pretty ms | json / parse | sarif / parse | pretty / json | peak RSS MB (json, sarif, pretty) |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|\n"
    );
    for &n in &sizes {
        let dir = root.join(format!("density-{n}"));
        // Made again when the shape of the estate changed (its marker is the shape's version).
        let marker = dir.join(ESTATE_SHAPE);
        if !marker.exists() {
            let _ = std::fs::remove_dir_all(&dir);
            write_estate(&dir, n, &bases);
            std::fs::write(&marker, "").unwrap();
        }
        let paths = json_files(&dir);
        let bytes: u64 = paths
            .iter()
            .map(|p| std::fs::metadata(p).unwrap().len())
            .sum();
        let out = root.join(format!("density-{n}.report"));
        common::check_measured(bin, "json", &dir, &out);
        let report_json: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        let findings = report_json["findings"].as_array().map_or(0, Vec::len);
        let mut peaks = [0.0f64; 3];
        let times = {
            let [json_peak, sarif_peak, pretty_peak] = &mut peaks;
            common::interleaved(
                ROUNDS,
                &mut [
                    &mut || {
                        common::parse_only(&paths);
                    },
                    &mut || *json_peak = json_peak.max(peak(bin, "json", &dir, &out)),
                    &mut || *sarif_peak = sarif_peak.max(peak(bin, "sarif", &dir, &out)),
                    &mut || *pretty_peak = pretty_peak.max(peak(bin, "pretty", &dir, &out)),
                ],
            )
        };
        let _ = std::fs::remove_file(&out);
        let [parse, json, sarif, pretty] = times[..] else {
            unreachable!("four timings");
        };
        let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
        let line = format!(
            "| {n} | {:.0} | {findings} | {:.1} | {:.0} | {:.0} | {:.0} | {:.0} | {:.2} | {:.2} | {:.2} | {:.0}, {:.0}, {:.0} |\n",
            bytes as f64 / 1e6,
            findings as f64 / n as f64,
            common::ms(parse),
            common::ms(json),
            common::ms(sarif),
            common::ms(pretty),
            ratio(json, parse),
            ratio(sarif, parse),
            ratio(pretty, json),
            peaks[0],
            peaks[1],
            peaks[2],
        );
        print!("{line}");
        report.push_str(&line);
    }
    report.push_str(
        "\nTargets (issue 15): json and sarif at most 3× parse only at 20k and 100k, pretty at \
         most 2× json, peak RSS under 1 GB at 100k.\n",
    );
    let _ = std::fs::write(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-density.md"),
        &report,
    );
    println!("\n{report}");
}
