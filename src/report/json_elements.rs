//! The JSON report's findings and rules not evaluated as bytes: most of a large report. Each
//! is written as its constant parts, made once for the depth the elements are at, with its
//! values between them: the bytes serde_json's pretty formatter writes (tested in `json.rs`
//! against serde_json for every kind of value they hold), without a key, a line break and an
//! indent written one call at a time.

use super::json::{JsonFinding, NotEvaluated, ResourceRef};
use super::json_bytes::{escape_into, numbers_after, serialized_at, texts_after};
use serde::Serialize;

/// The constant bytes around the values of an element at one depth, named by the value that
/// follows them.
pub(super) struct Layout {
    depth: usize,
    rule: Vec<u8>,
    name: Vec<u8>,
    severity: Vec<u8>,
    pillars: Vec<u8>,
    resource: Vec<u8>,
    message: Vec<u8>,
    file: Vec<u8>,
    path: Vec<u8>,
    start_line: Vec<u8>,
    column: Vec<u8>,
    end_line: Vec<u8>,
    fingerprint: Vec<u8>,
    waiver: Vec<u8>,
    baseline_state: Vec<u8>,
    help_uri: Vec<u8>,
    reason: Vec<u8>,
    close: Vec<u8>,
    /// Inside the resource object.
    kind: Vec<u8>,
    id: Vec<u8>,
    resource_name: Vec<u8>,
    account: Vec<u8>,
    resource_close: Vec<u8>,
    /// Around the pillars' names.
    first_pillar: Vec<u8>,
    next_pillar: Vec<u8>,
    pillars_close: Vec<u8>,
}

impl Layout {
    /// For elements inside `depth` open containers.
    pub fn at(depth: usize) -> Layout {
        let line = |level: usize| format!("\n{}", "  ".repeat(level));
        let (close, member, inner, innermost) = (
            line(depth),
            line(depth + 1),
            line(depth + 2),
            line(depth + 3),
        );
        let after = |indent: &str, key: &str| format!(",{indent}\"{key}\": ").into_bytes();
        Layout {
            depth,
            rule: format!("{{{member}\"rule\": ").into_bytes(),
            name: after(&member, "name"),
            severity: after(&member, "severity"),
            pillars: after(&member, "pillars"),
            resource: after(&member, "resource"),
            message: after(&member, "message"),
            file: format!(",{member}\"location\": {{{inner}\"file\": ").into_bytes(),
            path: after(&inner, "path"),
            start_line: format!(",{inner}\"start\": {{{innermost}\"line\": ").into_bytes(),
            column: after(&innermost, "column"),
            end_line: format!("{inner}}},{inner}\"end\": {{{innermost}\"line\": ").into_bytes(),
            fingerprint: format!("{inner}}}{member}}},{member}\"fingerprint\": ").into_bytes(),
            waiver: after(&member, "waiver"),
            baseline_state: after(&member, "baselineState"),
            help_uri: after(&member, "helpUri"),
            reason: after(&member, "reason"),
            close: format!("{close}}}").into_bytes(),
            kind: format!("{{{inner}\"kind\": ").into_bytes(),
            id: after(&inner, "id"),
            resource_name: after(&inner, "name"),
            account: after(&inner, "account"),
            resource_close: format!("{member}}}").into_bytes(),
            first_pillar: format!("[{inner}").into_bytes(),
            next_pillar: format!(",{inner}").into_bytes(),
            pillars_close: format!("{member}]").into_bytes(),
        }
    }

    pub fn depth(&self) -> usize {
        self.depth
    }

    /// A finding (its fields in their declared order).
    pub fn finding(&self, finding: &JsonFinding<'_>) -> std::io::Result<Vec<u8>> {
        let location = &finding.location;
        let texts = [
            &finding.message,
            &finding.resource.id,
            &finding.resource.name,
            &location.file,
            &location.path,
            &finding.help_uri,
        ];
        let mut out = Vec::with_capacity(640 + texts.iter().map(|t| t.len()).sum::<usize>());
        let out = &mut out;
        texts_after(
            out,
            &[
                (&self.rule, &*finding.rule),
                (&self.name, &*finding.name),
                (&self.severity, finding.severity.as_str()),
            ],
        );
        out.extend_from_slice(&self.pillars);
        match finding.pillars.split_first() {
            None => out.extend_from_slice(b"[]"),
            Some((first, rest)) => {
                out.extend_from_slice(&self.first_pillar);
                escape_into(out, first.as_str());
                for pillar in rest {
                    out.extend_from_slice(&self.next_pillar);
                    escape_into(out, pillar.as_str());
                }
                out.extend_from_slice(&self.pillars_close);
            }
        }
        out.extend_from_slice(&self.resource);
        self.resource_into(&finding.resource, out);
        texts_after(
            out,
            &[
                (&self.message, &*finding.message),
                (&self.file, &*location.file),
                (&self.path, &*location.path),
            ],
        );
        numbers_after(
            out,
            &[
                (&self.start_line, location.start.line),
                (&self.column, location.start.column),
                (&self.end_line, location.end.line),
                (&self.column, location.end.column),
            ],
        );
        out.extend_from_slice(&self.fingerprint);
        escape_into(out, &finding.fingerprint);
        out.extend_from_slice(&self.waiver);
        self.serialized_or_null(finding.waiver.as_deref(), out)?;
        out.extend_from_slice(&self.baseline_state);
        self.serialized_or_null(finding.baseline_state.as_ref(), out)?;
        out.extend_from_slice(&self.help_uri);
        escape_into(out, &finding.help_uri);
        out.extend_from_slice(&self.close);
        Ok(std::mem::take(out))
    }

    /// A rule not evaluated.
    pub fn not_evaluated(&self, entry: &NotEvaluated<'_>) -> Vec<u8> {
        let mut out = Vec::with_capacity(320 + entry.resource.id.len());
        out.extend_from_slice(&self.rule);
        escape_into(&mut out, &entry.rule);
        out.extend_from_slice(&self.resource);
        self.resource_into(&entry.resource, &mut out);
        out.extend_from_slice(&self.reason);
        optional_string(&mut out, entry.reason.as_deref());
        out.extend_from_slice(&self.close);
        out
    }

    fn resource_into(&self, resource: &ResourceRef<'_>, out: &mut Vec<u8>) {
        texts_after(
            out,
            &[
                (&self.kind, resource.kind.as_str()),
                (&self.id, &*resource.id),
                (&self.resource_name, &*resource.name),
            ],
        );
        out.extend_from_slice(&self.account);
        optional_string(out, resource.account.as_deref());
        out.extend_from_slice(&self.resource_close);
    }

    /// A rarer member's value (a waiver, a baseline state) through serde_json, at its depth.
    fn serialized_or_null(
        &self,
        value: Option<&impl Serialize>,
        out: &mut Vec<u8>,
    ) -> std::io::Result<()> {
        match value {
            Some(value) => serialized_at(out, self.depth + 1, value),
            None => {
                out.extend_from_slice(b"null");
                Ok(())
            }
        }
    }
}

fn optional_string(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => escape_into(out, text),
        None => out.extend_from_slice(b"null"),
    }
}
