//! What evaluating a rule on a resource concludes: an outcome, and the findings (violations
//! with their place in the file) when it fails. The engine produces these; `findings` judges them.

use crate::location::{LineCol, Step};

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
    /// The same path as steps.
    pub steps: Vec<Step>,
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
    pub message: String,
    /// Where the user looks: the offending member, or the violating node's first line.
    pub location: Location,
    /// Byte offset of the violating node in the location's file, when the node is there; a
    /// rule's fix edits under it.
    pub node: Option<usize>,
    /// The violating node: its resource (the evaluated one or one it links to) and its path in
    /// that resource's document. A fix of a translated resource edits its source from here.
    pub violating: (usize, Vec<Step>),
    pub fingerprint: String,
}

/// The outcome of one rule on one resource.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub rule: usize,
    pub resource: usize,
    pub outcome: Outcome,
    /// Why it was not evaluated / not applicable, when known.
    pub reason: Option<String>,
    pub findings: Vec<Finding>,
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
