//! Which chart, at which version, a HelmRelease installs — read from Git the
//! way `flux get hr` users read it: `chart.spec.chart@version`, or for a
//! `chartRef` the OCIRepository (`url` tail, `ref.digest` / `ref.semver` /
//! `ref.tag`, in Flux's order of precedence) or the HelmChart it names.

use anton_flux::model::HelmReleaseSpec;
use anton_flux::{FluxKind, FluxNode, Graph};
use anton_repo::Repository;
use serde_json::{Value, json};

/// A HelmRelease's chart. `name` is empty when a `chartRef` names a source
/// that is not in the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    pub name: String,
    pub version: Option<String>,
    /// The field the version comes from: `spec.chart.spec.version`,
    /// `spec.ref.tag`, `spec.ref.semver`, `spec.ref.digest`, `spec.version`,
    /// or `default` (an OCIRepository without `ref` pulls `latest`).
    pub version_from: Option<&'static str>,
    /// The OCIRepository's `spec.url`.
    pub url: Option<String>,
}

impl Chart {
    /// `name@version` (or `name`), as in the CHART column; empty when unknown.
    pub fn text(&self) -> String {
        match (&self.name, &self.version) {
            (name, _) if name.is_empty() => String::new(),
            (name, Some(version)) => format!("{name}@{version}"),
            (name, None) => name.clone(),
        }
    }

    pub fn to_json(&self) -> Value {
        if self.name.is_empty() {
            return Value::Null;
        }
        let mut value = json!({ "name": self.name, "version": self.version, "versionFrom": self.version_from });
        if let Some(url) = &self.url {
            value["url"] = json!(url);
        }
        value
    }
}

/// The chart `release` (a HelmRelease node of `graph`) installs.
pub fn of(repo: &Repository, graph: &Graph, node: &FluxNode, release: &HelmReleaseSpec) -> Chart {
    if let Some(chart) = &release.chart {
        return Chart {
            name: chart.chart.clone(),
            version: chart.version.clone(),
            version_from: chart.version.as_ref().map(|_| "spec.chart.spec.version"),
            url: None,
        };
    }
    let unknown = Chart { name: String::new(), version: None, version_from: None, url: None };
    let Some(reference) = &release.chart_ref else { return unknown };
    let kind = match reference.kind.as_str() {
        "OCIRepository" => FluxKind::OCIRepository,
        "HelmChart" => FluxKind::HelmChart,
        _ => return unknown,
    };
    // `chartRef.namespace` defaults to the HelmRelease's namespace; the
    // source in the same cluster's tree wins when several trees define it.
    let namespace = reference.namespace.as_deref().unwrap_or(&node.namespace);
    let mut candidates: Vec<&FluxNode> = graph
        .nodes
        .iter()
        .filter(|n| n.kind == kind && n.namespace == namespace && n.name == reference.name)
        .collect();
    candidates.sort_by_key(|n| n.cluster != node.cluster);
    let Some(source) = candidates.first() else { return unknown };
    let Some(spec) = repo.node(&repo.objects[source.object]).get("spec") else { return unknown };
    match kind {
        FluxKind::OCIRepository => {
            let url = spec.str_at(&["url"]).map(str::to_owned);
            let name = url.as_deref().map(chart_name_of_url).unwrap_or_default().to_owned();
            let (version, version_from) = ["digest", "semver", "tag"]
                .iter()
                .find_map(|key| spec.str_at(&["ref", key]).map(|v| (v.to_owned(), oci_ref_field(key))))
                .unwrap_or_else(|| ("latest".to_owned(), "default"));
            Chart { name, version: Some(version), version_from: Some(version_from), url }
        }
        _ => {
            let version = spec.str_at(&["version"]).map(str::to_owned);
            Chart {
                name: spec.str_at(&["chart"]).unwrap_or_default().to_owned(),
                version_from: version.as_ref().map(|_| "spec.version"),
                version,
                url: None,
            }
        }
    }
}

fn oci_ref_field(key: &str) -> &'static str {
    match key {
        "digest" => "spec.ref.digest",
        "semver" => "spec.ref.semver",
        _ => "spec.ref.tag",
    }
}

/// The chart's name in an OCI URL: its last path segment
/// (`oci://ghcr.io/bjw-s-labs/helm/app-template` → `app-template`).
fn chart_name_of_url(url: &str) -> &str {
    let trimmed = url.trim_end_matches('/');
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_name_is_the_last_segment_of_the_url() {
        assert_eq!(chart_name_of_url("oci://ghcr.io/bjw-s-labs/helm/app-template"), "app-template");
        assert_eq!(chart_name_of_url("oci://quay.io/cilium/charts/cilium/"), "cilium");
        assert_eq!(chart_name_of_url("chart"), "chart");
    }

    #[test]
    fn the_column_text_says_what_is_known() {
        let chart = |name: &str, version: Option<&str>| Chart {
            name: name.into(),
            version: version.map(str::to_owned),
            version_from: None,
            url: None,
        };
        assert_eq!(chart("cilium", Some("1.20.1")).text(), "cilium@1.20.1");
        assert_eq!(chart("cilium", None).text(), "cilium");
        assert_eq!(chart("", None).text(), "");
        assert_eq!(chart("", None).to_json(), Value::Null);
    }
}
