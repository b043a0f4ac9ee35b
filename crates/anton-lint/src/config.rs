//! `.anton.toml`: which rules run, at which severity, where; and the facts
//! about the cluster that Git does not hold (external sources, ingress class
//! names, versions).
//!
//! ```toml
//! kubernetes-version = "1.33"
//!
//! [rules]
//! select = ["ALL"]                       # ids, families, or ALL (default)
//! ignore = ["flux/prune-unset"]
//! severity = { "flux/no-timeout" = "warning" }
//!
//! [[overrides]]
//! paths = ["kubernetes/apps/sandbox/**"]
//! ignore = ["k8s/latest-tag"]
//! severity = { "k8s/no-resources" = "info" }
//!
//! [sources]
//! known = ["HelmRepository/flux-system/private-charts"]   # not in Git, not this repository
//! this-repository = ["OCIRepository/flux-system/cluster"] # not in Git, holds this repository
//! roots = { "OCIRepository/flux-system/flux-system" = "./kubernetes" } # the folder its artifact is made of
//!
//! [flux]
//! min-interval = "1m"
//!
//! [ingress]
//! internal-classes = ["internal"]
//! external-classes = ["external"]
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anton_core::Severity;
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::registry;
use crate::selection::{Selection, Selector};
use crate::util::{Version, parse_duration};

/// The file anton reads at the repository root.
pub const CONFIG_FILE_NAME: &str = ".anton.toml";

/// The Kubernetes version API findings are judged against when none is
/// configured: the newest release (the one whose schemas anton bundles).
pub const DEFAULT_KUBERNETES_VERSION: Version = Version { major: 1, minor: 37 };
/// The Flux version Flux API removals are judged against by default.
pub const DEFAULT_FLUX_VERSION: Version = Version { major: 2, minor: 8 };
/// Reconcile intervals below this are reported by default.
pub const DEFAULT_MIN_INTERVAL_SECONDS: f64 = 60.0;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot be read: {source}")]
    Unreadable { path: PathBuf, source: std::io::Error },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{0}")]
    Option(String),
}

/// `.anton.toml` as written.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ConfigFile {
    pub kubernetes_version: Option<String>,
    pub flux_version: Option<String>,
    #[serde(default)]
    pub rules: RulesSection,
    #[serde(default)]
    pub overrides: Vec<PathOverride>,
    #[serde(default)]
    pub sources: SourcesSection,
    #[serde(default)]
    pub flux: FluxSection,
    #[serde(default)]
    pub ingress: IngressSection,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RulesSection {
    pub select: Option<Vec<String>>,
    #[serde(default)]
    pub ignore: Vec<String>,
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct PathOverride {
    pub paths: Vec<String>,
    #[serde(default)]
    pub ignore: Vec<String>,
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct SourcesSection {
    /// `Kind/namespace/name` of sources the cluster has that are not in Git
    /// and hold something else than this repository (charts, other repositories).
    #[serde(default)]
    pub known: Vec<String>,
    /// `Kind/namespace/name` of sources that hold this repository but are not
    /// in it, besides the bootstrap `flux-system` ones (a FluxInstance's sync source).
    #[serde(default)]
    pub this_repository: Vec<String>,
    /// `Kind/namespace/name` → the repository folder the source's artifact is
    /// made of (`flux push artifact --path=./kubernetes` pushes `./kubernetes`).
    #[serde(default)]
    pub roots: BTreeMap<String, String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct FluxSection {
    pub min_interval: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct IngressSection {
    pub internal_classes: Option<Vec<String>>,
    pub external_classes: Option<Vec<String>>,
}

impl ConfigFile {
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|error| ConfigError::Invalid {
            path: path.to_path_buf(),
            message: error.to_string().trim_end().to_owned(),
        })
    }

    /// Reads `path`; a missing file is the default configuration.
    pub fn load(path: &Path) -> Result<Option<Self>, ConfigError> {
        match anton_repo::read_regular_text(path) {
            Ok(text) => Self::parse(&text, path).map(Some),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(ConfigError::Unreadable { path: path.to_path_buf(), source }),
        }
    }
}

/// What the command line adds to or overrides in the file.
#[derive(Debug, Default, Clone)]
pub struct CliOverrides {
    /// Replaces `rules.select` when given.
    pub select: Option<Vec<String>>,
    /// Added to `rules.ignore`.
    pub ignore: Vec<String>,
    pub kubernetes_version: Option<String>,
}

#[derive(Debug, Clone)]
struct CompiledOverride {
    globs: GlobSet,
    ignore: Vec<Selector>,
    severity: Vec<(Selector, Severity)>,
}

/// The configuration, checked and ready to use.
#[derive(Debug, Clone)]
pub struct Settings {
    selection: Selection,
    severity: Vec<(Selector, Severity)>,
    overrides: Vec<CompiledOverride>,
    pub kubernetes_version: Version,
    pub flux_version: Version,
    pub min_interval_seconds: f64,
    /// (kind, namespace, name) of sources that exist without being in Git.
    pub known_sources: Vec<(String, String, String)>,
    /// (kind, namespace, name) of sources that hold this repository.
    pub local_sources: Vec<(String, String, String)>,
    /// Artifact roots of sources (`[sources] roots`).
    pub source_roots: Vec<((String, String, String), String)>,
    pub internal_classes: Vec<String>,
    pub external_classes: Vec<String>,
    /// Where the configuration came from, for messages.
    pub origin: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            selection: Selection::new(vec![Selector::All], Vec::new()),
            severity: Vec::new(),
            overrides: Vec::new(),
            kubernetes_version: DEFAULT_KUBERNETES_VERSION,
            flux_version: DEFAULT_FLUX_VERSION,
            min_interval_seconds: DEFAULT_MIN_INTERVAL_SECONDS,
            known_sources: Vec::new(),
            local_sources: Vec::new(),
            source_roots: Vec::new(),
            internal_classes: vec!["internal".into()],
            external_classes: vec!["external".into()],
            origin: None,
        }
    }
}

