//! Rules about YAML itself.

pub mod duplicate_key;
pub mod syntax;
pub mod unreadable;
