//! Rules about workloads.

pub mod duplicate_env;
pub mod latest_tag;
pub mod no_resources;