impl Settings {
    /// Reads `.anton.toml` from `explicit` or, without one, from the
    /// repository root (a missing file there is fine), and applies the
    /// command line on top.
    pub fn load(repository_root: &Path, explicit: Option<&Path>, cli: CliOverrides) -> Result<Self, ConfigError> {
        let (path, file) = match explicit {
            Some(path) => match ConfigFile::load(path)? {
                Some(file) => (Some(path.to_path_buf()), file),
                None => {
                    return Err(ConfigError::Unreadable {
                        path: path.to_path_buf(),
                        source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
                    });
                }
            },
            None => {
                let path = repository_root.join(CONFIG_FILE_NAME);
                match ConfigFile::load(&path)? {
                    Some(file) => (Some(path), file),
                    None => (None, ConfigFile::default()),
                }
            }
        };
        Self::resolve(file, cli, path)
    }

    pub fn resolve(file: ConfigFile, cli: CliOverrides, origin: Option<PathBuf>) -> Result<Self, ConfigError> {
        let where_ = |what: &str| match &origin {
            Some(path) => format!("{}: {what}", path.display()),
            None => what.to_owned(),
        };
        let selectors = |list: &[String], what: &str| -> Result<Vec<Selector>, ConfigError> {
            list.iter()
                .flat_map(|entry| entry.split(','))
                .map(str::trim)
                .filter(|entry| !entry.is_empty())
                .map(|entry| Selector::parse(entry).map_err(|e| ConfigError::Option(where_(&format!("{what}: {e}")))))
                .collect()
        };
        let severities = |map: &BTreeMap<String, String>, what: &str| -> Result<Vec<(Selector, Severity)>, ConfigError> {
            map.iter()
                .map(|(id, severity)| {
                    let selector = Selector::parse(id).map_err(|e| ConfigError::Option(where_(&format!("{what}: {e}"))))?;
                    let severity = Severity::parse(severity).ok_or_else(|| {
                        ConfigError::Option(where_(&format!(
                            "{what}: `{severity}` for `{id}` is not a severity; use info, warning or critical"
                        )))
                    })?;
                    Ok((selector, severity))
                })
                .collect()
        };

        let select = match (&cli.select, &file.rules.select) {
            (Some(select), _) => selectors(select, "--select")?,
            (None, Some(select)) => selectors(select, "rules.select")?,
            (None, None) => vec![Selector::All],
        };
        let mut ignore = selectors(&file.rules.ignore, "rules.ignore")?;
        ignore.extend(selectors(&cli.ignore, "--ignore")?);
        let severity = severities(&file.rules.severity, "rules.severity")?;

        let mut overrides = Vec::new();
        for (index, entry) in file.overrides.iter().enumerate() {
            let what = format!("overrides[{index}]");
            let mut builder = GlobSetBuilder::new();
            for pattern in &entry.paths {
                let glob = Glob::new(pattern.trim_start_matches("./"))
                    .map_err(|e| ConfigError::Option(where_(&format!("{what}.paths: {e}"))))?;
                builder.add(glob);
            }
            let globs = builder.build().map_err(|e| ConfigError::Option(where_(&format!("{what}.paths: {e}"))))?;
            overrides.push(CompiledOverride {
                globs,
                ignore: selectors(&entry.ignore, &format!("{what}.ignore"))?,
                severity: severities(&entry.severity, &format!("{what}.severity"))?,
            });
        }

        let version = |text: Option<&String>, what: &str, default: Version| -> Result<Version, ConfigError> {
            match text {
                None => Ok(default),
                Some(text) => Version::parse(text).ok_or_else(|| {
                    ConfigError::Option(where_(&format!("{what}: `{text}` is not a version like 1.33")))
                }),
            }
        };
        let kubernetes_version = version(
            cli.kubernetes_version.as_ref().or(file.kubernetes_version.as_ref()),
            "kubernetes-version",
            DEFAULT_KUBERNETES_VERSION,
        )?;
        let flux_version = version(file.flux_version.as_ref(), "flux-version", DEFAULT_FLUX_VERSION)?;
        let min_interval_seconds = match &file.flux.min_interval {
            None => DEFAULT_MIN_INTERVAL_SECONDS,
            Some(text) => parse_duration(text).ok_or_else(|| {
                ConfigError::Option(where_(&format!("flux.min-interval: `{text}` is not a duration like 1m or 30s")))
            })?,
        };
        let sources = |list: &[String], what: &str| -> Result<Vec<(String, String, String)>, ConfigError> {
            list.iter()
                .map(|entry| {
                    let parts: Vec<&str> = entry.split('/').map(str::trim).collect();
                    match parts.as_slice() {
                        [kind, namespace, name] if !kind.is_empty() && !namespace.is_empty() && !name.is_empty() => {
                            Ok(((*kind).to_owned(), (*namespace).to_owned(), (*name).to_owned()))
                        }
                        _ => Err(ConfigError::Option(where_(&format!(
                            "{what}: `{entry}` should be Kind/namespace/name, e.g. GitRepository/flux-system/flux-system"
                        )))),
                    }
                })
                .collect()
        };
        let known_sources = sources(&file.sources.known, "sources.known")?;
        let local_sources = sources(&file.sources.this_repository, "sources.this-repository")?;
        let root_keys: Vec<String> = file.sources.roots.keys().cloned().collect();
        let source_roots = sources(&root_keys, "sources.roots")?
            .into_iter()
            .zip(file.sources.roots.values().cloned())
            .collect();
        Ok(Self {
            selection: Selection::new(select, ignore),
            severity,
            overrides,
            kubernetes_version,
            flux_version,
            min_interval_seconds,
            known_sources,
            local_sources,
            source_roots,
            internal_classes: file.ingress.internal_classes.unwrap_or_else(|| vec!["internal".into()]),
            external_classes: file.ingress.external_classes.unwrap_or_else(|| vec!["external".into()]),
            origin,
        })
    }

