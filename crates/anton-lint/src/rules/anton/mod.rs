//! Findings about anton's own suppressions.

pub mod invalid_suppression;
pub mod unused_suppression;
