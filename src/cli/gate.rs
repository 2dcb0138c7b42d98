//! `check`, `baseline` and `fix`: lint, judge (waivers, baseline) and report or edit.

#[allow(unused_imports)]
use super::*;

pub(super) fn check(args: CheckArgs) -> u8 {
    let baseline = match args.baseline.as_deref().map(Baseline::load).transpose() {
        Ok(baseline) => baseline,
        Err(message) => return fail(message),
    };
    let linted = match lint(&args.lint, baseline) {
        Ok(linted) => linted,
        Err(code) => return code,
    };
    let (run, config_fail_on) = judge(linted);
    let format = args.format.unwrap_or(Format::Pretty);
    let options = report_options(&args.lint, args.output.as_deref());
    if let Some(path) = args.output.as_deref() {
        let baseline = args.baseline.as_deref().into_iter();
        if let Err(message) = crate::output::refuse_inputs(path, input_paths(&run).chain(baseline))
        {
            return fail(message);
        }
    }
    let written = match args.output.as_deref() {
        Some(path) => {
            crate::output::write_atomically(path, |out| report::write(format, &run, &options, out))
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            report::write(format, &run, &options, &mut out).and_then(|()| out.flush())
        }
    };
    if let Err(e) = written {
        let place = args
            .output
            .as_ref()
            .map_or("stdout".to_string(), |p| p.display().to_string());
        return fail(format!("{place}: {e}"));
    }
    if args.output.is_some() || format != Format::Pretty {
        // Keep the person at the terminal informed even when the report goes elsewhere.
        for error in &run.input_errors {
            eprint!("{}", report::pretty::render_input_error(error, &options));
        }
        for problem in &run.waiver_problems {
            eprintln!("warning: waiver: {problem}");
        }
        if options.verbose {
            eprint!("{}", report::pretty::skipped_note(&run, &options));
        }
    }
    let threshold = args.fail_on.or(config_fail_on).unwrap_or(Severity::Info);
    match run.verdict(threshold) {
        Verdict::InputError => EXIT_ERROR,
        Verdict::Partial => EXIT_PARTIAL,
        Verdict::Findings => EXIT_FINDINGS,
        Verdict::Clean => EXIT_CLEAN,
    }
}

/// `ecslint baseline`: records today's findings (waived ones included: a waiver may expire).
pub(super) fn record_baseline(args: BaselineArgs) -> u8 {
    let linted = match lint(&args.lint, None) {
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

/// For messages on stderr: no colour.
pub(super) fn plain_options(lint: &LintArgs) -> ReportOptions {
    ReportOptions {
        color: false,
        ..report_options(lint, None)
    }
}

pub(super) fn report_input_errors(run: &RunResult<'_>, lint: &LintArgs) {
    for error in &run.input_errors {
        eprint!(
            "{}",
            report::pretty::render_input_error(error, &plain_options(lint))
        );
    }
}

/// `ecslint fix`: applies the fixes of unwaived findings, file by file, byte for byte.
pub(super) fn fix(args: FixArgs) -> u8 {
    let linted = match lint(&args.lint, None) {
        Ok(linted) => linted,
        Err(code) => return code,
    };
    let (run, _) = judge(linted);
    report_input_errors(&run, &args.lint);
    let mut by_file: BTreeMap<usize, Vec<findings::fix::Edit>> = BTreeMap::new();
    for judged in run.judged() {
        if judged.waiver.is_none()
            && let Some(edit) = findings::fix::edit_for(&run, judged.finding)
        {
            by_file.entry(edit.file).or_default().push(edit);
        }
    }
    let mut total = 0;
    // Files that could not be written safely: reported, the others still fixed.
    let mut refused = 0;
    // What goes to stdout, written once so a closed pipe is an error, not a panic.
    let mut shown = String::new();
    for (file_index, edits) in &by_file {
        let file = &run.estate.files[*file_index];
        let (fixed, applied) = findings::fix::apply(&file.text, edits);
        if args.diff {
            total += applied;
            let diff = similar::TextDiff::from_lines(&file.text, &fixed);
            shown.push_str(
                &diff
                    .unified_diff()
                    .context_radius(2)
                    .header(&file.path, &file.path)
                    .to_string(),
            );
            continue;
        }
        if file.path == "<stdin>" {
            total += applied;
            shown.push_str(if file.had_bom { "\u{feff}" } else { "" });
            shown.push_str(&fixed);
            continue;
        }
        let bom = if file.had_bom { "\u{feff}" } else { "" };
        // The path it was read from, never its rendering; inside the given paths, not a link,
        // and unchanged since it was read.
        let Some(target) = file.source.as_deref() else {
            continue;
        };
        if let Some(problem) = crate::output::fix_target_problem(target, &args.lint.paths) {
            let _ = fail(format!("{}: not fixed: {problem}", file.path));
            refused += 1;
            continue;
        }
        let read_as = format!("{bom}{}", file.text);
        if std::fs::read(target).ok().as_deref() != Some(read_as.as_bytes()) {
            let message = format!("{}: not fixed: it changed since it was read", file.path);
            let _ = fail(message);
            refused += 1;
            continue;
        }
        let written = crate::output::write_atomically(target, |out| {
            out.write_all(bom.as_bytes())?;
            out.write_all(fixed.as_bytes())
        });
        if let Err(e) = written {
            let _ = fail(format!("{}: {e}", file.path));
            refused += 1;
            continue;
        }
        total += applied;
        eprintln!("fixed {}: {applied} change(s)", file.path);
    }
    if let Err(code) = write_output(None, &shown) {
        return code;
    }
    eprintln!(
        "{total} fix(es) {} in {} file(s)",
        if args.diff { "to apply" } else { "applied" },
        by_file.len() - refused
    );
    if run.input_errors.is_empty() && refused == 0 {
        EXIT_CLEAN
    } else {
        EXIT_ERROR
    }
}
