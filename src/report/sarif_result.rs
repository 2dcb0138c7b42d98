//! A finding's SARIF result written by hand: the bytes serde_json writes for the `sarif::Result`
//! that `sarif.rs` builds for it (members in the schema's alphabetical order, absent ones left
//! out), without building it. Its constant parts are made once for the results' depth, with its
//! values written between them; its rare parts (fixes, suppressions, baseline states) are built
//! and serialized by serde_json at their depth. A large estate's SARIF log is mostly these.

use super::json_bytes::{escape_into, numbers_after, serialized_at, texts_after};
use super::sarif::{artifact, level};
use crate::engine::catalog::Severity;
use crate::findings::{Judged, RunResult};
use std::sync::OnceLock;

/// Writes the results of a run's findings, paths relative to `root`, each at `depth`.
pub(super) struct Results<'a, 'r> {
    run: &'a RunResult<'r>,
    root: &'a std::path::Path,
    depth: usize,
    parts: Parts,
    /// Each file's artifact location as serialized for the first of its results: a file's
    /// findings share it, and making it is most of a result's cost (the path made relative,
    /// percent-encoded, built and serialized).
    artifacts: Vec<OnceLock<Vec<u8>>>,
    /// The same inside a fix, which holds it deeper.
    fix_artifacts: Vec<OnceLock<Vec<u8>>>,
    /// Each severity's level, serialized.
    levels: Vec<(Severity, String)>,
}

/// The constant bytes of a result at one depth, named by the value that follows them.
struct Parts {
    /// `{` and the first member's key, or a later member's separator and key.
    baseline_state: Vec<u8>,
    fixes_first: Vec<u8>,
    fixes_next: Vec<u8>,
    level_first: Vec<u8>,
    level_next: Vec<u8>,
    /// From the level to the logical location's first value.
    fully_qualified_name: Vec<u8>,
    kind: Vec<u8>,
    name: Vec<u8>,
    artifact_location: Vec<u8>,
    end_column: Vec<u8>,
    end_line: Vec<u8>,
    start_column: Vec<u8>,
    start_line: Vec<u8>,
    message: Vec<u8>,
    fingerprint: Vec<u8>,
    /// The property bag, opened, with or without a baseline state before the JSON path.
    properties_baseline_state: Vec<u8>,
    json_path_after_state: Vec<u8>,
    json_path_first: Vec<u8>,
    severity: Vec<u8>,
    rule_id: Vec<u8>,
    rule_index: Vec<u8>,
    suppressions: Vec<u8>,
    close: Vec<u8>,
    /// A fix (the value of `fixes`): one change of one file, one replacement.
    fix_artifact_location: Vec<u8>,
    fix_end_column: Vec<u8>,
    fix_end_line: Vec<u8>,
    fix_start_column: Vec<u8>,
    fix_start_line: Vec<u8>,
    fix_text: Vec<u8>,
    fix_description: Vec<u8>,
    fix_close: Vec<u8>,
}

