//! The tools: their arguments (with JSON schemas), descriptions, and the
//! engine call each one makes. Each call is blocking and returns a report.

use std::path::PathBuf;
use std::time::Duration;

use anton_core::Report;
use anton_engine::live::{self, KubeOptions};
use anton_engine::{build, check, diff, flux, get, health, network, rules, secrets, storage, validate};
use anton_health::FluxKind;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::page::Paging;

/// What a tool call produced: the report, text to put before the verdict
/// (a rule's documentation), and lines to put after it (a line per suite).
pub(crate) struct Answer {
    pub report: Report,
    pub text: Option<String>,
    pub lines: Vec<String>,
}

impl From<Report> for Answer {
    fn from(report: Report) -> Self {
        Self { report, text: None, lines: Vec::new() }
    }
}

/// A tool: name, description, whether it writes, and its argument schema.
pub(crate) struct ToolSpec {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub writes: bool,
    /// Reads the cluster (as opposed to files in the repository).
    pub live: bool,
    pub schema: fn() -> std::sync::Arc<rmcp::model::JsonObject>,
}

fn schema<T: JsonSchema + 'static>() -> std::sync::Arc<rmcp::model::JsonObject> {
    rmcp::handler::server::common::schema_for_type::<T>()
}

pub(crate) const TOOLS: &[ToolSpec] = &[
    ToolSpec {
        name: "validate",
        title: "Validate a GitOps repository",
        description: "Check a Flux GitOps repository offline, as `anton validate` does: YAML, kustomize builds, the Flux graph (sources, dependsOn, paths), Kubernetes and CRD schemas and every lint rule. Returns the report contract; details.findings lists each problem with rule, severity, file:line:col, message and hint. `explain_rule` documents a rule.",
        writes: false,
        live: false,
        schema: schema::<ValidateArgs>,
    },
    ToolSpec {
        name: "build",
        title: "Build a Flux Kustomization offline",
        description: "What a Flux Kustomization (by name) or a kustomization folder (by path) applies, built offline like `flux build kustomization --dry-run` / `kubectl kustomize` (`anton build`). details.kustomizations: per Kustomization the folder, object count and kinds; with items=true, details.items holds the rendered objects (Secret values redacted), paged.",
        writes: false,
        live: false,
        schema: schema::<BuildArgs>,
    },
    ToolSpec {
        name: "diff",
        title: "What a change does to the cluster",
        description: "Compare two states of the repository (`anton diff`): per Flux Kustomization, what is deleted, changed and added, and the guard rules a risky change breaks. base: branch, tag or commit (default: the merge-base with the default branch); head: the new state (default: the work tree, uncommitted changes included). details.diff holds the changes.",
        writes: false,
        live: false,
        schema: schema::<DiffArgs>,
    },
    ToolSpec {
        name: "get",
        title: "List Flux objects in Git",
        description: "List the Flux objects defined in the repository, offline, with `flux get` columns (`anton get ks|hr|sources`): Kustomizations, HelmReleases or sources. details.items: id, kind, namespace, name, target (path or chart), source, dependsOn, interval, suspended, file location, cluster.",
        writes: false,
        live: false,
        schema: schema::<GetArgs>,
    },
    ToolSpec {
        name: "explain_rule",
        title: "Document a rule",
        description: "What a rule of `anton validate` or `anton diff` checks, why, and how to fix it (`anton rules explain`). id: a rule id (`flux/no-timeout`) or a family (`flux`, `guard`); without id, every rule is listed (paged). details.rules holds id, family, severity, summary and documentation; the text answer is the documentation.",
        writes: false,
        live: false,
        schema: schema::<ExplainArgs>,
    },
    ToolSpec {
        name: "health",
        title: "Live cluster health",
        description: "Check the live cluster (`anton health`): nodes, control plane, workloads, pods, storage classes, resource use and Flux, read with one list per kind. Findings carry stable rule codes, the object, a message and the command to run next. Read-only.",
        writes: false,
        live: true,
        schema: schema::<HealthArgs>,
    },
    ToolSpec {
        name: "flux_status",
        title: "Flux in the live cluster",
        description: "Every Flux object and controller in the live cluster with its readiness (`anton flux status`): ready, reconciling, failed, suspended, revision and message. details.flux holds the objects. Read-only.",
        writes: false,
        live: true,
        schema: schema::<NamespaceArgs>,
    },
    ToolSpec {
        name: "storage",
        title: "Live storage",
        description: "Claims and volumes, how full each volume is, Rook-Ceph health and capacity, VolSync backups in the live cluster (`anton storage`). Read-only.",
        writes: false,
        live: true,
        schema: schema::<StorageArgs>,
    },
    ToolSpec {
        name: "secrets",
        title: "Do secrets reach their workloads",
        description: "External Secrets Operator, its stores, 1Password Connect, OnePasswordItems, and pods that use a Secret that does not exist, in the live cluster (`anton secrets`). Secret values are never read. Read-only.",
        writes: false,
        live: true,
        schema: schema::<CriticalArgs>,
    },
    ToolSpec {
        name: "network",
        title: "Can traffic reach the apps",
        description: "Ingress controllers and their LoadBalancer addresses, Cilium LB-IPAM pools, Ingresses and HTTPRoutes with their backends and ready endpoints, cert-manager Certificates and the X.509 of TLS Secrets (expiry, hosts covered), the Cloudflare tunnel, k8s-gateway and external-dns in the live cluster (`anton network`). details.ingresses and details.certificates hold the tables. probe: also resolve each Ingress host through k8s-gateway and GET it over HTTPS from the machine anton runs on (`--probe`: sends DNS and HTTPS requests, changes nothing). Secret values are never returned. Read-only.",
        writes: false,
        live: true,
        schema: schema::<NetworkArgs>,
    },
    ToolSpec {
        name: "check",
        title: "Check the repository and the live cluster at once",
        description: "Run validate and every live suite (health, flux, storage, secrets, network; never network's probes) at the same time, as `anton check` does, and answer with one report: every suite's findings, the worst status, details.suites.NAME holding each suite's own report (with durationMs) and details.skipped.NAME why a suite did not run. only: the suites to run; ci: without a reachable cluster run the offline suite only (and say so); quick: skip volume use per node and the 1Password Connect probe; fail_fast: stop at the first critical suite. Read-only.",
        writes: false,
        live: true,
        schema: schema::<CheckArgs>,
    },
    ToolSpec {
        name: "flux_reconcile",
        title: "Ask Flux to reconcile an object now (writes)",
        description: "CHANGES THE CLUSTER. Ask Flux to reconcile a Flux object now, as `anton flux reconcile` / `flux reconcile` do (annotation reconcile.fluxcd.io/requestedAt), and wait until the controller has handled it (unless no_wait). with_source reconciles its source first. details.actions lists what was written; a failed reconciliation is a critical finding.",
        writes: true,
        live: true,
        schema: schema::<ReconcileArgs>,
    },
    ToolSpec {
        name: "flux_suspend",
        title: "Suspend a Flux object (writes)",
        description: "CHANGES THE CLUSTER. Stop Flux from reconciling an object (spec.suspend: true), as `anton flux suspend` does. details.actions lists what was written; undo with flux_resume.",
        writes: true,
        live: true,
        schema: schema::<TargetArgs>,
    },
    ToolSpec {
        name: "flux_resume",
        title: "Resume a Flux object (writes)",
        description: "CHANGES THE CLUSTER. Let Flux reconcile an object again (spec.suspend: false), request a reconciliation and wait for Ready (unless no_wait), as `anton flux resume` does. details.actions lists what was written.",
        writes: true,
        live: true,
        schema: schema::<ResumeArgs>,
    },
];

