//! `yaml/syntax`: the file is not YAML at this point.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "yaml/syntax",
    severity: Severity::Critical,
    summary: "A YAML document does not parse",
    doc: Doc {
        what: "Every `*.yaml`/`*.yml` file is parsed; a document that is not valid YAML is reported at the exact line and column where parsing stopped. The rest of that document is skipped; the other documents of the file are still checked. Aliases that expand to more than a million nodes are reported here too.",
        why: "kustomize and Flux refuse the whole build when one file does not parse: one stray tab or unclosed quote stops every object of the Kustomization from reconciling, not just the broken one.",
        bad: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  greeting: \"hello\n",
        fixed: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  greeting: \"hello\"\n",
        notes: "Helm chart templates (a `templates/` folder beside a `Chart.yaml`) are Go templates and are not parsed. Custom tags (`!env_var`), redefined anchors, merge keys and `${VAR}` substitutions are valid and never reported.",
    },
    implementation: Implementation::Structural("the repository loader (anton-repo)"),
};
