//! Rules about API versions that are removed or deprecated.

pub mod deprecated;
pub(crate) mod pinned_flux;
pub mod removed;
pub(crate) mod table;