pub(crate) fn find(name: &str) -> Option<&'static ToolSpec> {
    TOOLS.iter().find(|tool| tool.name == name)
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ValidateArgs {
    /// Repository folder or file. Default: the `kubernetes/` folder of the git repository around the server's working folder, else that folder.
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// Only these rules: ids (`flux/no-timeout`), families (`flux`), `ALL` or `structural`. Default: as configured in .anton.toml.
    #[serde(default)]
    pub select: Vec<String>,
    /// Skip these rules or families, on top of the configuration's.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Kubernetes release to check schemas against, e.g. `1.30`.
    #[serde(default)]
    pub kubernetes_version: Option<String>,
    /// Skip schema validation.
    #[serde(default)]
    pub no_schemas: bool,
    /// Page of the long lists (findings, issues, items) to return, from 1. Default 1.
    #[serde(default)]
    pub page: Option<usize>,
    /// Entries per page of each long list, 1 to 500. Default 50.
    #[serde(default)]
    pub page_size: Option<usize>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BuildArgs {
    /// A Flux Kustomization's name, or the path of a kustomization folder. Required unless all=true.
    #[serde(default)]
    pub target: Option<String>,
    /// The Flux Kustomization's namespace, when its name is not unique.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Repository folder to read. Default: as for validate (for a folder target, the git repository around it).
    #[serde(default)]
    pub repo: Option<PathBuf>,
    /// Build every Flux Kustomization.
    #[serde(default)]
    pub all: bool,
    /// Only this cluster's Flux Kustomizations (its name or folder).
    #[serde(default)]
    pub cluster: Option<String>,
    /// Return the rendered objects in details.items (paged); default: counts by kind only.
    #[serde(default)]
    pub items: bool,
    /// Page of the long lists (findings, issues, items) to return, from 1. Default 1.
    #[serde(default)]
    pub page: Option<usize>,
    /// Entries per page of each long list, 1 to 500. Default 50.
    #[serde(default)]
    pub page_size: Option<usize>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DiffArgs {
    /// Repository folder. Default: as for validate.
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// Branch, tag or commit to compare against. Default: the merge-base of HEAD with the default branch, else HEAD.
    #[serde(default)]
    pub base: Option<String>,
    /// The new state: a branch, tag or commit. Default: the work tree, uncommitted changes included.
    #[serde(default)]
    pub head: Option<String>,
    /// Page of the long lists (findings, issues, items) to return, from 1. Default 1.
    #[serde(default)]
    pub page: Option<usize>,
    /// Entries per page of each long list, 1 to 500. Default 50.
    #[serde(default)]
    pub page_size: Option<usize>,
}

/// Which Flux objects `get` lists.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
pub(crate) enum GetWhat {
    /// Flux Kustomizations.
    #[serde(rename = "ks", alias = "kustomizations")]
    Kustomizations,
    /// HelmReleases.
    #[serde(rename = "hr", alias = "helmreleases")]
    HelmReleases,
    /// GitRepository, OCIRepository, HelmRepository, Bucket, HelmChart.
    #[serde(rename = "sources")]
    Sources,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GetArgs {
    /// What to list: `ks` (Kustomizations), `hr` (HelmReleases) or `sources`.
    pub what: GetWhat,
    /// Repository folder. Default: as for validate.
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// Page of the long lists (findings, issues, items) to return, from 1. Default 1.
    #[serde(default)]
    pub page: Option<usize>,
    /// Entries per page of each long list, 1 to 500. Default 50.
    #[serde(default)]
    pub page_size: Option<usize>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExplainArgs {
    /// A rule id (`flux/no-timeout`) or a family (`flux`, `guard`). Omit it to list every rule.
    #[serde(default)]
    pub id: Option<String>,
    /// Page of the long lists (findings, issues, items) to return, from 1. Default 1.
    #[serde(default)]
    pub page: Option<usize>,
    /// Entries per page of each long list, 1 to 500. Default 50.
    #[serde(default)]
    pub page_size: Option<usize>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct HealthArgs {
    /// Only this namespace's workloads, pods and Flux objects (cluster-wide kinds are then left out). Default: every namespace.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Keep critical findings only.
    #[serde(default)]
    pub critical_only: bool,
    /// Page of the long lists (findings, issues, items) to return, from 1. Default 1.
    #[serde(default)]
    pub page: Option<usize>,
    /// Entries per page of each long list, 1 to 500. Default 50.
    #[serde(default)]
    pub page_size: Option<usize>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NamespaceArgs {
    /// Only this namespace's Flux objects. Default: every namespace.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Page of the long lists (findings, issues, items) to return, from 1. Default 1.
    #[serde(default)]
    pub page: Option<usize>,
    /// Entries per page of each long list, 1 to 500. Default 50.
    #[serde(default)]
    pub page_size: Option<usize>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StorageArgs {
    /// Also check that every StorageClass's provisioner is served (reads CSIDrivers).
    #[serde(default)]
    pub check_provisioner: bool,
    /// Keep critical findings only.
    #[serde(default)]
    pub critical_only: bool,
    /// Page of the long lists (findings, issues, items) to return, from 1. Default 1.
    #[serde(default)]
    pub page: Option<usize>,
    /// Entries per page of each long list, 1 to 500. Default 50.
    #[serde(default)]
    pub page_size: Option<usize>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NetworkArgs {
    /// Keep critical findings only.
    #[serde(default)]
    pub critical_only: bool,
    /// Also resolve and GET every Ingress host from this machine (DNS through k8s-gateway, HTTPS with SNI; 5 s per host, 8 at once).
    #[serde(default)]
    pub probe: bool,
    /// Page of the long lists (findings, issues, items) to return, from 1. Default 1.
    #[serde(default)]
    pub page: Option<usize>,
    /// Entries per page of each long list, 1 to 500. Default 50.
    #[serde(default)]
    pub page_size: Option<usize>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CriticalArgs {
    /// Keep critical findings only.
    #[serde(default)]
    pub critical_only: bool,
    /// Page of the long lists (findings, issues, items) to return, from 1. Default 1.
    #[serde(default)]
    pub page: Option<usize>,
    /// Entries per page of each long list, 1 to 500. Default 50.
    #[serde(default)]
    pub page_size: Option<usize>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CheckArgs {
    /// Repository folder for the validate suite. Default: as for validate.
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// Only these suites; default: all of them.
    #[serde(default)]
    #[schemars(schema_with = "suite_names")]
    pub only: Vec<String>,
    /// Skip the slow parts: volume use from every kubelet (storage) and 1Password Connect's /health probe (secrets).
    #[serde(default)]
    pub quick: bool,
    /// When no cluster is reachable, run the offline suite only (details.skipped says why) instead of reporting the live suites as errors.
    #[serde(default)]
    pub ci: bool,
    /// Stop at the first suite that is critical or cannot run; the suites still running are reported as not finished.
    #[serde(default)]
    pub fail_fast: bool,
    /// Kubeconfig context for the live suites. Default: the server's (anton mcp --context), else the current context.
    #[serde(default)]
    pub context: Option<String>,
    /// Page of the long lists (findings, issues, items) to return, from 1. Default 1.
    #[serde(default)]
    pub page: Option<usize>,
    /// Entries per page of each long list, 1 to 500. Default 50.
    #[serde(default)]
    pub page_size: Option<usize>,
}

/// `only`'s schema: the suite names, from the engine's table.
fn suite_names(_generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let names: Vec<&str> = check::SUITES.iter().map(|suite| suite.name).collect();
    schemars::json_schema!({"type": "array", "items": {"type": "string", "enum": names}})
}

/// `only`, checked against the engine's suites.
fn suites_of(only: &[String]) -> Result<Vec<String>, String> {
    let known: Vec<&str> = check::SUITES.iter().map(|suite| suite.name).collect();
    match only.iter().find(|name| !known.contains(&name.as_str())) {
        Some(unknown) => Err(format!("only: no suite named `{unknown}`; the suites are {}", known.join(", "))),
        None => Ok(only.to_vec()),
    }
}

/// A Flux kind, as `kind:` spells it.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
pub(crate) enum FluxKindArg {
    Kustomization,
    HelmRelease,
    GitRepository,
    #[serde(rename = "OCIRepository")]
    OciRepository,
    HelmRepository,
    Bucket,
    HelmChart,
}

impl FluxKindArg {
    fn kind(self) -> FluxKind {
        match self {
            FluxKindArg::Kustomization => FluxKind::Kustomization,
            FluxKindArg::HelmRelease => FluxKind::HelmRelease,
            FluxKindArg::GitRepository => FluxKind::GitRepository,
            FluxKindArg::OciRepository => FluxKind::OCIRepository,
            FluxKindArg::HelmRepository => FluxKind::HelmRepository,
            FluxKindArg::Bucket => FluxKind::Bucket,
            FluxKindArg::HelmChart => FluxKind::HelmChart,
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TargetArgs {
    /// The object's kind.
    pub kind: FluxKindArg,
    /// The object's name.
    pub name: String,
    /// The object's namespace. Default: flux-system.
    #[serde(default)]
    pub namespace: Option<String>,
}

impl TargetArgs {
    fn target(&self) -> Result<flux::Target, String> {
        if self.name.trim().is_empty() {
            return Err("name must not be empty".into());
        }
        let namespace = self.namespace.clone().unwrap_or_else(|| "flux-system".to_owned());
        Ok(flux::Target::new(self.kind.kind(), &namespace, &self.name))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReconcileArgs {
    /// The object's kind.
    pub kind: FluxKindArg,
    /// The object's name.
    pub name: String,
    /// The object's namespace. Default: flux-system.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Reconcile the object's source first.
    #[serde(default)]
    pub with_source: bool,
    /// HelmRelease only: force a one-off install or upgrade.
    #[serde(default)]
    pub force: bool,
    /// HelmRelease only: reset the failure count.
    #[serde(default)]
    pub reset: bool,
    /// Seconds to wait for the controller, per object. Default 300.
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
    /// Only request the reconciliation; do not wait for it.
    #[serde(default)]
    pub no_wait: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResumeArgs {
    /// The object's kind.
    pub kind: FluxKindArg,
    /// The object's name.
    pub name: String,
    /// The object's namespace. Default: flux-system.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Seconds to wait for Ready. Default 300.
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
    /// Only resume; do not wait for the reconciliation.
    #[serde(default)]
    pub no_wait: bool,
}

const DEFAULT_WAIT: Duration = Duration::from_secs(300);

/// A call checked and ready to run: the work, and how to page its answer.
pub(crate) struct Call {
    pub run: Box<dyn FnOnce() -> Answer + Send>,
    pub paging: Paging,
    /// How long the work may take at most (a write's own wait plus slack).
    pub wait: Option<Duration>,
}

fn parse<T: for<'de> Deserialize<'de>>(tool: &str, arguments: Value) -> Result<T, String> {
    serde_json::from_value(arguments).map_err(|e| format!("invalid arguments for `{tool}`: {e}"))
}

fn paging(page: Option<usize>, page_size: Option<usize>) -> Result<Paging, String> {
    Paging::new(page, page_size)
}

/// Checks `arguments` for `tool` and prepares the engine call; `Err` is a
/// message for the caller (bad arguments).
pub(crate) fn prepare(tool: &ToolSpec, arguments: Value, kube: &KubeOptions) -> Result<Call, String> {
    let kube = kube.clone();
    let name = tool.name;
    let call = match name {
        "validate" => {
            let args: ValidateArgs = parse(name, arguments)?;
            let options = validate::ValidateOptions {
                path: args.path,
                rules: validate::RuleOptions { select: args.select, ignore: args.ignore, config: None },
                schemas: validate::SchemaOptions {
                    kubernetes_version: args.kubernetes_version,
                    skip: args.no_schemas,
                    ..Default::default()
                },
                verbose: false,
                exiting: false,
            };
            Call { run: job(move || validate::validate(&options).report.into()), paging: paging(args.page, args.page_size)?, wait: None }
        }
        "build" => {
            let args: BuildArgs = parse(name, arguments)?;
            if args.target.is_none() && !args.all {
                return Err("build needs `target` (a Flux Kustomization's name or a kustomization folder) or `all: true`".into());
            }
            let with_items = args.items;
            let options = build::BuildOptions {
                target: args.target,
                namespace: args.namespace,
                repo: args.repo,
                all: args.all,
                cluster: args.cluster,
                items: with_items,
                show_secrets: false,
            };
            let run = move || match build::build(&options) {
                Ok(built) => built_report(&built, with_items).into(),
                Err(why) => Report::tool_error(why).into(),
            };
            Call { run: job(run), paging: paging(args.page, args.page_size)?, wait: None }
        }
        "diff" => {
            let args: DiffArgs = parse(name, arguments)?;
            let options = diff::DiffOptions { path: args.path, base: args.base, head: args.head, verbose: false };
            let run = move || match diff::diff(&options) {
                Ok(diffed) => diffed.report.into(),
                Err(report) => report.into(),
            };
            Call { run: job(run), paging: paging(args.page, args.page_size)?, wait: None }
        }
        "get" => {
            let args: GetArgs = parse(name, arguments)?;
            let what = match args.what {
                GetWhat::Kustomizations => get::GetKind::Kustomizations,
                GetWhat::HelmReleases => get::GetKind::HelmReleases,
                GetWhat::Sources => get::GetKind::Sources,
            };
            let options = get::GetOptions { what, path: args.path };
            let run = move || match get::get(&options) {
                Ok(listed) => listed.report.into(),
                Err(report) => report.into(),
            };
            Call { run: job(run), paging: paging(args.page, args.page_size)?, wait: None }
        }
        "explain_rule" => {
            let args: ExplainArgs = parse(name, arguments)?;
            let id = args.id;
            let run = move || explain(id.as_deref());
            Call { run: job(run), paging: paging(args.page, args.page_size)?, wait: None }
        }
        "health" => {
            let args: HealthArgs = parse(name, arguments)?;
            let options = health::HealthOptions {
                namespace: args.namespace,
                critical_only: args.critical_only,
                kube,
                ..Default::default()
            };
            Call { run: job(move || live::report_of(health::health(&options)).into()), paging: paging(args.page, args.page_size)?, wait: None }
        }
        "flux_status" => {
            let args: NamespaceArgs = parse(name, arguments)?;
            let options = flux::StatusOptions { namespace: args.namespace, kube, ..Default::default() };
            Call { run: job(move || live::report_of(flux::status(&options)).into()), paging: paging(args.page, args.page_size)?, wait: None }
        }
        "storage" => {
            let args: StorageArgs = parse(name, arguments)?;
            let options = storage::StorageOptions {
                check_provisioner: args.check_provisioner,
                critical_only: args.critical_only,
                kube,
                ..Default::default()
            };
            Call { run: job(move || live::report_of(storage::storage(&options)).into()), paging: paging(args.page, args.page_size)?, wait: None }
        }
        "secrets" => {
            let args: CriticalArgs = parse(name, arguments)?;
            let options = secrets::SecretsOptions { critical_only: args.critical_only, kube, ..Default::default() };
            Call { run: job(move || live::report_of(secrets::secrets(&options)).into()), paging: paging(args.page, args.page_size)?, wait: None }
        }
        "network" => {
            let args: NetworkArgs = parse(name, arguments)?;
            let plan = network::NetworkPlan { probe: args.probe.then(network::ProbeOptions::default) };
            let options = network::NetworkOptions { critical_only: args.critical_only, plan, kube, ..Default::default() };
            Call { run: job(move || live::report_of(network::network(&options)).into()), paging: paging(args.page, args.page_size)?, wait: None }
        }
        "check" => {
            let args: CheckArgs = parse(name, arguments)?;
            let mut kube = kube;
            if let Some(context) = args.context {
                kube.context = Some(context);
            }
            let options = check::CheckOptions {
                path: args.path,
                kube,
                quick: args.quick,
                ci: args.ci,
                fail_fast: args.fail_fast,
                only: suites_of(&args.only)?,
            };
            Call { run: job(move || checked(&check::check(&options, &mut ()))), paging: paging(args.page, args.page_size)?, wait: None }
        }
        "flux_reconcile" => {
            let args: ReconcileArgs = parse(name, arguments)?;
            let target = TargetArgs { kind: args.kind, name: args.name, namespace: args.namespace }.target()?;
            if (args.force || args.reset) && target.kind != FluxKind::HelmRelease {
                return Err("force and reset apply to HelmReleases only".into());
            }
            let timeout = wait_of(args.timeout_seconds)?;
            let options = flux::ReconcileOptions {
                target,
                with_source: args.with_source,
                force: args.force,
                reset: args.reset,
                timeout,
                no_wait: args.no_wait,
            };
            // With its source first, a reconcile waits for up to three objects.
            let wait = timeout * if args.with_source { 3 } else { 1 };
            Call { run: job(move || flux::reconcile(&kube, &options, &mut ()).report.into()), paging: Paging::default(), wait: Some(wait) }
        }
        "flux_suspend" => {
            let args: TargetArgs = parse(name, arguments)?;
            let target = args.target()?;
            Call { run: job(move || flux::suspend(&kube, &target, &mut ()).report.into()), paging: Paging::default(), wait: None }
        }
        "flux_resume" => {
            let args: ResumeArgs = parse(name, arguments)?;
            let target = TargetArgs { kind: args.kind, name: args.name, namespace: args.namespace }.target()?;
            let options = flux::ResumeOptions { timeout: wait_of(args.timeout_seconds)?, no_wait: args.no_wait };
            let wait = options.timeout;
            Call { run: job(move || flux::resume(&kube, &target, &options, &mut ()).report.into()), paging: Paging::default(), wait: Some(wait) }
        }
        other => return Err(format!("no tool named `{other}`")),
    };
    Ok(call)
}

fn job(work: impl FnOnce() -> Answer + Send + 'static) -> Box<dyn FnOnce() -> Answer + Send> {
    Box::new(work)
}

fn wait_of(seconds: Option<u64>) -> Result<Duration, String> {
    match seconds {
        None => Ok(DEFAULT_WAIT),
        Some(0) => Err("timeout_seconds must be at least 1 (use no_wait to not wait)".into()),
        Some(s) if s > 3600 => Err("timeout_seconds must be at most 3600".into()),
        Some(s) => Ok(Duration::from_secs(s)),
    }
}

/// The build's report; with items, the rendered objects move to one list
/// `details.items` (each with the Kustomization that built it) so they page.
fn built_report(built: &build::Built, with_items: bool) -> Report {
    let mut report = built.report();
    if with_items {
        let mut items = Vec::new();
        if let Some(Value::Array(entries)) = report.details.get_mut("kustomizations") {
            for entry in entries.iter_mut() {
                let from = json!({"name": entry["name"], "namespace": entry["namespace"]});
                if let Some(Value::Array(objects)) = entry.as_object_mut().and_then(|e| e.remove("items")) {
                    items.extend(objects.into_iter().map(|object| json!({"kustomization": from, "object": object})));
                }
            }
        }
        report = report.with_detail("items", Value::Array(items));
    }
    report
}

/// The check's report, and a line per suite (in the suites' order) for the text.
fn checked(checked: &check::Checked) -> Answer {
    let mut lines: Vec<(usize, String)> = checked
        .suites
        .iter()
        .map(|run| {
            let s = &run.report.summary;
            // A suite that could not run says why first among the issues.
            let what = match run.report.status {
                anton_core::Status::Error => "could not run".to_owned(),
                _ => format!("{} checked, {} warning(s), {} critical", s.total, s.warnings, s.critical),
            };
            (suite_order(run.name), format!("{}: {} — {what} ({:.1}s)", run.name, run.report.status.as_str(), run.duration.as_secs_f64()))
        })
        .collect();
    lines.extend(checked.skipped.iter().map(|(name, why)| (suite_order(name), format!("{name}: skipped — {why}"))));
    lines.sort_by_key(|(order, _)| *order);
    Answer { report: checked.report.clone(), text: None, lines: lines.into_iter().map(|(_, line)| line).collect() }
}

fn suite_order(name: &str) -> usize {
    check::SUITES.iter().position(|suite| suite.name == name).unwrap_or(usize::MAX)
}

fn explain(id: Option<&str>) -> Answer {
    match id {
        None => Report::new(Vec::<String>::new(), Vec::new()).with_detail("rules", rules::list()).into(),
        Some(id) => match rules::explain(id) {
            Some(explained) => {
                let rules = match explained.json() {
                    Value::Array(list) => Value::Array(list),
                    one => Value::Array(vec![one]),
                };
                Answer {
                    report: Report::new(Vec::<String>::new(), Vec::new()).with_detail("rules", rules),
                    text: Some(explained.text()),
                    lines: Vec::new(),
                }
            }
            None => Report::tool_error(format!(
                "no rule or family named `{id}`; call explain_rule without an id to list every rule"
            ))
            .into(),
        },
    }
}
