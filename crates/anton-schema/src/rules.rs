//! The rules this crate reports, with their documentation (the sections
//! `anton rules explain` prints).

use anton_core::Severity;

pub const UNKNOWN_FIELD: &str = "schema/unknown-field";
pub const TYPE: &str = "schema/type";
pub const REQUIRED: &str = "schema/required";
pub const ENUM: &str = "schema/enum";
pub const FORMAT: &str = "schema/format";
pub const CONSTRAINT: &str = "schema/constraint";
pub const UNKNOWN_KIND: &str = "schema/unknown-kind";
pub const UNDEFINED_VARIABLE: &str = "flux/undefined-variable";

/// One rule's documentation.
#[derive(Debug, Clone, Copy)]
pub struct RuleDoc {
    pub id: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    pub what_it_does: &'static str,
    pub why: &'static str,
    pub example: &'static str,
    pub use_instead: &'static str,
}

pub const RULES: &[RuleDoc] = &[
    RuleDoc {
        id: UNKNOWN_FIELD,
        severity: Severity::Critical,
        summary: "a field the object's API does not have",
        what_it_does: "Reports keys that the schema of the object's kind does not declare, at the key.",
        why: "The API server rejects unknown fields under strict field validation, or drops them silently: \
              a typo such as `retryIntervall`, or an invented field such as `spec.retryInterval` in a HelmRelease, \
              never takes effect. (Flux Kustomization v1 does have `spec.retryInterval`.)",
        example: "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nspec:\n  retryInterval: 1m",
        use_instead: "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nspec:\n  install:\n    remediation:\n      retries: 3",
    },
    RuleDoc {
        id: TYPE,
        severity: Severity::Critical,
        summary: "a value of the wrong type",
        what_it_does: "Reports values whose JSON type (string, integer, boolean, list, object) is not what the schema says, \
                       reading YAML the way Kubernetes does (YAML 1.1: `yes` is a boolean).",
        why: "The API server cannot decode the object, so Flux's apply fails for the whole Kustomization.",
        example: "spec:\n  replicas: \"3\"",
        use_instead: "spec:\n  replicas: 3",
    },
    RuleDoc {
        id: REQUIRED,
        severity: Severity::Critical,
        summary: "a required field is missing",
        what_it_does: "Reports objects that lack a field their schema requires, at the mapping that should hold it.",
        why: "The API server refuses the object; for Flux objects the controller cannot reconcile it.",
        example: "kind: HelmRelease\nspec:\n  chart: {spec: {chart: app}}",
        use_instead: "kind: HelmRelease\nspec:\n  interval: 30m\n  chart: {spec: {chart: app, sourceRef: {kind: HelmRepository, name: repo}}}",
    },
    RuleDoc {
        id: ENUM,
        severity: Severity::Critical,
        summary: "a value outside the allowed set",
        what_it_does: "Reports values that are not one of those the schema lists.",
        why: "The API server (or the controller) rejects the value.",
        example: "sourceRef:\n  kind: GitRepo",
        use_instead: "sourceRef:\n  kind: GitRepository",
    },
    RuleDoc {
        id: FORMAT,
        severity: Severity::Critical,
        summary: "a value in the wrong format",
        what_it_does: "Reports quantities, durations, timestamps, base64 data, 32-bit integers, int-or-string values and \
                       patterned strings that do not parse.",
        why: "The API server cannot decode them (`cpu: 1 core`), or Flux refuses the object (`interval: 5 minutes`).",
        example: "spec:\n  interval: 5 minutes",
        use_instead: "spec:\n  interval: 5m",
    },
    RuleDoc {
        id: CONSTRAINT,
        severity: Severity::Critical,
        summary: "a value outside the schema's bounds",
        what_it_does: "Reports values below a minimum or above a maximum, strings and lists of the wrong length, repeated \
                       items where they must be unique, and combinations the schema's oneOf/not forbid.",
        why: "The API server validates these bounds and refuses the object.",
        example: "spec:\n  targetNamespace: \"\"",
        use_instead: "spec:\n  targetNamespace: media",
    },
    RuleDoc {
        id: UNKNOWN_KIND,
        severity: Severity::Info,
        summary: "no schema for this apiVersion/kind",
        what_it_does: "Reports objects whose kind has no schema: not built in, no CustomResourceDefinition in the \
                       repository, not in any --schema-location; also API versions the chosen Kubernetes release \
                       does not serve, and versions or kinds a known API group does not have. Kinds of well-known \
                       operators (cert-manager, External Secrets, Prometheus Operator, Cilium, Rook …) without a \
                       schema are only counted (details.schemas.withoutSchema). --strict-kinds reports every object \
                       without a schema, as critical.",
        why: "Such an object is not checked at all, and an API version the cluster does not serve fails to apply.",
        example: "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget",
        use_instead: "apiVersion: policy/v1\nkind: PodDisruptionBudget",
    },
    RuleDoc {
        id: UNDEFINED_VARIABLE,
        severity: Severity::Warning,
        summary: "a ${VAR} that the applying Flux Kustomization does not define",
        what_it_does: "Reports postBuild substitution variables without a default that neither `substitute` nor the \
                       ConfigMaps and Secrets of `substituteFrom` define, at the variable.",
        why: "Flux replaces an undefined variable with an empty string: names, hosts and tags silently become empty.",
        example: "host: ${APP}.${DOMAIN}",
        use_instead: "host: ${APP}.${DOMAIN:=example.com}",
    },
];

pub fn explain(id: &str) -> Option<&'static RuleDoc> {
    RULES.iter().find(|rule| rule.id == id)
}
