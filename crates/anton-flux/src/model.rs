//! Flux objects as typed values, with positions for findings.

use anton_repo::Object;
use anton_yaml::{Node, Span};

pub const KUSTOMIZE_GROUP: &str = "kustomize.toolkit.fluxcd.io";
pub const HELM_GROUP: &str = "helm.toolkit.fluxcd.io";
pub const SOURCE_GROUP: &str = "source.toolkit.fluxcd.io";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum FluxKind {
    Kustomization,
    HelmRelease,
    GitRepository,
    OCIRepository,
    HelmRepository,
    Bucket,
    HelmChart,
    ExternalArtifact,
}

impl FluxKind {
    pub fn of(object: &Object) -> Option<FluxKind> {
        Some(match (object.group(), object.kind.as_str()) {
            (KUSTOMIZE_GROUP, "Kustomization") => FluxKind::Kustomization,
            (HELM_GROUP, "HelmRelease") => FluxKind::HelmRelease,
            (SOURCE_GROUP, "GitRepository") => FluxKind::GitRepository,
            (SOURCE_GROUP, "OCIRepository") => FluxKind::OCIRepository,
            (SOURCE_GROUP, "HelmRepository") => FluxKind::HelmRepository,
            (SOURCE_GROUP, "Bucket") => FluxKind::Bucket,
            (SOURCE_GROUP, "HelmChart") => FluxKind::HelmChart,
            (SOURCE_GROUP, "ExternalArtifact") => FluxKind::ExternalArtifact,
            _ => return None,
        })
    }

    /// The API group of objects of this kind.
    pub fn group(self) -> &'static str {
        match self {
            FluxKind::Kustomization => KUSTOMIZE_GROUP,
            FluxKind::HelmRelease => HELM_GROUP,
            _ => SOURCE_GROUP,
        }
    }

    pub fn is_source(self) -> bool {
        !matches!(self, FluxKind::Kustomization | FluxKind::HelmRelease)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FluxKind::Kustomization => "Kustomization",
            FluxKind::HelmRelease => "HelmRelease",
            FluxKind::GitRepository => "GitRepository",
            FluxKind::OCIRepository => "OCIRepository",
            FluxKind::HelmRepository => "HelmRepository",
            FluxKind::Bucket => "Bucket",
            FluxKind::HelmChart => "HelmChart",
            FluxKind::ExternalArtifact => "ExternalArtifact",
        }
    }

    /// Reads the `kind:` written in a sourceRef or chartRef.
    pub fn parse_source_kind(kind: &str) -> Option<FluxKind> {
        Some(match kind {
            "GitRepository" => FluxKind::GitRepository,
            "OCIRepository" => FluxKind::OCIRepository,
            "HelmRepository" => FluxKind::HelmRepository,
            "Bucket" => FluxKind::Bucket,
            "HelmChart" => FluxKind::HelmChart,
            "ExternalArtifact" => FluxKind::ExternalArtifact,
            _ => return None,
        })
    }
}

