//! Rules about Flux objects: Kustomizations, HelmReleases and sources.

pub mod dependson_cycle;
pub mod dependson_missing;
pub mod duplicate_object;
pub mod infinite_retries;
pub mod interval_too_short;
pub mod no_health_gate;
pub mod no_timeout;
pub mod path_missing;
pub mod prune_unset;
pub mod source_missing;
pub mod sourceref_namespace;
pub mod unpinned_chart;
