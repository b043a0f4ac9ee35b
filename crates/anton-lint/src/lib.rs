//! The rule engine: the Anton cluster's golden rules and Flux best practices
//! as code, with the documentation beside each rule.
//!
//! * [`registry`] is the single list of rule ids — every rule of this crate
//!   and every check of the loader, the kustomize engine, the Flux graph,
//!   the Flux build and schema validation — so `anton rules`, `--select`/`--ignore` and severity
//!   overrides treat all findings alike.
//! * [`rules`] holds one file per rule: the documentation in fixed sections
//!   and the check, a pure function of a [`Context`].
//! * [`view`] defines the objects rules look at; [`patches`] answers what a
//!   parent Kustomization's `spec.patches` set on them.
//! * [`config`] reads `.anton.toml`; [`suppress`] reads suppressions.
//!
//! A run is [`lint`] (the rules) followed by [`finish`] (configuration and
//! suppressions applied to every finding of the run, structural ones too).

pub mod config;
pub mod context;
pub mod patches;
pub mod registry;
pub mod rule;
pub mod rules;
pub mod selection;
pub mod suppress;
pub mod texts;
pub mod util;
pub mod view;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use anton_core::{Finding, Location};
use anton_flux::Graph;
use anton_kustomize::Engine;
use anton_repo::Repository;
use rayon::prelude::*;

pub use config::{CliOverrides, ConfigError, ConfigFile, Settings, default_config_text, CONFIG_FILE_NAME};
pub use context::Context;
pub use rule::{Doc, Implementation, Rule};
pub use texts::SourceTexts;
pub use view::{ObjectView, from_builds, from_repository};

/// A whole lint run over an analysed repository: every enabled rule over
/// `objects` (what Flux will apply: [`from_builds`]), then [`finish`] over
/// the rule findings and the structural findings of the loader, the
/// kustomize engine, the Flux graph, the Flux build and schema validation.
pub fn run(
    repo: &Repository,
    engine: &Engine<'_>,
    graph: &Graph,
    texts: &SourceTexts,
    settings: &Settings,
    objects: &[ObjectView<'_>],
    structural: Vec<Finding>,
) -> Vec<Finding> {
    let ctx = Context::new(repo, engine, graph, objects, texts, settings);
    let mut findings = structural;
    findings.extend(lint(&ctx));
    finish(findings, &ctx)
}

/// Runs every enabled rule of this crate.
pub fn lint(ctx: &Context<'_>) -> Vec<Finding> {
    // Rules read the context and never each other's results: each runs on
    // any core, and their findings are joined in registry order.
    let per_rule: Vec<Vec<Finding>> = registry::RULES
        .par_iter()
        .filter(|rule| ctx.settings.is_enabled(rule.id))
        .filter_map(|rule| {
            let check = rule.check()?;
            let mut findings = Vec::new();
            check(ctx, &mut findings);
            debug_assert!(findings.iter().all(|f| f.rule == rule.id), "{} reported another rule's id", rule.id);
            Some(findings)
        })
        .collect();
    per_rule.into_iter().flatten().collect()
}

/// Applies the configuration to every finding of a run (rule findings and
/// structural ones alike): selection and per-path ignores, severity
/// overrides, suppressions; and reports invalid or unused suppressions.
pub fn finish(findings: Vec<Finding>, ctx: &Context<'_>) -> Vec<Finding> {
    let settings = ctx.settings;
    let file_of = |finding: &Finding| finding.location.as_ref().map(|l| l.file.clone());
    let mut kept: Vec<Finding> = Vec::with_capacity(findings.len());
    for mut finding in findings {
        let file = file_of(&finding);
        if !settings.is_enabled_at(&finding.rule, file.as_deref()) {
            continue;
        }
        if let Some(severity) = settings.severity_for(&finding.rule, file.as_deref()) {
            let default = registry::find(&finding.rule).map_or(finding.severity, |rule| rule.severity);
            // Notes a rule reports below its own severity stay notes.
            if finding.severity == default {
                finding.severity = severity;
            }
        }
        kept.push(finding);
    }

    // A file no entry point reaches gets one finding (kustomize/orphan-file)
    // and notes; committed secrets are reported wherever they are.
    kept.retain(|f| {
        f.severity == anton_core::Severity::Info
            || f.rule == "kustomize/orphan-file"
            || f.rule.starts_with("secrets/")
            || !f.location.as_ref().is_some_and(|l| ctx.graph.unreachable_files.contains(&l.file))
    });

    // The specific finding explains the generic one at the same place.
    let specific: HashSet<_> = kept
        .iter()
        .filter(|f| f.rule == "flux/sourceref-namespace")
        .filter_map(|f| f.location.clone())
        .collect();
    kept.retain(|f| !(f.rule == "flux/source-missing" && f.location.as_ref().is_some_and(|l| specific.contains(l))));
    // A `*.sops.yaml` left in plaintext is one problem: the file is not
    // encrypted. Its clear values are that same problem, not a second one.
    let unencrypted_sops_files: HashSet<String> = kept
        .iter()
        .filter(|f| f.rule == "secrets/sops-not-encrypted")
        .filter_map(file_of)
        .collect();
    kept.retain(|f| !(f.rule == "secrets/plaintext-secret" && file_of(f).is_some_and(|file| unencrypted_sops_files.contains(&file))));
    // A `prune` the v1 API requires is missing: one finding, the schema's,
    // with the hint that says what each value means.
    let prune_required: HashSet<String> = kept
        .iter()
        .filter(|f| f.rule == "schema/required" && f.message.starts_with("`spec.prune` is required"))
        .filter_map(|f| f.object.clone())
        .collect();
    let mut prune_hints: HashMap<String, String> = HashMap::new();
    kept.retain(|f| {
        let superseded = f.rule == "flux/prune-unset" && f.object.as_ref().is_some_and(|o| prune_required.contains(o));
        if let (true, Some(object), Some(hint)) = (superseded, &f.object, &f.hint) {
            prune_hints.insert(object.clone(), hint.clone());
        }
        !superseded
    });
    for finding in kept.iter_mut().filter(|f| f.rule == "schema/required" && f.message.starts_with("`spec.prune` is required")) {
        if let Some(hint) = finding.object.as_ref().and_then(|o| prune_hints.get(o)) {
            finding.hint = Some(hint.clone());
        }
    }
    // Sources declared in `.anton.toml` exist, though not in Git.
    let known = references_to_known_sources(ctx);
    kept.retain(|f| !(f.rule == "flux/source-missing" && f.location.as_ref().is_some_and(|l| known.contains(l))));

    let mut suppressions = suppress::from_comments(ctx.texts, ctx.repo.files.iter().map(|f| f.path.as_str()));
    suppressions.extend(suppress::from_annotations(ctx.objects, ctx.texts, |file| {
        ctx.repo.files.get(file).map(|f| f.path.clone()).unwrap_or_default()
    }));
    suppress::apply(kept, &suppressions, |rule, file| settings.is_enabled_at(rule, file))
}

/// Where sourceRefs and chartRefs name a source of `[sources] known`.
fn references_to_known_sources(ctx: &Context<'_>) -> HashSet<Location> {
    let known = &ctx.settings.known_sources;
    let mut found = HashSet::new();
    if known.is_empty() {
        return found;
    }
    for node in &ctx.graph.nodes {
        for (source, _) in node.spec.source_refs() {
            let namespace = source.namespace.as_deref().unwrap_or(&node.namespace);
            if known.iter().any(|(k, ns, n)| *k == source.kind && ns == namespace && *n == source.name) {
                found.insert(ctx.span_location(source.span));
            }
        }
    }
    found
}
