//! `kustomize/remote-not-built`: a remote resource or component is not fetched.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "kustomize/remote-not-built",
    severity: Severity::Info,
    summary: "A remote resource or component is not fetched; its objects are missing from the build",
    doc: Doc {
        what: "`resources` and `components` entries of a kustomization that point at another repository or a URL. anton builds offline, so it notes them and builds without them. A generator `files:` entry with a URL is noted the same way: the ConfigMap or Secret is built with the key, its value empty (so its hash suffix differs from kustomize's).",
        why: "Nothing is wrong with the reference itself, but the objects it brings in are neither checked nor shown by `anton build`, and patches aimed at them may be reported as missing their target. Vendoring the manifests makes them part of every check, and of every review.",
        bad: "resources:\n  - https://github.com/kubernetes-sigs/metrics-server/releases/download/v0.7.2/components.yaml\n  - ./values.yaml\n",
        fixed: "resources:\n  - ./vendor/metrics-server-v0.7.2.yaml   # the release manifest, committed\n  - ./values.yaml\n",
        notes: "Info only: it never fails a run. Whether the URL is pinned is kustomize/unpinned-remote.",
    },
    implementation: Implementation::Structural("the kustomize engine (anton-kustomize)"),
};
