//! GitHub Actions workflow commands: one annotation per unwaived finding and per input error.

use crate::engine::catalog::Severity;
use crate::findings::RunResult;
use crate::findings::baseline::BaselineState;

/// Workflow-command values escape `%`, CR and LF; properties also `:` and `,`.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(run: &RunResult<'_>) -> String {
    let mut out = String::new();
    for judged in run.judged() {
        // Annotate what needs attention: not waived, not already in the baseline.
        if judged.waiver.is_some() || judged.baseline_state == Some(BaselineState::Unchanged) {
            continue;
        }
        let finding = judged.finding;
        let rule = &run.rules[finding.rule];
        let level = match judged.severity {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low | Severity::Info => "notice",
        };
        let at = &finding.location;
        out.push_str(&format!(
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(&run.estate.files[at.file].path),
            at.start.line,
            at.start.column,
            at.end.line,
            at.end.column,
            escape_property(&format!("{} {}", rule.id(), rule.name())),
            escape_data(&finding.message),
        ));
    }
    for error in &run.input_errors {
        let position = error
            .location
            .map(|at| format!(",line={},col={}", at.line, at.column))
            .unwrap_or_default();
        out.push_str(&format!(
            "::error file={}{position},title=ecslint input error::{}\n",
            escape_property(&error.path),
            escape_data(&error.reason)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_workflow_command_syntax() {
        assert_eq!(super::escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(super::escape_data("50%\r\n"), "50%25%0D%0A");
    }
}
