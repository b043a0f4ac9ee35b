//! kustomize, natively.
//!
//! [`config`] reads `kustomization.yaml` files into [`KustomizationConfig`]
//! values that remember where every reference was written. [`Engine`]
//! resolves a folder the way `kustomize build` does — resources, components,
//! generators, `namespace`, `namePrefix`/`nameSuffix` — and reports what is
//! broken on the way. The engine works on identities and origins: which object
//! of which file ends up as which `Kind/namespace/name`.

pub mod config;
mod engine;
mod reference;

pub use config::{GeneratorConfig, KustomizationConfig, KustomizationKind, Reference};
pub use engine::{Build, Emitted, Engine, Origin};
pub use reference::{RemoteRef, classify_remote};