    /// Whether a rule runs at all (before per-path overrides).
    pub fn is_enabled(&self, rule: &str) -> bool {
        self.selection.is_enabled(rule)
    }

    /// Whether a finding of `rule` in `file` is reported.
    pub fn is_enabled_at(&self, rule: &str, file: Option<&str>) -> bool {
        if !self.selection.is_enabled(rule) {
            return false;
        }
        let Some(file) = file else { return true };
        !self
            .overrides
            .iter()
            .filter(|o| o.globs.is_match(file))
            .any(|o| o.ignore.iter().any(|selector| selector.matches(rule)))
    }

    /// The severity a finding of `rule` in `file` is reported at, when it is
    /// configured; the most specific selector wins, and a per-path override
    /// wins over the global setting.
    pub fn severity_for(&self, rule: &str, file: Option<&str>) -> Option<Severity> {
        let pick = |list: &[(Selector, Severity)]| {
            list.iter()
                .filter(|(selector, _)| selector.matches(rule))
                .max_by_key(|(selector, _)| selector.specificity())
                .map(|(_, severity)| *severity)
        };
        let mut chosen = pick(&self.severity);
        if let Some(file) = file {
            for entry in self.overrides.iter().filter(|o| o.globs.is_match(file)) {
                if let Some(severity) = pick(&entry.severity) {
                    chosen = Some(severity);
                }
            }
        }
        chosen
    }

