//! `flux/undefined-variable`: a `${VAR}` that the applying Flux
//! Kustomization's `postBuild` does not define.
//!
//! Interim: this reads the repository's objects as written and the
//! `postBuild.substitute` / `substituteFrom` of the Kustomization that applies
//! each one (ConfigMaps and Secrets found in the repository). Once the build
//! engine records the variables it could not substitute, that record is the
//! better source and this pass goes.

use std::collections::{BTreeSet, HashMap};

use anton_core::{Finding, Location, Severity};
use anton_repo::Repository;
use anton_yaml::{Node, ScalarStyle, Value};

use crate::variables::{Definitions, variables};

/// An object and the Flux Kustomization that applies it.
#[derive(Debug, Clone, Copy)]
pub struct Applied<'a> {
    pub object: &'a Node,
    pub subject: Option<&'a str>,
    /// The applying Kustomization's node and its namespace.
    pub kustomization: &'a Node,
    pub namespace: &'a str,
}

const DISABLED_ANNOTATION: &str = "kustomize.toolkit.fluxcd.io/substitute";

/// Every variable that stays undefined after Flux's substitution, at its line.
pub fn undefined_variables(repo: &Repository, applied: &[Applied<'_>]) -> Vec<Finding> {
    let mut definitions: HashMap<*const Node, Option<Definitions>> = HashMap::new();
    let mut sources: HashMap<u32, Option<String>> = HashMap::new();
    let mut findings = Vec::new();
    for item in applied {
        let defined = definitions
            .entry(item.kustomization as *const Node)
            .or_insert_with(|| postbuild_definitions(repo, item.kustomization, item.namespace));
        let Some(defined) = defined.as_ref().filter(|d| d.complete) else { continue };
        let disabled = item
            .object
            .path(&["metadata", "annotations"])
            .and_then(|a| a.get(DISABLED_ANNOTATION))
            .and_then(Node::scalar_text)
            .is_some_and(|v| v == "disabled");
        if disabled {
            continue;
        }
        let mut missing = Vec::new();
        collect(item.object, defined, &mut missing);
        for (node, name, occurrence) in missing {
            let location = position(repo, &mut sources, node, name, occurrence);
            let ks_name = item.kustomization.str_at(&["metadata", "name"]).unwrap_or("?");
            let mut finding = Finding::new(
                crate::rules::UNDEFINED_VARIABLE,
                Severity::Warning,
                format!(
                    "`${{{name}}}` is not defined by the postBuild of Kustomization {}/{ks_name}: Flux substitutes an empty string",
                    item.namespace
                ),
            )
            .at(location)
            .hint(format!(
                "define {name} in spec.postBuild.substitute or in a substituteFrom ConfigMap/Secret, give it a default \
                 (${{{name}:=value}}), or write $${{{name}}} if it is not meant for Flux"
            ));
            if let Some(post_build) = item.kustomization.path(&["spec", "postBuild"]) {
                finding = finding.related(repo.span_location(post_build.span), "the postBuild that applies");
            }
            if let Some(subject) = item.subject {
                finding = finding.object(subject);
            }
            findings.push(finding);
        }
    }
    findings
}

/// What a Kustomization's postBuild defines; `None` without a postBuild
/// (Flux then substitutes nothing at all).
fn postbuild_definitions(repo: &Repository, kustomization: &Node, namespace: &str) -> Option<Definitions> {
    let post_build = kustomization.path(&["spec", "postBuild"])?;
    let mut names = BTreeSet::new();
    let mut complete = true;
    if let Some(substitute) = post_build.get("substitute") {
        names.extend(substitute.entries().iter().filter_map(|e| e.key.scalar_text().map(str::to_owned)));
    }
    for reference in post_build.get("substituteFrom").map(Node::items).unwrap_or_default() {
        let kind = reference.str_at(&["kind"]).unwrap_or_default();
        let name = reference.str_at(&["name"]).unwrap_or_default();
        if name.contains("${") {
            complete = false;
            continue;
        }
        let candidates: Vec<&anton_repo::Object> = repo
            .objects
            .iter()
            .filter(|o| o.kind == kind && o.group().is_empty() && o.name == name)
            .collect();
        let found = candidates
            .iter()
            .find(|o| o.namespace.as_deref() == Some(namespace))
            .or_else(|| candidates.iter().find(|o| o.namespace.is_none()))
            .or_else(|| candidates.first());
        match found {
            Some(object) => {
                let node = repo.node(object);
                for field in ["data", "stringData", "binaryData"] {
                    if let Some(data) = node.get(field) {
                        names.extend(data.entries().iter().filter_map(|e| e.key.scalar_text().map(str::to_owned)));
                    }
                }
            }
            // Made elsewhere (in the cluster, by a generator, by bootstrap):
            // its keys are unknown. `optional: true` does not mean absent —
            // the common `cluster-secrets` pattern is optional and created
            // out of band.
            None => complete = false,
        }
    }
    Some(Definitions { names, complete })
}

/// Variables without a default and without a definition, in keys and values.
fn collect<'n>(node: &'n Node, defined: &Definitions, out: &mut Vec<(&'n Node, &'n str, usize)>) {
    match &node.value {
        Value::Scalar(scalar) => {
            if !scalar.text.contains("${") {
                return;
            }
            let mut seen: HashMap<&str, usize> = HashMap::new();
            for variable in variables(&scalar.text) {
                let occurrence = seen.entry(variable.name).or_default();
                if !variable.has_default && !defined.names.contains(variable.name) {
                    out.push((node, variable.name, *occurrence));
                }
                *occurrence += 1;
            }
        }
        Value::Seq(items) => items.iter().for_each(|item| collect(item, defined, out)),
        Value::Map(entries) => {
            for entry in entries {
                collect(&entry.key, defined, out);
                collect(&entry.value, defined, out);
            }
        }
    }
}

/// The line and column of the `occurrence`-th `${name` in a scalar: from the
/// source text when it can be read (block scalars span lines), else counted
/// from the scalar's start.
fn position(repo: &Repository, sources: &mut HashMap<u32, Option<String>>, node: &Node, name: &str, occurrence: usize) -> Location {
    let span = node.span;
    let needle = format!("${{{name}");
    let text = sources.entry(span.file).or_insert_with(|| {
        let path = repo.files.get(span.file as usize)?.path.clone();
        std::fs::read_to_string(repo.absolute(&path)).ok()
    });
    if let Some(text) = text.as_deref() {
        let start = (span.start as usize).min(text.len());
        let end = (span.end as usize).clamp(start, text.len());
        if let Some(offset) = text.get(start..end).and_then(|slice| slice.match_indices(&needle).nth(occurrence).map(|(i, _)| start + i)) {
            let before = &text[..offset];
            let line = before.matches('\n').count() as u32 + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
            return repo.location(span.file as usize, anton_yaml::Span { line, column, ..span });
        }
    }
    let mut at = span;
    if let Some(scalar) = node.scalar() {
        if !scalar.text.contains('\n') {
            if let Some(offset) = scalar.text.match_indices(&needle).nth(occurrence).map(|(i, _)| i) {
                let quote = u32::from(matches!(scalar.style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted));
                at.column += quote + scalar.text[..offset].chars().count() as u32;
            }
        }
    }
    repo.span_location(at)
}
