//! `ecslint baseline`: record today's findings so a gate fails only on new ones.

#[allow(unused_imports)]
use crate::cli::*;

/// `ecslint baseline`: records today's findings (waived ones included: a waiver may expire).
pub fn record_baseline(args: BaselineArgs) -> u8 {
    let linted = match lint(&args.lint, None, false) {
        Ok(linted) => linted,
        Err(code) => return code,
    };
    let (run, _) = judge(linted);
    report_input_errors(&run, &args.lint);
    let entries = run
        .judged()
        .iter()
        .map(|j| findings::baseline_entry(&run, j.finding))
        .collect();
    let baseline = Baseline::new(entries);
    if let Err(message) = crate::output::refuse_inputs(&args.output, input_paths(&run)) {
        return fail(message);
    }
    let mut text = serde_json::to_string_pretty(&baseline).unwrap_or_default();
    text.push('\n');
    if let Err(code) = write_output(Some(&args.output), &text) {
        return code;
    }
    eprintln!(
        "recorded {} findings in {}",
        baseline.findings.len(),
        args.output.display()
    );
    if run.input_errors.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_ERROR
    }
}
