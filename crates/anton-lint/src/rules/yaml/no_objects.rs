//! `yaml/no-objects`: the target has YAML files, but none holds a Kubernetes object.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "yaml/no-objects",
    severity: Severity::Warning,
    summary: "The folder validated has YAML files but no Kubernetes object",
    doc: Doc {
        what: "`anton validate` found `*.yaml`/`*.yml` files under its target, but not one document in them is a Kubernetes object (a mapping with `apiVersion` and `kind`; kustomization files do not count). The finding names the folder and how many YAML files it read. A target with no YAML file at all is not a finding: anton exits 3 (it could not do its job) and names likely folders instead.",
        why: "A pipeline pointed at the wrong folder — the repository root of a template before rendering, a `talos/` or `.github/` folder, a Helm chart's values — checks nothing and stays green. Saying so turns the silent pass into a warning someone reads.",
        bad: "# anton validate ./talos\n# talos/talconfig.yaml\nclusterName: anton\nnodes:\n  - hostname: k8s-1\n",
        fixed: "# anton validate ./kubernetes   (the folder Flux applies)\n",
        notes: "Point anton at the folder your Flux Kustomizations' `spec.path` live under (by default it takes the `kubernetes/` folder of the git repository it runs in), or switch the rule off for a target that is meant to hold no objects (`--ignore yaml/no-objects`).",
    },
    implementation: Implementation::Structural("anton validate (anton-cli), over what the loader read"),
};
