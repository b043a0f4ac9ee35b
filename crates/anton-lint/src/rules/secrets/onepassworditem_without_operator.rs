//! `secrets/onepassworditem-without-operator`: OnePasswordItems nothing reconciles.

use anton_core::{Finding, Severity};
use anton_yaml::Node;

use crate::context::Context;
use crate::rule::{Doc, Implementation, Rule};
use crate::rules::containers;
use crate::view::ObjectView;

pub const RULE: Rule = Rule {
    id: "secrets/onepassworditem-without-operator",
    severity: Severity::Warning,
    summary: "OnePasswordItem objects, but the repository installs no 1Password Operator",
    doc: Doc {
        what: "`OnePasswordItem` objects (onepassword.com) in a repository that installs no 1Password Operator: no HelmRelease of the 1Password `connect` chart with `operator.create: true`, no `onepassword-operator` chart, no Deployment running the operator image, and no `onepassworditems.onepassword.com` CRD.",
        why: "Nothing reconciles a OnePasswordItem without the operator: the Secret it promises never appears and the workload waits for it. The Anton cluster reads 1Password through External Secrets and 1Password Connect; the way in is an ExternalSecret.",
        bad: "apiVersion: onepassword.com/v1\nkind: OnePasswordItem\nmetadata:\n  name: cloudflare\n  namespace: network\nspec:\n  itemPath: vaults/anton/items/cloudflare\n",
        fixed: "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: cloudflare\n  namespace: network\nspec:\n  secretStoreRef:\n    kind: ClusterSecretStore\n    name: onepassword-connect\n  target:\n    name: cloudflare\n  dataFrom:\n    - extract:\n        key: cloudflare\n",
        notes: "",
    },
    implementation: Implementation::Check(check),
};

fn installs_operator(view: &ObjectView<'_>) -> bool {
    if view.is("helm.toolkit.fluxcd.io", "HelmRelease") {
        let chart = view
            .node
            .str_at(&["spec", "chart", "spec", "chart"])
            .or_else(|| view.node.str_at(&["spec", "chartRef", "name"]))
            .unwrap_or("");
        let chart = chart.rsplit('/').next().unwrap_or(chart);
        if chart.contains("operator") && (chart.contains("onepassword") || chart.contains("1password")) {
            return true;
        }
        let operator = view.node.path(&["spec", "values", "operator", "create"]);
        return operator.and_then(Node::as_bool) == Some(true);
    }
    if view.is("apiextensions.k8s.io", "CustomResourceDefinition") {
        return view.id.name == "onepassworditems.onepassword.com";
    }
    containers(view, false).iter().any(|(container, _)| {
        container.str_at(&["image"]).is_some_and(|image| image.contains("onepassword-operator"))
    })
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let items: Vec<&ObjectView<'_>> = ctx.objects.iter().filter(|v| v.is("onepassword.com", "OnePasswordItem")).collect();
    if items.is_empty() || ctx.objects.iter().any(installs_operator) {
        return;
    }
    for view in items {
        out.push(
            RULE.finding("OnePasswordItem, but this repository installs no 1Password Operator: nothing will create its Secret")
                .at(view.location.clone())
                .object(view.subject())
                .hint("use an ExternalSecret with the ClusterSecretStore of 1Password Connect, or install the operator (connect chart, `operator.create: true`)"),
        );
    }
}
