//! Rules about API versions that are removed or deprecated.

pub mod deprecated;
pub mod removed;
pub(crate) mod table;
