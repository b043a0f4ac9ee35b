//! Rules about Helm values.

pub mod no_resources;
