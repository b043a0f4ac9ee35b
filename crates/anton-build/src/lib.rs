//! What Flux will apply, built natively.
//!
//! [`FluxBuilds::build`] walks the Flux graph from its roots and builds each
//! Flux Kustomization the way kustomize-controller does:
//!
//! 1. `spec.path` is built with anton's kustomize engine — the folder's
//!    `kustomization.yaml`, or the one Flux generates for a folder without one
//!    — with the Flux spec merged in as Flux merges it: `targetNamespace`,
//!    `namePrefix`/`nameSuffix`, `patches` (and the deprecated patch fields),
//!    `images`, `components`;
//! 2. postBuild substitution: `substitute` over `substituteFrom` (ConfigMaps
//!    and Secrets the repository applies, SOPS Secrets giving their keys with
//!    a placeholder value), `${VAR}`, `${VAR:=default}` and the other forms of
//!    Flux's envsubst, `$${VAR}` escaping, and the
//!    `kustomize.toolkit.fluxcd.io/substitute: disabled` opt-out;
//! 3. `commonMetadata`, and the ownership labels Flux puts on what it applies.
//!
//! A child Flux Kustomization is built from the object its parent applies,
//! so patches a parent pushes into its children (defaults for every
//! HelmRelease, say) take effect exactly as in the cluster.
//!
//! [`FluxBuilds::build_keeping`] with [`Keep::FirstOfEach`] keeps each
//! applied object once, as checks read them: a fleet's clusters applying the
//! same files do not each hold a copy.
//!
//! [`render`] prints built objects as YAML or JSON, Secret values redacted.

mod flux;
pub mod render;
mod spec;

pub use anton_flux::envsubst::{Outcome as SubstitutionOutcome, substitute as envsubst};
pub use flux::{AppliedKey, FluxBuild, FluxBuilds, Keep, SOPS_PLACEHOLDER, Substitution, UndefinedVariable, location};
pub use spec::{FluxSpec, PostBuild, SubstituteFrom};
