//! The single list of rule ids. Adding a rule touches its file, its fixtures,
//! its snapshot and one line here.

use crate::rule::Rule;
use crate::rules::{anton, api, flux, helm, ingress, k8s, kustomize, schema, secrets, yaml};

pub static RULES: &[&Rule] = &[
    // yaml: reading files (structural, anton-repo)
    &yaml::syntax::RULE,
    &yaml::duplicate_key::RULE,
    &yaml::unreadable::RULE,
    &yaml::no_objects::RULE,
    // kustomize
    &kustomize::missing_resource::RULE,
    &kustomize::not_a_kustomization::RULE,
    &kustomize::duplicate_object::RULE,
    &kustomize::cycle::RULE,
    &kustomize::orphan_file::RULE,
    &kustomize::helm_chart_not_built::RULE,
    &kustomize::unpinned_remote::RULE,
    &kustomize::namespace_required::RULE,
    &kustomize::ambiguous_scalar::RULE,
    // kustomize: the build (structural, anton-kustomize)
    &kustomize::not_built::RULE,
    &kustomize::remote_not_built::RULE,
    &kustomize::generator_error::RULE,
    &kustomize::invalid_patch::RULE,
    &kustomize::patch_target_missing::RULE,
    &kustomize::replicas_target_missing::RULE,
    &kustomize::invalid_replacement::RULE,
    // flux
    &flux::path_missing::RULE,
    &flux::source_missing::RULE,
    &flux::dependson_missing::RULE,
    &flux::dependson_cycle::RULE,
    &flux::duplicate_object::RULE,
    &flux::sourceref_namespace::RULE,
    &flux::infinite_retries::RULE,
    &flux::no_health_gate::RULE,
    &flux::no_timeout::RULE,
    &flux::interval_too_short::RULE,
    &flux::unpinned_chart::RULE,
    &flux::prune_unset::RULE,
    // flux: the build's postBuild and components (structural, anton-build)
    &flux::invalid_component::RULE,
    &flux::substitute_from_missing::RULE,
    &flux::invalid_variable_name::RULE,
    &flux::substitution_failed::RULE,
    // flux: substitution variables (structural, anton-schema)
    &flux::undefined_variable::RULE,
    // schema: every object against its API (structural, anton-schema)
    &schema::unknown_field::RULE,
    &schema::r#type::RULE,
    &schema::required::RULE,
    &schema::r#enum::RULE,
    &schema::format::RULE,
    &schema::constraint::RULE,
    &schema::unknown_kind::RULE,
    // helm
    &helm::no_resources::RULE,
    // secrets
    &secrets::plaintext_secret::RULE,
    &secrets::sops_not_encrypted::RULE,
    &secrets::private_key_committed::RULE,
    &secrets::sops_without_decryption::RULE,
    &secrets::onepassworditem_without_operator::RULE,
    // k8s
    &k8s::no_resources::RULE,
    &k8s::latest_tag::RULE,
    &k8s::duplicate_env::RULE,
    // ingress
    &ingress::no_class::RULE,
    &ingress::external_dns_on_internal::RULE,
    // api
    &api::removed::RULE,
    &api::deprecated::RULE,
    // anton: the engine's own findings about suppressions
    &anton::unused_suppression::RULE,
    &anton::invalid_suppression::RULE,
];

pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|rule| rule.id == id)
}

/// A rule of this crate by id; for the engine's own ids, which always exist.
pub(crate) fn rule(id: &str) -> &'static Rule {
    find(id).unwrap_or(&anton::invalid_suppression::RULE)
}

/// The families, each once, in registry order.
pub fn families() -> impl Iterator<Item = &'static str> {
    let mut seen: Vec<&'static str> = Vec::new();
    for rule in RULES {
        if !seen.contains(&rule.family()) {
            seen.push(rule.family());
        }
    }
    seen.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_well_formed_and_documented() {
        let mut seen = HashSet::new();
        for rule in RULES {
            assert!(seen.insert(rule.id), "{} twice", rule.id);
            let (family, slug) = rule.id.split_once('/').expect("family/slug");
            assert!(!family.is_empty() && !slug.is_empty(), "{}", rule.id);
            assert!(slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{}", rule.id);
            assert!(!rule.summary.is_empty(), "{} summary", rule.id);
            for (section, text) in [("what", rule.doc.what), ("why", rule.doc.why), ("bad", rule.doc.bad), ("fixed", rule.doc.fixed)] {
                assert!(text.trim().len() > 10, "{} has no `{section}` section", rule.id);
            }
        }
    }

    #[test]
    fn the_issue_families_are_all_there() {
        let families: Vec<_> = families().collect();
        for family in ["yaml", "kustomize", "flux", "schema", "helm", "secrets", "k8s", "ingress", "api", "anton"] {
            assert!(families.contains(&family), "{family}");
        }
    }
}
