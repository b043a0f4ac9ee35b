use std::fmt;

use serde::Serialize;

/// A point in a file of the repository, as a person reads it: 1-based line and column.
///
/// `file` is the path relative to the repository root with `/` separators, so
/// findings read the same on every machine and in CI annotations.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl Location {
    pub fn new(file: impl Into<String>, line: u32, column: u32) -> Self {
        Self { file: file.into(), line, column }
    }

    /// A location for a whole file, used when no better position is known.
    pub fn file(file: impl Into<String>) -> Self {
        Self::new(file, 1, 1)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}
