//! `flux/unpinned-chart`: a chart or OCI artifact that follows whatever upstream publishes.

use anton_core::{Finding, Severity};
use anton_flux::FluxKind;

use crate::context::Context;
use crate::rule::{Doc, Implementation, Rule};
use crate::util::is_substituted;

pub const RULE: Rule = Rule {
    id: "flux/unpinned-chart",
    severity: Severity::Warning,
    summary: "A chart version that is missing or a range, or an OCIRepository without a fixed tag or digest",
    doc: Doc {
        what: "HelmReleases (and HelmCharts) whose chart version is missing, `latest`, or a range (`*`, `1.x`, `>=1.0`, `^1.2`, `~1.2`, `1.0 - 2.0`, `a || b`); and OCIRepositories with no `ref`, `ref.tag: latest`, or a `ref.semver` range. A fixed tag or a digest is pinned. Charts from a GitRepository or Bucket are versioned by the source's ref and are not judged.",
        why: "An unpinned chart upgrades itself whenever upstream publishes, on the next reconcile: no review, no diff, and no commit to revert when the new major version breaks the release.",
        bad: "spec:\n  chart:\n    spec:\n      chart: ingress-nginx\n      version: \">=4.0.0\"\n      sourceRef:\n        kind: HelmRepository\n        name: ingress-nginx\n        namespace: flux-system\n",
        fixed: "spec:\n  chart:\n    spec:\n      chart: ingress-nginx\n      version: 4.14.1\n      sourceRef:\n        kind: HelmRepository\n        name: ingress-nginx\n        namespace: flux-system\n",
        notes: "Let Renovate or Flux image automation raise the pinned version in a pull request instead of letting the cluster float.",
    },
    implementation: Implementation::Check(check),
};

/// Why a version constraint is not a pinned version, if it is not.
fn unpinned(version: &str) -> Option<&'static str> {
    let version = version.trim();
    if version.is_empty() || version == "*" {
        return Some("matches every version");
    }
    if version.eq_ignore_ascii_case("latest") {
        return Some("follows `latest`");
    }
    if version.contains("||") || version.contains(" - ") {
        return Some("is a range");
    }
    if version.starts_with(['>', '<', '^', '~', '!']) || version.contains(['>', '<']) {
        return Some("is a range");
    }
    let core = version.trim_start_matches(['v', '=']).split(['-', '+']).next().unwrap_or("");
    if core.split('.').any(|part| matches!(part, "x" | "X" | "*")) {
        return Some("is a range");
    }
    None
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for view in ctx.objects.iter().filter(|v| v.flux_node.is_some()) {
        let kind = ctx.graph.nodes[view.flux_node.unwrap_or_default()].kind;
        match kind {
            FluxKind::HelmRelease | FluxKind::HelmChart => {
                let spec = if kind == FluxKind::HelmRelease { vec!["spec", "chart", "spec"] } else { vec!["spec"] };
                let Some(chart) = view.node.path(&spec) else { continue };
                if chart.get("chart").is_none() {
                    continue;
                }
                let source_kind = chart.str_at(&["sourceRef", "kind"]).unwrap_or("HelmRepository");
                if matches!(source_kind, "GitRepository" | "Bucket") {
                    continue;
                }
                let mut version_path = spec.clone();
                version_path.push("version");
                let field = ctx.effective(view, &version_path);
                let chart_name = chart.str_at(&["chart"]).unwrap_or("the chart");
                match field {
                    None => out.push(
                        RULE.finding(format!("chart `{chart_name}` has no version: the newest release is installed on every reconcile"))
                            .at(ctx.location_in(view, chart.get("chart")))
                            .object(view.subject())
                            .hint("pin an exact version, e.g. `version: 1.2.3`"),
                    ),
                    Some(field) => {
                        let Some(text) = field.value.scalar_text() else { continue };
                        if is_substituted(text) {
                            continue;
                        }
                        if let Some(why) = unpinned(text) {
                            out.push(
                                RULE.finding(format!("chart `{chart_name}` version `{text}` {why}"))
                                    .at(ctx.field_location(&field))
                                    .object(view.subject())
                                    .hint("pin an exact version, e.g. `version: 1.2.3`"),
                            );
                        }
                    }
                }
            }
            FluxKind::OCIRepository => {
                let reference = view.node.path(&["spec", "ref"]);
                let text = |key: &str| reference.and_then(|r| r.str_at(&[key])).filter(|v| !v.is_empty());
                let at = |node: Option<&anton_yaml::Node>| ctx.location_in(view, node);
                if text("digest").is_some() {
                    continue;
                }
                if let Some(tag) = text("tag") {
                    if tag.eq_ignore_ascii_case("latest") {
                        out.push(
                            RULE.finding("OCIRepository follows the tag `latest`")
                                .at(at(reference.and_then(|r| r.get("tag"))))
                                .object(view.subject())
                                .hint("pin a version tag or a digest (`ref.digest: sha256:…`)"),
                        );
                    }
                    continue;
                }
                if let Some(semver) = text("semver") {
                    if is_substituted(semver) {
                        continue;
                    }
                    if let Some(why) = unpinned(semver) {
                        out.push(
                            RULE.finding(format!("OCIRepository ref.semver `{semver}` {why}"))
                                .at(at(reference.and_then(|r| r.get("semver"))))
                                .object(view.subject())
                                .hint("pin a tag (`ref.tag: 1.2.3`) or a digest"),
                        );
                    }
                    continue;
                }
                out.push(
                    RULE.finding("OCIRepository has no ref.tag, ref.semver or ref.digest, so it follows `latest`")
                        .at(at(view.node.path(&["spec", "url"])))
                        .object(view.subject())
                        .hint("pin a tag (`ref.tag: 1.2.3`) or a digest"),
                );
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::unpinned;

    #[test]
    fn ranges_and_pins() {
        for pinned in ["1.2.3", "v4.14.1", "0.1.0-rc.1", "=1.2.3", "2025.1.0"] {
            assert_eq!(unpinned(pinned), None, "{pinned}");
        }
        for range in ["*", ">=4.0.0", "^1.2.0", "~1.2.0", "1.x", "1.2.X", "1.0 - 2.0", "1.0.0 || 2.0.0", "latest", ""] {
            assert!(unpinned(range).is_some(), "{range}");
        }
    }
}
