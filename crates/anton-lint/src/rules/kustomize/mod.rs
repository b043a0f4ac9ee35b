//! Rules about kustomizations: references, remote bases, namespaces, YAML readings, and
//! the build errors of the kustomize engine.

pub mod ambiguous_scalar;
pub mod cycle;
pub mod duplicate_object;
pub mod generator_error;
pub mod helm_chart_not_built;
pub mod invalid_patch;
pub mod invalid_replacement;
pub mod missing_resource;
pub mod namespace_required;
pub mod not_a_kustomization;
pub mod not_built;
pub mod orphan_file;
pub mod patch_target_missing;
pub mod remote_not_built;
pub mod replicas_target_missing;
pub mod unpinned_remote;
