//! `flux/interval-too-short`: a reconcile interval under the configured minimum.

use anton_core::{Finding, Severity};

use crate::context::Context;
use crate::rule::{Doc, Implementation, Rule};
use crate::util::{format_seconds, is_substituted, parse_duration};

pub const RULE: Rule = Rule {
    id: "flux/interval-too-short",
    severity: Severity::Warning,
    summary: "A Flux reconcile interval is shorter than the minimum (1m by default)",
    doc: Doc {
        what: "`spec.interval` of Flux Kustomizations, HelmReleases and sources (GitRepository, OCIRepository, HelmRepository, Bucket, HelmChart) that is shorter than `[flux] min-interval` of `.anton.toml` (default `1m`). Values from `${VAR}` substitution are not judged.",
        why: "Every reconcile clones or pulls, builds and diffs. Intervals of seconds multiply that work across dozens of objects on small nodes, rate-limit the Git host or registry, and buy nothing: a push webhook or `flux reconcile` is the way to be fast. The Anton tiers are critical 5m, core 15m, apps 30m–1h (`anton get ks` shows them side by side).",
        bad: "spec:\n  interval: 10s\n",
        fixed: "spec:\n  interval: 15m  # tier: core\n",
        notes: "Set the minimum with `[flux] min-interval = \"30s\"` in `.anton.toml`.",
    },
    implementation: Implementation::Check(check),
};

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let minimum = ctx.settings.min_interval_seconds;
    for view in ctx.objects.iter().filter(|v| v.flux_node.is_some()) {
        let Some(field) = ctx.effective(view, &["spec", "interval"]) else { continue };
        let Some(text) = field.value.scalar_text() else { continue };
        if is_substituted(text) {
            continue;
        }
        let Some(seconds) = parse_duration(text) else { continue };
        if seconds >= minimum {
            continue;
        }
        out.push(
            RULE.finding(format!(
                "{} reconciles every {text}, more often than the minimum of {}",
                view.kind,
                format_seconds(minimum)
            ))
            .at(ctx.field_location(&field))
            .object(view.subject())
            .hint("use the tier of the component: critical 5m, core 15m, apps 30m–1h; trigger a reconcile by webhook when you need speed"),
        );
    }
}
