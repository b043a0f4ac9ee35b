//! `kustomize/generator-error`: a configMapGenerator or secretGenerator entry kustomize refuses.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "kustomize/generator-error",
    severity: Severity::Critical,
    summary: "A configMapGenerator or secretGenerator entry that kustomize cannot build",
    doc: Doc {
        what: "`configMapGenerator` and `secretGenerator` entries kustomize refuses: a literal that is not `key=value`, a `files` entry with an empty key or path, an env file line that is not a valid variable, the same key twice, an input file that cannot be read; and `behavior: merge` or `replace` with no object of that name to change, or the default `behavior: create` for a name that already exists.",
        why: "`kustomize build` stops at the first bad generator, so the Flux Kustomization that builds this folder fails and applies nothing.",
        bad: "configMapGenerator:\n  - name: app-config\n    literals:\n      - LOG_LEVEL=info\n      - LOG_LEVEL=debug        # the same key twice\n      - FEATURE_SEARCH         # not key=value\n",
        fixed: "configMapGenerator:\n  - name: app-config\n    literals:\n      - LOG_LEVEL=debug\n      - FEATURE_SEARCH=true\n",
        notes: "Generator inputs that do not exist are kustomize/missing-resource.",
    },
    implementation: Implementation::Structural("the kustomize engine (anton-kustomize)"),
};