impl Parts {
    fn at(depth: usize) -> Parts {
        // The line a member at `level` levels below the result starts on.
        let line = |level: usize| format!("\n{}", "  ".repeat(depth + level));
        let (m, l1, l2, l3, l4) = (line(1), line(2), line(3), line(4), line(5));
        let (l5, l6, l7) = (line(6), line(7), line(8));
        let first = |key: &str| format!("{{{m}\"{key}\": ").into_bytes();
        let next = |indent: &str, key: &str| format!(",{indent}\"{key}\": ").into_bytes();
        Parts {
            baseline_state: first("baselineState"),
            fixes_first: first("fixes"),
            fixes_next: next(&m, "fixes"),
            level_first: first("level"),
            level_next: next(&m, "level"),
            fully_qualified_name: format!(
                ",{m}\"locations\": [{l1}{{{l2}\"logicalLocations\": [{l3}{{{l4}\"fullyQualifiedName\": "
            )
            .into_bytes(),
            kind: next(&l4, "kind"),
            name: next(&l4, "name"),
            artifact_location: format!(
                "{l3}}}{l2}],{l2}\"physicalLocation\": {{{l3}\"artifactLocation\": "
            )
            .into_bytes(),
            end_column: format!(",{l3}\"region\": {{{l4}\"endColumn\": ").into_bytes(),
            end_line: next(&l4, "endLine"),
            start_column: next(&l4, "startColumn"),
            start_line: next(&l4, "startLine"),
            message: format!("{l3}}}{l2}}}{l1}}}{m}],{m}\"message\": {{{l1}\"text\": ")
                .into_bytes(),
            fingerprint: format!("{m}}},{m}\"partialFingerprints\": {{{l1}\"ecslint/v1\": ")
                .into_bytes(),
            properties_baseline_state: format!(
                "{m}}},{m}\"properties\": {{{l1}\"baselineState\": "
            )
            .into_bytes(),
            json_path_after_state: next(&l1, "jsonPath"),
            json_path_first: format!("{m}}},{m}\"properties\": {{{l1}\"jsonPath\": ").into_bytes(),
            severity: next(&l1, "severity"),
            rule_id: format!("{m}}},{m}\"ruleId\": ").into_bytes(),
            rule_index: next(&m, "ruleIndex"),
            suppressions: next(&m, "suppressions"),
            close: line(0).into_bytes().into_iter().chain([b'}']).collect(),
            fix_artifact_location: format!(
                "[{l1}{{{l2}\"artifactChanges\": [{l3}{{{l4}\"artifactLocation\": "
            )
            .into_bytes(),
            fix_end_column: format!(
                ",{l4}\"replacements\": [{l5}{{{l6}\"deletedRegion\": {{{l7}\"endColumn\": "
            )
            .into_bytes(),
            fix_end_line: next(&l7, "endLine"),
            fix_start_column: next(&l7, "startColumn"),
            fix_start_line: next(&l7, "startLine"),
            fix_text: format!("{l6}}},{l6}\"insertedContent\": {{{l7}\"text\": ").into_bytes(),
            fix_description: format!(
                "{l6}}}{l5}}}{l4}]{l3}}}{l2}],{l2}\"description\": {{{l3}\"text\": "
            )
            .into_bytes(),
            fix_close: format!("{l2}}}{l1}}}{m}]").into_bytes(),
        }
    }
}

impl<'a, 'r> Results<'a, 'r> {
    pub fn new(run: &'a RunResult<'r>, root: &'a std::path::Path, depth: usize) -> Results<'a, 'r> {
        let cells = || run.estate.files.iter().map(|_| OnceLock::new()).collect();
        let (artifacts, fix_artifacts) = (cells(), cells());
        let levels = Severity::ALL
            .iter()
            .map(|&severity| {
                let text = serde_json::to_string(&level(severity)).unwrap_or_default();
                (severity, text)
            })
            .collect();
        Results {
            run,
            root,
            depth,
            parts: Parts::at(depth),
            artifacts,
            fix_artifacts,
            levels,
        }
    }

    /// The result of `judged`.
    pub fn finding(&self, judged: &Judged<'_>) -> std::io::Result<Vec<u8>> {
        finding_bytes(self, judged)
    }

    /// The artifact location of file `file`, serialized where results hold it (`in_fix`: where
    /// their fixes do).
    fn artifact_into(&self, out: &mut Vec<u8>, file: usize, in_fix: bool) -> std::io::Result<()> {
        let (cells, depth) = match in_fix {
            false => (&self.artifacts, self.depth + 4),
            true => (&self.fix_artifacts, self.depth + 5),
        };
        let cell = &cells[file];
        let bytes = match cell.get() {
            Some(bytes) => bytes,
            None => {
                let mut alone = Vec::new();
                let location = artifact(&self.run.estate.files[file].path, self.root);
                serialized_at(&mut alone, depth, &location)?;
                cell.get_or_init(|| alone)
            }
        };
        out.extend_from_slice(bytes);
        Ok(())
    }

