//! The template benchmark: a CloudFormation template of 5,000 task definitions and their
//! services (YAML with short-form tags, and the same as JSON), linted by the release binary,
//! against a parser alone on the same text (saphyr's event parser for YAML, serde_json for
//! JSON), measured side by side: as processes of their own, interleaved, and then the parser in
//! this process. Run with `cargo bench --bench template`; it prints a report and writes it to
//! `target/bench-template.md`. Target: `check` at most 3× the parser.

use std::time::Duration;

mod common;
use common::{check, ms};

const TASK_DEFINITIONS: usize = 5_000;
/// Rounds: on a shared host a third of the runs pay the kernel for fresh pages, so a median of
/// few rounds moves by a fifth from run to run.
const RUNS: usize = 11;

/// Parses the file named by `ECSLINT_BENCH_PARSE` (YAML by its extension) and exits: the
/// parser alone as a process of its own, which, like `ecslint check`, reads the file and
/// touches its memory for the first time.
fn parse_alone_process() {
    let Some(path) = std::env::var_os("ECSLINT_BENCH_PARSE") else {
        return;
    };
    let text = std::fs::read_to_string(&path).expect("read the template");
    if path.to_string_lossy().ends_with(".yaml") {
        let mut events = 0usize;
        for event in saphyr_parser::Parser::new_from_str(&text) {
            event.expect("valid YAML");
            events += 1;
        }
        assert!(events > 0);
    } else {
        let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert!(value.is_object());
    }
    std::process::exit(0);
}

fn main() {
    parse_alone_process();
    let bin = env!("CARGO_BIN_EXE_ecslint");
    let dir = std::env::temp_dir().join(format!("ecslint-bench-template-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let yaml = common::template_yaml(TASK_DEFINITIONS);
    let value = ecslint::sources::yaml::parse(&yaml)
        .expect("the template parses")
        .value;
    let json = serde_json::to_string_pretty(&value).unwrap();
    // Not held while timing: a bench process holding hundreds of MB makes the fresh pages of
    // the processes it times cost more on a shared host.
    drop(value);
    let (yaml_path, json_path) = (dir.join("stack.yaml"), dir.join("stack.json"));
    std::fs::write(&yaml_path, &yaml).unwrap();
    std::fs::write(&json_path, &json).unwrap();
    // `ECSLINT_BENCH_WRITE=DIR`: the two templates written there, for profiling a single run.
    if let Some(keep) = std::env::var_os("ECSLINT_BENCH_WRITE") {
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::copy(&yaml_path, std::path::Path::new(&keep).join("stack.yaml")).unwrap();
        std::fs::copy(&json_path, std::path::Path::new(&keep).join("stack.json")).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    // What was read: every resource, and findings (a realistic share of containers run as
    // root or with a writable root filesystem).
    let (_, report) = check(bin, &yaml_path);
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    let resources = report["summary"]["resources"].as_u64().unwrap_or(0);
    let findings = report["findings"].as_array().map_or(0, Vec::len);
    let not_evaluated = report["notEvaluated"].as_array().map_or(0, Vec::len);
    drop(report);
    assert!(
        resources as usize >= 2 * TASK_DEFINITIONS,
        "{resources} resources read"
    );

    let (yaml_mb, json_mb) = (yaml.len() as f64 / 1e6, json.len() as f64 / 1e6);
    drop((yaml, json));
    // The processes first, while this one holds little memory: the in-process parser's rounds
    // leave hundreds of MB with the allocator here, and the processes timed beside them were a
    // third slower (735 against 552-565 ms for the same `check` from a small parent).
    let out = dir.join("report.json");
    let processes = common::interleaved(
        RUNS,
        &mut [
            &mut || common::parse_as_process(&yaml_path),
            &mut || common::check_to(bin, &yaml_path, &out),
            &mut || common::parse_as_process(&json_path),
            &mut || common::check_to(bin, &json_path, &out),
        ],
    );
    // Then the parsers in this process, each round on memory the round before touched.
    let yaml = std::fs::read_to_string(&yaml_path).unwrap();
    let json = std::fs::read_to_string(&json_path).unwrap();
    let in_process = common::interleaved(
        RUNS,
        &mut [
            &mut || {
                let mut events = 0usize;
                for event in saphyr_parser::Parser::new_from_str(&yaml) {
                    event.expect("valid YAML");
                    events += 1;
                }
                assert!(events > 0);
            },
            &mut || {
                let value: serde_json::Value = serde_json::from_str(&json).unwrap();
                assert!(value.is_object());
            },
        ],
    );
    let [yaml_process, yaml_check, json_process, json_check] = processes[..] else {
        unreachable!("four timings");
    };
    let [yaml_parse, json_parse] = in_process[..] else {
        unreachable!("two timings");
    };
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let row = |what: &str, parse: Duration, process: Duration, lint: Duration| {
        format!(
            "| {what} | {:.0} | {:.0} | {:.0} | {:.2} | {:.2} |\n",
            ms(parse),
            ms(process),
            ms(lint),
            lint.as_secs_f64() / parse.as_secs_f64(),
            lint.as_secs_f64() / process.as_secs_f64()
        )
    };
    let mut report = format!(
        "# Template benchmark\n\n{TASK_DEFINITIONS} task definitions and their services in one \
         template ({:.1} MB YAML, {:.1} MB JSON; {resources} resources, {findings} findings, \
         {not_evaluated} not evaluated), {cpus} CPUs, release build, medians of {RUNS} \
         interleaved rounds. The parser alone is timed as a process of its own (reading the \
         file, as `check` does), interleaved with `check` (its report written to a file), and \
         then in this process (text in memory, its memory reused from the round before).\n\n\
         | form | parser in-process ms | parser process ms | `ecslint check` ms | ratio to in-process | ratio to process |\n|---|---|---|---|---|---|\n",
        yaml_mb, json_mb
    );
    report.push_str(&row(
        "YAML (saphyr events)",
        yaml_parse,
        yaml_process,
        yaml_check,
    ));
    report.push_str(&row(
        "JSON (serde_json `Value`)",
        json_parse,
        json_process,
        json_check,
    ));
    report.push_str("\nTarget: `check` at most 3× the parser alone.\n");
    print!("{report}");
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-template.md");
    let _ = std::fs::write(out, &report);
    let _ = std::fs::remove_dir_all(&dir);
}
