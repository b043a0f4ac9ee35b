//! Command-line flags (clap derive). Every subcommand has an example in its help.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// `anton --version`: the release and the git commit it was built from
/// (`unknown` outside a git checkout; see build.rs).
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("ANTON_GIT_COMMIT"), ")");

#[derive(Debug, Parser)]
#[command(
    name = "anton",
    version = VERSION,
    about = "One fast binary for Flux GitOps homelabs: validate the repository, read the Flux graph.",
    long_about = "anton checks a Flux GitOps repository offline: it parses every manifest, resolves every \
kustomization and the Flux graph (sources, dependsOn, paths), and reports every problem in one run with \
file:line:col.\n\nExit codes: 0 healthy, 1 warnings, 2 critical findings, 3 anton could not do its job.",
    after_help = "Examples:\n  anton validate                 # the kubernetes/ folder of this repository\n  anton validate ./clusters --json\n  anton get ks"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Shorthand for `--format json`, as the old scripts had it.
    #[arg(long, global = true)]
    pub json: bool,
    /// When to use colour. `auto` colours a terminal unless NO_COLOR is set.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Show more: every info finding (text counts them per rule), code frames for every finding, timings.
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Show less: one line per warning or critical finding with its hint, and the summary.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// For people: grouped by file, coloured, with code frames (`table` for `anton get`).
    #[value(alias = "table")]
    Text,
    /// The stable report contract: {status, timestamp, summary, details, issues}.
    Json,
    /// GitHub Actions annotations.
    Github,
    /// A Markdown pull-request comment, kept under a size budget (`anton diff --max-bytes`).
    Markdown,
    /// SARIF 2.1.0 with rule documentation, for code-scanning UIs.
    Sarif,
    /// JUnit XML, for CI test reports.
    Junit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a GitOps repository: YAML, kustomize, the Flux graph, schemas and lint rules, on what Flux will apply.
    #[command(after_help = "Examples:\n  anton validate\n  anton validate ./kubernetes --format github\n  anton validate . --json | jq '.summary'")]
    Validate(ValidateArgs),
    /// List Flux objects from Git, like `flux get` but offline.
    #[command(after_help = "Examples:\n  anton get ks\n  anton get hr ./kubernetes --format json\n  anton get sources -o wide     # every cell in full, however wide the terminal\n\nOn a terminal, tables are fitted to its width (long cells end in …); piped or redirected, every cell is printed in full.")]
    Get(GetArgs),
    /// What a change will do to the cluster: per Flux Kustomization, what is deleted, changed and added.
    #[command(after_help = crate::commands::diff::AFTER_HELP)]
    Diff(crate::commands::diff::DiffArgs),
    /// List the rules `anton validate` checks and the guard rules of `anton diff`; `anton rules explain <id>` prints one's documentation.
    #[command(after_help = crate::commands::rules::AFTER_HELP)]
    Rules(crate::commands::rules::RulesArgs),
    /// Write a commented default .anton.toml at the repository root.
    #[command(after_help = crate::commands::init_config::AFTER_HELP)]
    InitConfig(crate::commands::init_config::InitConfigArgs),
    /// Everything at once: validate and every live suite (health, flux, storage, secrets), concurrently, one report.
    #[command(after_help = crate::commands::check::AFTER_HELP)]
    Check(crate::commands::check::CheckArgs),
    /// Live cluster health: nodes, control plane, workloads, pods, storage, resource use, Flux.
    #[command(after_help = crate::commands::health::AFTER_HELP)]
    Health(crate::commands::health::HealthArgs),
    /// Live storage: PVCs and volumes, how full they are, Rook-Ceph health and capacity, VolSync backups.
    #[command(after_help = crate::commands::storage::AFTER_HELP)]
    Storage(crate::commands::storage::StorageArgs),
    /// Live network: ingress controllers, LoadBalancer addresses (Cilium LB-IPAM), Ingresses and routes, certificates, tunnel, DNS; --probe from here.
    #[command(after_help = crate::commands::network::AFTER_HELP)]
    Network(crate::commands::network::NetworkArgs),
    /// Live secrets: External Secrets, stores, 1Password Connect, pods missing a Secret; `onepassword setup` puts Connect's credentials in.
    #[command(after_help = crate::commands::secrets::AFTER_HELP)]
    Secrets(crate::commands::secrets::SecretsArgs),
    /// Flux in the live cluster: status, and reconcile/suspend/resume (the only writes).
    Flux(crate::commands::flux::FluxArgs),
    /// The live cluster as it changes: a dashboard of Flux, unhealthy workloads, storage and events, or NDJSON transitions (--events).
    #[command(after_help = crate::commands::watch::AFTER_HELP)]
    Watch(crate::commands::watch::WatchArgs),
    /// Schemas from the live cluster for offline validation.
    Schemas(crate::commands::schemas::SchemasArgs),
    /// What a Flux Kustomization (by name) or a kustomization folder (by path) applies, built offline.
    #[command(after_help = crate::commands::build::AFTER_HELP)]
    Build(crate::commands::build::BuildArgs),
    /// Shell completions (bash, zsh, fish, powershell, elvish), generated from this command line.
    #[command(after_help = crate::commands::completions::AFTER_HELP)]
    Completions(crate::commands::completions::CompletionsArgs),
    /// Manual pages, generated from this command line: the top page, or one page per subcommand with --dir.
    #[command(after_help = crate::commands::man::AFTER_HELP)]
    Man(crate::commands::man::ManArgs),
    /// Serve anton to AI agents over the Model Context Protocol (stdio): validate, build, diff, get, health, Flux, check … as tools; read-only unless --allow-writes.
    #[command(after_help = crate::commands::mcp::after_help())]
    Mcp(crate::commands::mcp::McpArgs),
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Repository folder or file. Default: the `kubernetes/` folder of the git
    /// repository around the current folder, else the current folder.
    pub path: Option<PathBuf>,
    #[command(flatten)]
    pub schema: SchemaArgs,
    #[command(flatten)]
    pub lint: crate::commands::lint::LintArgs,
}

