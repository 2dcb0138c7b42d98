//! What a run could not read: input errors (with their place) and files skipped as not ours.
//! Sources produce them; findings and reporters count and show them.

use crate::location::LineCol;

/// A file that could not be linted, with the place and the reason.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InputError {
    pub path: String,
    /// 1-based line and column (characters); `None` when the file could not be read at all.
    pub location: Option<LineCol>,
    /// Byte offset of the problem, for code frames.
    #[serde(skip)]
    pub offset: Option<usize>,
    pub reason: String,
    /// The file's text, kept for rendering a code frame.
    #[serde(skip)]
    pub text: Option<String>,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.location {
            Some(at) => write!(
                f,
                "{}:{}:{}: {}",
                self.path, at.line, at.column, self.reason
            ),
            None => write!(f, "{}: {}", self.path, self.reason),
        }
    }
}

/// A file found by walking a folder that holds no ECS, IAM or EC2 document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}
