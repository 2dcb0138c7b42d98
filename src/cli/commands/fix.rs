//! `ecslint fix`: apply the safe fixes of unwaived findings, byte for byte.

#[allow(unused_imports)]
use crate::cli::*;

/// `ecslint fix`: applies the fixes of unwaived findings, file by file, byte for byte.
pub fn fix(args: FixArgs) -> u8 {
    let linted = match lint(&args.lint, None, true) {
        Ok(linted) => linted,
        Err(code) => return code,
    };
    let (run, _) = judge(linted);
    report_input_errors(&run, &args.lint);
    let mut by_file: BTreeMap<usize, Vec<findings::fix::Edit>> = BTreeMap::new();
    let templates = crate::sources::template::ParsedFiles::default();
    for judged in run.judged() {
        if judged.waiver.is_none()
            && let Some(edit) = crate::lint::fix_edit(&run, judged.finding, &templates)
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
        let text = file.text();
        let (fixed, applied) = findings::fix::apply(&text, edits);
        if args.diff {
            total += applied;
            // Its lines are printed (to a CI log, say): what a code frame would not print is
            // starred, on both sides.
            let (before, after) = (
                crate::report::masked_file(&file.path, &text),
                crate::report::masked_file(&file.path, &fixed),
            );
            let diff = similar::TextDiff::from_lines(&before, &after);
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
        let read_as = format!("{bom}{text}");
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