/// Schema validation: every object against its API, offline.
#[derive(Debug, Args)]
#[command(next_help_heading = "Schema validation")]
pub struct SchemaArgs {
    /// Kubernetes release to check against, e.g. 1.30 (default: 1.37, the release
    /// whose schemas anton bundles). It decides which API versions exist: objects in
    /// API versions that release still served but anton has no schema for (such as
    /// policy/v1beta1 before 1.25, autoscaling/v2beta2 before 1.26) are accepted
    /// without checks instead of reported as unknown kinds, and API versions added
    /// after it (such as resource.k8s.io/v1 before 1.34) are reported as unknown
    /// kinds. Fields are always checked against the bundled 1.37 schemas. It also
    /// fills {{.NormalizedKubernetesVersion}} in --schema-location templates
    /// (`master` without this flag).
    #[arg(long, value_name = "VERSION")]
    pub kubernetes_version: Option<String>,
    /// Where to look for schemas of kinds anton does not know; repeatable, searched
    /// in order after the built-in Kubernetes and Flux schemas and the CRDs found in
    /// the repository. A folder (a kubeconform catalog, or the cluster cache written
    /// by `anton schemas pull`), a file template or a URL template with kubeconform's
    /// variables: 'https://example.com/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json'.
    /// `default` (kubeconform's catalog) is accepted and means the built-in schemas.
    /// Only URLs use the network; responses are cached in
    /// $XDG_CACHE_HOME/anton/schemas/remote/.
    #[arg(long = "schema-location", value_name = "LOCATION")]
    pub schema_locations: Vec<String>,
    /// Report objects without any schema as critical (default: info).
    #[arg(long)]
    pub strict_kinds: bool,
    /// Skip schema validation (and the undefined-variable check). Schema validation
    /// checks every object offline against the built-in Kubernetes and Flux schemas,
    /// the CRDs found in the repository and --schema-location; the CEL rules of CRDs
    /// (x-kubernetes-validations) are not evaluated.
    #[arg(long)]
    pub no_schemas: bool,
}

#[derive(Debug, Args)]
pub struct GetArgs {
    /// What to list.
    #[arg(value_enum)]
    pub what: GetWhat,
    /// Repository folder. Default as for `anton validate`.
    pub path: Option<PathBuf>,
    #[command(flatten)]
    pub table: crate::table::TableArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GetWhat {
    /// Flux Kustomizations.
    #[value(alias = "kustomizations", alias = "kustomization")]
    Ks,
    /// HelmReleases.
    #[value(alias = "helmreleases", alias = "helmrelease")]
    Hr,
    /// GitRepository, OCIRepository, HelmRepository, Bucket, HelmChart.
    #[value(alias = "source")]
    Sources,
}

impl GetWhat {
    /// The word that names this list on the command line.
    pub fn word(self) -> &'static str {
        match self {
            GetWhat::Ks => "ks",
            GetWhat::Hr => "hr",
            GetWhat::Sources => "sources",
        }
    }
}

impl GlobalArgs {
    pub fn output_format(&self) -> OutputFormat {
        if self.json { OutputFormat::Json } else { self.format }
    }

    /// Colour for stdout: `always`/`never` as said; `auto` when stdout is a
    /// terminal and NO_COLOR is unset or empty (https://no-color.org).
    pub fn use_color(&self) -> bool {
        match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                use std::io::IsTerminal;
                let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
                !no_color && std::io::stdout().is_terminal()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn json_is_a_shorthand() {
        let cli = Cli::parse_from(["anton", "validate", "--json"]);
        assert_eq!(cli.global.output_format(), OutputFormat::Json);
        let cli = Cli::parse_from(["anton", "get", "ks", "--format", "table"]);
        assert_eq!(cli.global.output_format(), OutputFormat::Text);
    }
}
