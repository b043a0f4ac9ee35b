//! The Flux graph, read from Git.
//!
//! [`model`] reads Flux objects (Kustomization, HelmRelease and the sources)
//! into typed specs that remember positions. [`Graph::build`] follows the
//! chain Flux follows in a cluster — a root Kustomization's `spec.path` is
//! built with kustomize, the Flux objects it emits are applied with their
//! effective namespace, their paths are built in turn — and records which
//! Kustomization applies which object. [`checks`] turns the graph into
//! findings: missing paths and sources, `dependsOn` that names nothing (in the
//! namespace Flux really searches), cycles, and objects two Kustomizations
//! fight over.

pub mod checks;
pub mod envsubst;
mod graph;
pub mod model;
pub mod sources;
pub mod suggest;
pub mod variables;

pub use graph::{Applied, DEFAULT_NAMESPACE, FluxNode, Graph, GraphOptions, NodeId};
pub use model::{FluxKind, FluxSpec};