    /// The graph's options: the bootstrap sources plus `[sources] this-repository`,
    /// which the graph takes to hold this repository. `[sources] known` are not
    /// passed on: they hold other repositories, whose paths cannot be checked
    /// here (the lint layer drops flux/source-missing for them instead).
    pub fn graph_options(&self) -> anton_flux::GraphOptions {
        let mut options = anton_flux::GraphOptions::default();
        for source in &self.local_sources {
            if !options.bootstrap_sources.contains(source) {
                options.bootstrap_sources.push(source.clone());
            }
        }
        options.source_roots = self.source_roots.clone();
        options
    }
}

/// The commented default `.anton.toml` that `anton init-config` writes.
pub fn default_config_text() -> String {
    let mut families: Vec<&str> = registry::families().collect();
    families.dedup();
    format!(
        r#"# anton configuration (https://example.invalid/anton): read by `anton validate` from the
# repository root. Every setting is optional; this file spells out the defaults.
# `anton rules` lists every rule, `anton rules explain <id>` tells what it checks and why.

# The Kubernetes version API findings are judged against (api/removed, api/deprecated).
# `--kubernetes-version` overrides it for one run.
kubernetes-version = "{k8s}"
# The Flux version Flux API removals are judged against.
flux-version = "{flux}"

[rules]
# Rule ids (flux/no-timeout), families ({families}), "ALL", or "structural"
# (only the structural checks: YAML, kustomize references, the Flux graph, schemas).
# --select on the command line replaces this list.
select = ["ALL"]
# Rules or families to turn off. --ignore on the command line adds to this list.
ignore = []
# Severity overrides: info (never fails a run), warning or critical.
# severity = {{ "flux/no-timeout" = "warning", "k8s/no-resources" = "info" }}
severity = {{}}

# Per-path overrides, with globs relative to the repository root. Later entries win.
# [[overrides]]
# paths = ["kubernetes/apps/sandbox/**"]
# ignore = ["k8s/latest-tag"]
# severity = {{ "k8s/no-resources" = "info" }}

[sources]
# Sources the cluster has that are not in Git, as Kind/namespace/name: charts or other
# repositories created by hand or by another tool. References to them are not reported
# as flux/source-missing.
known = []
# Sources that hold THIS repository but are not in it, besides the bootstrap ones
# (GitRepository/flux-system/flux-system and OCIRepository/flux-system/flux-system are
# always known), e.g. the sync source of a FluxInstance with another name. Paths of
# Kustomizations that use them are resolved in this repository.
this-repository = []
# The folder of this repository each source's artifact is made of, when it is not the
# repository root: an OCI artifact CI pushes with `flux push artifact --path=./kubernetes`.
# Kustomization paths of that source are resolved under it. anton reads the --path of a
# `flux push artifact` in .github/workflows itself, and otherwise takes the folder under
# which the source's paths resolve.
# roots = {{ "OCIRepository/flux-system/flux-system" = "./kubernetes" }}

[flux]
# Reconcile intervals under this are reported (flux/interval-too-short).
min-interval = "1m"

[ingress]
# IngressClass names, for ingress/external-dns-on-internal.
internal-classes = ["internal"]
external-classes = ["external"]
"#,
        k8s = DEFAULT_KUBERNETES_VERSION,
        flux = DEFAULT_FLUX_VERSION,
        families = families.join(", "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str) -> Result<Settings, ConfigError> {
        Settings::resolve(ConfigFile::parse(text, Path::new(".anton.toml"))?, CliOverrides::default(), None)
    }

    #[test]
    fn the_default_config_text_is_the_default() {
        let parsed = settings(&default_config_text()).unwrap();
        assert_eq!(parsed.kubernetes_version, DEFAULT_KUBERNETES_VERSION);
        assert_eq!(parsed.min_interval_seconds, 60.0);
        assert!(registry::RULES.iter().all(|rule| parsed.is_enabled(rule.id)));
    }

    #[test]
    fn select_ignore_severity_and_overrides() {
        let parsed = settings(
            r#"
[rules]
select = ["flux", "k8s/latest-tag"]
ignore = ["flux/prune-unset"]
severity = { "flux" = "critical", "flux/no-timeout" = "warning" }

[[overrides]]
paths = ["apps/sandbox/**"]
ignore = ["k8s"]
severity = { "flux/no-timeout" = "info" }
"#,
        )
        .unwrap();
        assert!(parsed.is_enabled("flux/no-timeout"));
        assert!(!parsed.is_enabled("flux/prune-unset"));
        assert!(parsed.is_enabled("k8s/latest-tag"));
        assert!(!parsed.is_enabled("k8s/no-resources"));
        assert!(!parsed.is_enabled_at("k8s/latest-tag", Some("apps/sandbox/x/deploy.yaml")));
        assert!(parsed.is_enabled_at("k8s/latest-tag", Some("apps/prod/deploy.yaml")));
        assert_eq!(parsed.severity_for("flux/no-timeout", None), Some(Severity::Warning));
        assert_eq!(parsed.severity_for("flux/unpinned-chart", None), Some(Severity::Critical));
        assert_eq!(parsed.severity_for("flux/no-timeout", Some("apps/sandbox/ks.yaml")), Some(Severity::Info));
    }

    #[test]
    fn mistakes_are_reported_with_the_file() {
        let error = settings("[rules]\nignore = [\"flux/no-timout\"]\n").unwrap_err().to_string();
        assert!(error.contains("flux/no-timout") && error.contains("flux/no-timeout"), "{error}");
        let error = settings("[rules]\nseverity = { \"flux/no-timeout\" = \"loud\" }\n").unwrap_err().to_string();
        assert!(error.contains("loud"), "{error}");
        let error = settings("[rulez]\n").unwrap_err().to_string();
        assert!(error.contains("rulez"), "{error}");
        let error = settings("[sources]\nknown = [\"flux-system\"]\n").unwrap_err().to_string();
        assert!(error.contains("Kind/namespace/name"), "{error}");
    }

    #[test]
    fn local_sources_extend_the_bootstrap_sources() {
        let parsed = settings(
            "[sources]\nknown = [\"HelmRepository/flux-system/private\"]\nthis-repository = [\"OCIRepository/flux-system/cluster\"]\n",
        )
        .unwrap();
        let options = parsed.graph_options();
        assert!(options.bootstrap_sources.contains(&("OCIRepository".into(), "flux-system".into(), "cluster".into())));
        assert!(!options.bootstrap_sources.iter().any(|(_, _, name)| name == "private"));
        assert_eq!(parsed.known_sources, [("HelmRepository".into(), "flux-system".into(), "private".into())]);
        assert!(options.bootstrap_sources.contains(&("GitRepository".into(), "flux-system".into(), "flux-system".into())));
    }

    #[test]
    fn source_roots_reach_the_graph() {
        let parsed = settings("[sources]\nroots = { \"OCIRepository/flux-system/flux-system\" = \"./kubernetes\" }\n").unwrap();
        assert_eq!(
            parsed.graph_options().source_roots,
            [(("OCIRepository".into(), "flux-system".into(), "flux-system".into()), "./kubernetes".into())]
        );
        let error = settings("[sources]\nroots = { \"flux-system\" = \"x\" }\n").unwrap_err().to_string();
        assert!(error.contains("sources.roots") && error.contains("Kind/namespace/name"), "{error}");
    }
}
