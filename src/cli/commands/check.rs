//! `ecslint check`: lint, judge (waivers, baseline) and report; the exit code is the verdict.

#[allow(unused_imports)]
use crate::cli::*;

pub fn check(args: CheckArgs) -> u8 {
    let baseline = match args.baseline.as_deref().map(load_baseline).transpose() {
        Ok(baseline) => baseline,
        Err(message) => return fail(message),
    };
    let linted = match lint(&args.lint, baseline, false) {
        Ok(linted) => linted,
        Err(code) => return code,
    };
    let timer = linted.timer.clone();
    let (mut run, config_fail_on) = judge(linted);
    let format = args.format.unwrap_or(Format::Pretty);
    // SARIF carries the fixes, in templates and Terraform too.
    if matches!(format, Format::Sarif | Format::SarifGithub) {
        crate::lint::plan_fixes(&mut run);
    }
    timer.lap("judge");
    let options = report_options(&args.lint, args.output.as_deref());
    if let Some(path) = args.output.as_deref() {
        let baseline = args.baseline.as_deref().map(|path| (path, None));
        if let Err(message) = crate::output::refuse_inputs(path, input_paths(&run).chain(baseline))
        {
            return fail(message);
        }
    }
    let written = match args.output.as_deref() {
        Some(path) => {
            crate::output::write_report(path, |out| report::write(format, &run, &options, out))
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            report::write(format, &run, &options, &mut out).and_then(|()| out.flush())
        }
    };
    timer.lap("report");
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
    let verdict = run.verdict(threshold);
    // The process ends here: freeing a large run's findings one by one would only delay the
    // exit (tens of milliseconds at 20,000 task definitions), as the estate is not freed either.
    std::mem::forget(run);
    match verdict {
        Verdict::InputError => EXIT_ERROR,
        Verdict::Partial => EXIT_PARTIAL,
        Verdict::Findings => EXIT_FINDINGS,
        Verdict::Clean => EXIT_CLEAN,
    }
}
