//! What evaluating a rule on a resource concludes: an outcome, and the findings (violations
//! with their place in the file) when it fails. The engine produces these; `findings` judges them.

use crate::location::{LineCol, Step};
use std::collections::HashSet;
use std::sync::{Arc, LazyLock, Mutex};

/// What a rule concluded about one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Pass,
    Fail,
    /// The rule is not about this resource (e.g. a Windows container for a Linux-only check).
    NotApplicable,
    /// The input lacked something the rule needs; never counted as a pass.
    NotEvaluated,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::NotApplicable => "not-applicable",
            Outcome::NotEvaluated => "not-evaluated",
        }
    }
}

/// Where a finding points: a node in an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: usize,
    /// RFC 9535 normalized path of the node from the file's root.
    pub path: String,
    /// False when the node itself was not found and an enclosing node is reported instead.
    pub exact: bool,
    pub start: LineCol,
    pub end: LineCol,
    pub byte_start: usize,
    pub byte_end: usize,
}

/// One violation.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: usize,
    /// The evaluated resource (the task definition, service, ...).
    pub resource: usize,
    /// Exactly as long as its text: a million of them are held until the report is written.
    pub message: Box<str>,
    /// Where the user looks: the offending member, or the violating node's first line.
    pub location: Location,
    /// Byte offset of the violating node in the location's file, when the node is there; a
    /// rule's fix edits under it.
    pub node: Option<usize>,
    /// The violating node, for a rule with a fix: its resource (the evaluated one or one it
    /// links to) and its path in that resource's document. A fix of a translated resource edits
    /// its source from here.
    pub violating: Option<Box<(usize, Vec<Step>)>>,
    pub fingerprint: Fingerprint,
}

/// A finding's identity across runs: 32 lower-case hex digits, held in place (a large estate has
/// a million findings).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The hex digits of the first 16 bytes of `digest`.
    pub fn of_digest(digest: &[u8]) -> Fingerprint {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut hex = [b'0'; 32];
        for (i, byte) in digest.iter().take(16).enumerate() {
            hex[2 * i] = HEX[usize::from(byte >> 4)];
            hex[2 * i + 1] = HEX[usize::from(byte & 0xf)];
        }
        Fingerprint(hex)
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever written into it.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl std::ops::Deref for Fingerprint {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

/// The outcome of one rule on one resource. A run keeps one per rule and resource (millions
/// in a large estate), so it is kept small: the same reason text is shared, not repeated.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub rule: usize,
    pub resource: usize,
    pub outcome: Outcome,
    /// Why it was not evaluated / not applicable, when known.
    pub reason: Option<Arc<str>>,
    pub findings: Box<[Finding]>,
}

/// `text` as a shared reason: one copy of each distinct text for the whole run.
pub fn reason(text: String) -> Arc<str> {
    static REASONS: LazyLock<Mutex<HashSet<Arc<str>>>> = LazyLock::new(Default::default);
    let mut reasons = REASONS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(shared) = reasons.get(text.as_str()) {
        return shared.clone();
    }
    let shared: Arc<str> = text.into();
    reasons.insert(shared.clone());
    shared
}

/// Counts per outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub not_applicable: usize,
    pub not_evaluated: usize,
    /// Individual violations (a failing rule may have several).
    pub findings: usize,
}

impl Counts {
    /// Counts one evaluation.
    pub fn add(&mut self, evaluation: &Evaluation) {
        match evaluation.outcome {
            Outcome::Pass => self.pass += 1,
            Outcome::Fail => self.fail += 1,
            Outcome::NotApplicable => self.not_applicable += 1,
            Outcome::NotEvaluated => self.not_evaluated += 1,
        }
        self.findings += evaluation.findings.len();
    }

    pub fn merge(&mut self, other: &Counts) {
        self.pass += other.pass;
        self.fail += other.fail;
        self.not_applicable += other.not_applicable;
        self.not_evaluated += other.not_evaluated;
        self.findings += other.findings;
    }
}
