//! Rules about YAML itself.

pub mod duplicate_key;
pub mod no_objects;
pub mod syntax;
pub mod unreadable;