    /// `edit` as the value of a result's `fixes`: what `sarif::sarif_fix` builds, serialized.
    fn fix_into(
        &self,
        out: &mut Vec<u8>,
        edit: &crate::findings::fix::Edit,
    ) -> std::io::Result<()> {
        let parts = &self.parts;
        let file = &self.run.estate.files[edit.file];
        let (start, end) = (file.line_col(edit.start), file.line_col(edit.end));
        out.extend_from_slice(&parts.fix_artifact_location);
        self.artifact_into(out, edit.file, true)?;
        numbers_after(
            out,
            &[
                (&parts.fix_end_column, end.column),
                (&parts.fix_end_line, end.line),
                (&parts.fix_start_column, start.column),
                (&parts.fix_start_line, start.line),
            ],
        );
        texts_after(
            out,
            &[
                (&parts.fix_text, &edit.text),
                (&parts.fix_description, &edit.description),
            ],
        );
        out.extend_from_slice(&parts.fix_close);
        Ok(())
    }
}

/// The result of `judged`.
fn finding_bytes(results: &Results<'_, '_>, judged: &Judged<'_>) -> std::io::Result<Vec<u8>> {
    let (run, parts) = (results.run, &results.parts);
    let member_depth = results.depth + 1;
    let finding = judged.finding;
    let rule = &run.rules[finding.rule];
    let resource = &run.estate.resources[finding.resource];
    let at = &finding.location;
    let baseline_state = judged.baseline_state.map(|state| serde_json::json!(state));
    let texts = [&*finding.message, &resource.id, &resource.name, &at.path];
    let mut out = Vec::with_capacity(1024 + texts.iter().map(|t| t.len()).sum::<usize>());
    let out = &mut out;
    let mut opened = false;
    if let Some(state) = &baseline_state {
        out.extend_from_slice(&parts.baseline_state);
        serialized_at(out, member_depth, state)?;
        opened = true;
    }
    if let Some(edit) = crate::findings::fix::edit_of(run, judged) {
        out.extend_from_slice(match opened {
            true => &parts.fixes_next,
            false => &parts.fixes_first,
        });
        results.fix_into(out, &edit)?;
        opened = true;
    }
    out.extend_from_slice(match opened {
        true => &parts.level_next,
        false => &parts.level_first,
    });
    match results.levels.iter().find(|(s, _)| *s == judged.severity) {
        Some((_, text)) => out.extend_from_slice(text.as_bytes()),
        None => serialized_at(out, member_depth, &level(judged.severity))?,
    }
    texts_after(
        out,
        &[
            (&parts.fully_qualified_name, &*resource.id),
            (&parts.kind, resource.kind.as_str()),
            (&parts.name, &*resource.name),
        ],
    );
    out.extend_from_slice(&parts.artifact_location);
    results.artifact_into(out, at.file, false)?;
    numbers_after(
        out,
        &[
            (&parts.end_column, at.end.column),
            (&parts.end_line, at.end.line),
            (&parts.start_column, at.start.column),
            (&parts.start_line, at.start.line),
        ],
    );
    out.extend_from_slice(&parts.message);
    escape_into(out, &finding.message);
    out.extend_from_slice(&parts.fingerprint);
    escape_into(out, &finding.fingerprint);
    // A property bag's members in its map's (alphabetical) order.
    match &baseline_state {
        Some(state) => {
            out.extend_from_slice(&parts.properties_baseline_state);
            serialized_at(out, member_depth + 1, state)?;
            out.extend_from_slice(&parts.json_path_after_state);
        }
        None => out.extend_from_slice(&parts.json_path_first),
    }
    escape_into(out, &at.path);
    texts_after(
        out,
        &[
            (&parts.severity, judged.severity.as_str()),
            (&parts.rule_id, rule.id()),
        ],
    );
    numbers_after(out, &[(&parts.rule_index, finding.rule)]);
    if let Some(waiver) = judged.waiver {
        out.extend_from_slice(&parts.suppressions);
        let suppression = [super::sarif::suppression(&run.waivers[waiver])];
        serialized_at(out, member_depth, &suppression)?;
    }
    out.extend_from_slice(&parts.close);
    Ok(std::mem::take(out))
}
