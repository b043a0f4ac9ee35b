//! kustomize, natively.
//!
//! [`config`] reads `kustomization.yaml` files into [`KustomizationConfig`]
//! values that remember where every reference was written. [`Engine`] builds
//! a folder the way `kubectl kustomize` does — resources, components,
//! generators with their content-hash names, `namespace`, `namePrefix`/
//! `nameSuffix`, labels, annotations, images, replicas, strategic-merge and
//! JSON patches, replacements, and the name references that follow renamed
//! objects — and reports what is broken on the way instead of stopping.
//!
//! Built objects are positioned YAML trees ([`anton_yaml::Node`]): a value
//! keeps the span of the file and line that set it, whether that is the
//! resource itself, a patch, or the kustomization field of a transformer.
//! [`Engine::build_overlay`] is the hook for Flux's layer on top.

pub mod config;
mod engine;
mod generate;
mod jsonpatch;
mod nameref;
mod reference;
mod replace;
mod resource;
mod schema;
mod select;
mod smp;
mod transform;
mod tree;
pub use tree::respan;

pub use config::{
    FieldSpec, GeneratorConfig, ImageSpec, KustomizationConfig, KustomizationKind, LabelSpec, PatchSource, PatchSpec, Reference,
    ReplacementSource, ReplicaSpec, Spanned,
};
pub use engine::{Build, Emitted, Engine, Origin, Overlay, sort_for_output};
pub use generate::base64_decode;
pub use reference::{RemoteRef, classify_remote};
pub use schema::{kustomize_cluster_scoped, legacy_rank};
pub use select::TargetSpec;
