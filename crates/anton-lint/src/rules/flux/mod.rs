//! Rules about Flux objects: Kustomizations, HelmReleases and sources.

pub mod dependson_cycle;
pub mod dependson_missing;
pub mod duplicate_object;
pub mod infinite_retries;
pub mod interval_too_short;
pub mod invalid_component;
pub mod invalid_variable_name;
pub mod no_health_gate;
pub mod no_timeout;
pub mod path_missing;
pub mod prune_unset;
pub mod source_missing;
pub mod sourceref_namespace;
pub mod substitute_from_missing;
pub mod substitution_failed;
pub mod undefined_variable;
pub mod unpinned_chart;
