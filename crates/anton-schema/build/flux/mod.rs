//! The Flux APIs as typed definitions, written from the documented API
//! (the Go types of the Flux controllers and their reference docs).
//!
//! Each served version is registered; where a previous version only differs
//! by fields that were dropped later, it shares the definition and the
//! definition keeps those fields (so both versions validate without false
//! errors). Unknown fields are errors everywhere, as with strict field
//! validation.

// The types exist to be turned into schemas; nothing reads their fields.
#![allow(dead_code)]

mod helm;
pub mod meta;
mod kustomize;
mod notification;
mod source;

use schemars::{JsonSchema, SchemaGenerator};

const KUSTOMIZE: &str = "kustomize.toolkit.fluxcd.io";
const HELM: &str = "helm.toolkit.fluxcd.io";
const SOURCE: &str = "source.toolkit.fluxcd.io";
const NOTIFICATION: &str = "notification.toolkit.fluxcd.io";

fn kind<T: JsonSchema>(generator: &mut SchemaGenerator, group: &str, versions: &[&str], kind: &str) -> Vec<(String, String, String, String)> {
    let reference = generator.subschema_for::<T>();
    let definition = crate::definition_name(&reference);
    versions
        .iter()
        .map(|version| (group.to_owned(), (*version).to_owned(), kind.to_owned(), definition.clone()))
        .collect()
}

pub fn register(generator: &mut SchemaGenerator) -> Vec<(String, String, String, String)> {
    let mut kinds = Vec::new();
    kinds.extend(kind::<kustomize::KustomizationV1>(generator, KUSTOMIZE, &["v1"], "Kustomization"));
    kinds.extend(kind::<kustomize::KustomizationV1beta2>(generator, KUSTOMIZE, &["v1beta2"], "Kustomization"));
    kinds.extend(kind::<helm::HelmReleaseV2>(generator, HELM, &["v2", "v2beta2"], "HelmRelease"));
    kinds.extend(kind::<helm::HelmReleaseV2beta1>(generator, HELM, &["v2beta1"], "HelmRelease"));
    for version in ["v1", "v1beta2"] {
        kinds.extend(kind::<source::GitRepository>(generator, SOURCE, &[version], "GitRepository"));
        kinds.extend(kind::<source::OciRepository>(generator, SOURCE, &[version], "OCIRepository"));
        kinds.extend(kind::<source::HelmRepository>(generator, SOURCE, &[version], "HelmRepository"));
        kinds.extend(kind::<source::Bucket>(generator, SOURCE, &[version], "Bucket"));
        kinds.extend(kind::<source::HelmChart>(generator, SOURCE, &[version], "HelmChart"));
    }
    kinds.extend(kind::<source::ExternalArtifact>(generator, SOURCE, &["v1"], "ExternalArtifact"));
    kinds.extend(kind::<notification::Alert>(generator, NOTIFICATION, &["v1beta3", "v1beta2"], "Alert"));
    kinds.extend(kind::<notification::Provider>(generator, NOTIFICATION, &["v1beta3", "v1beta2"], "Provider"));
    kinds.extend(kind::<notification::Receiver>(generator, NOTIFICATION, &["v1", "v1beta3", "v1beta2"], "Receiver"));
    kinds
}
