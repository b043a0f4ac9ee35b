//! Rules about kustomizations: references, remote bases, namespaces, YAML readings.

pub mod ambiguous_scalar;
pub mod cycle;
pub mod duplicate_object;
pub mod helm_chart_not_built;
pub mod missing_resource;
pub mod namespace_required;
pub mod not_a_kustomization;
pub mod orphan_file;
pub mod unpinned_remote;