/// A `sourceRef`, `chart.spec.sourceRef` or `chartRef`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRef {
    pub kind: String,
    pub name: String,
    /// As written; Flux defaults it to the referring object's namespace.
    pub namespace: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependsOn {
    pub name: String,
    /// As written; Flux defaults it to the referring object's namespace.
    pub namespace: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KustomizationSpec {
    pub path: Option<Spanned<String>>,
    pub source_ref: Option<SourceRef>,
    pub depends_on: Vec<DependsOn>,
    pub target_namespace: Option<String>,
    pub interval: Option<String>,
    pub prune: Option<bool>,
    pub suspend: bool,
    pub wait: Option<bool>,
    pub timeout: Option<String>,
    pub components: Vec<Spanned<String>>,
    /// `postBuild.substitute`: variable name and value.
    pub substitute: Vec<(String, String)>,
    /// `postBuild.substituteFrom` entries: (kind, name, optional).
    pub substitute_from: Vec<(String, String, bool)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartSpec {
    pub chart: String,
    pub version: Option<String>,
    pub source_ref: Option<SourceRef>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelmReleaseSpec {
    pub chart: Option<ChartSpec>,
    pub chart_ref: Option<SourceRef>,
    pub depends_on: Vec<DependsOn>,
    pub interval: Option<String>,
    pub target_namespace: Option<String>,
    pub release_name: Option<String>,
    pub suspend: bool,
    pub timeout: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpec {
    /// `spec.url` (Git, OCI, Helm repositories) or `spec.endpoint` (Bucket).
    pub url: Option<String>,
    /// Branch, tag, semver, commit or digest, whichever is set, as `key=value`.
    pub reference: Option<String>,
    pub interval: Option<String>,
    pub suspend: bool,
    /// HelmChart: `spec.chart@spec.version`.
    pub chart: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FluxSpec {
    Kustomization(KustomizationSpec),
    HelmRelease(HelmReleaseSpec),
    Source(SourceSpec),
}

impl FluxSpec {
    /// The sources this object refers to, with the field that names each:
    /// a Kustomization's `sourceRef`; a HelmRelease's `chart.spec.sourceRef`
    /// and `chartRef`. Sources refer to none.
    pub fn source_refs(&self) -> Vec<(&SourceRef, &'static str)> {
        match self {
            FluxSpec::Kustomization(ks) => ks.source_ref.iter().map(|r| (r, "sourceRef")).collect(),
            FluxSpec::HelmRelease(hr) => hr
                .chart
                .as_ref()
                .and_then(|c| c.source_ref.as_ref())
                .map(|r| (r, "chart.spec.sourceRef"))
                .into_iter()
                .chain(hr.chart_ref.iter().map(|r| (r, "chartRef")))
                .collect(),
            FluxSpec::Source(_) => Vec::new(),
        }
    }

    pub fn read(kind: FluxKind, node: &Node) -> FluxSpec {
        let spec = node.get("spec");
        let text = |keys: &[&str]| spec.and_then(|s| s.str_at(keys)).map(str::to_owned);
        let flag = |keys: &[&str]| spec.and_then(|s| s.path(keys)).and_then(Node::as_bool);
        match kind {
            FluxKind::Kustomization => FluxSpec::Kustomization(KustomizationSpec {
                path: spec.and_then(|s| s.get("path")).and_then(spanned_text),
                source_ref: spec.and_then(|s| s.get("sourceRef")).and_then(source_ref),
                depends_on: depends_on(spec),
                target_namespace: text(&["targetNamespace"]),
                interval: text(&["interval"]),
                prune: flag(&["prune"]),
                suspend: flag(&["suspend"]).unwrap_or(false),
                wait: flag(&["wait"]),
                timeout: text(&["timeout"]),
                components: spec
                    .and_then(|s| s.get("components"))
                    .map(|c| c.items().iter().filter_map(spanned_text).collect())
                    .unwrap_or_default(),
                substitute: spec
                    .and_then(|s| s.path(&["postBuild", "substitute"]))
                    .map(|m| {
                        m.entries()
                            .iter()
                            .filter_map(|e| {
                                Some((e.key.scalar_text()?.to_owned(), e.value.scalar_text().unwrap_or_default().to_owned()))
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                substitute_from: spec
                    .and_then(|s| s.path(&["postBuild", "substituteFrom"]))
                    .map(|list| {
                        list.items()
                            .iter()
                            .map(|item| {
                                (
                                    item.str_at(&["kind"]).unwrap_or_default().to_owned(),
                                    item.str_at(&["name"]).unwrap_or_default().to_owned(),
                                    item.get("optional").and_then(Node::as_bool).unwrap_or(false),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }),
            FluxKind::HelmRelease => FluxSpec::HelmRelease(HelmReleaseSpec {
                chart: spec.and_then(|s| s.path(&["chart", "spec"])).map(|chart| ChartSpec {
                    chart: chart.str_at(&["chart"]).unwrap_or_default().to_owned(),
                    version: chart.str_at(&["version"]).map(str::to_owned),
                    source_ref: chart.get("sourceRef").and_then(source_ref),
                }),
                chart_ref: spec.and_then(|s| s.get("chartRef")).and_then(source_ref),
                depends_on: depends_on(spec),
                interval: text(&["interval"]),
                target_namespace: text(&["targetNamespace"]),
                release_name: text(&["releaseName"]),
                suspend: flag(&["suspend"]).unwrap_or(false),
                timeout: text(&["timeout"]),
            }),
            _ => FluxSpec::Source(SourceSpec {
                url: text(&["url"]).or_else(|| text(&["endpoint"])),
                reference: spec.and_then(|s| s.get("ref")).and_then(|r| {
                    // Flux's precedence when several are set: GitRepository commit >
                    // name > semver > tag > branch; OCIRepository digest > semver > tag.
                    ["commit", "digest", "name", "semver", "tag", "branch"]
                        .iter()
                        .find_map(|key| r.str_at(&[key]).map(|v| format!("{key}={v}")))
                }),
                interval: text(&["interval"]),
                suspend: flag(&["suspend"]).unwrap_or(false),
                chart: text(&["chart"]).map(|chart| match text(&["version"]) {
                    Some(version) => format!("{chart}@{version}"),
                    None => chart,
                }),
            }),
        }
    }
}

fn spanned_text(node: &Node) -> Option<Spanned<String>> {
    if node.is_null() {
        return None;
    }
    Some(Spanned { value: node.scalar_text()?.to_owned(), span: node.span })
}

fn source_ref(node: &Node) -> Option<SourceRef> {
    Some(SourceRef {
        kind: node.str_at(&["kind"]).unwrap_or_default().to_owned(),
        name: node.str_at(&["name"])?.to_owned(),
        namespace: node.str_at(&["namespace"]).filter(|ns| !ns.is_empty()).map(str::to_owned),
        span: node.span,
    })
}

fn depends_on(spec: Option<&Node>) -> Vec<DependsOn> {
    let Some(list) = spec.and_then(|s| s.get("dependsOn")) else { return Vec::new() };
    list.items()
        .iter()
        .filter_map(|item| {
            Some(DependsOn {
                name: item.str_at(&["name"])?.to_owned(),
                namespace: item.str_at(&["namespace"]).filter(|ns| !ns.is_empty()).map(str::to_owned),
                span: item.span,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(kind: FluxKind, yaml: &str) -> Option<String> {
        let parsed = anton_yaml::parse_stream(yaml);
        match FluxSpec::read(kind, &parsed.documents[0].root) {
            FluxSpec::Source(source) => source.reference,
            other => panic!("not a source: {other:?}"),
        }
    }

    #[test]
    fn the_reference_shown_is_the_one_flux_follows() {
        let oci = "spec:\n  ref:\n    tag: 1.0.0\n    semver: '>=1.0.0'\n";
        assert_eq!(reference(FluxKind::OCIRepository, oci).as_deref(), Some("semver=>=1.0.0"));
        let oci = "spec:\n  ref:\n    tag: 1.0.0\n    semver: '>=1.0.0'\n    digest: sha256:abc\n";
        assert_eq!(reference(FluxKind::OCIRepository, oci).as_deref(), Some("digest=sha256:abc"));
        let git = "spec:\n  ref:\n    branch: main\n    tag: v1\n    semver: 1.x\n    name: refs/tags/v2\n";
        assert_eq!(reference(FluxKind::GitRepository, git).as_deref(), Some("name=refs/tags/v2"));
        let git = "spec:\n  ref:\n    branch: main\n    tag: v1\n";
        assert_eq!(reference(FluxKind::GitRepository, git).as_deref(), Some("tag=v1"));
    }
}
