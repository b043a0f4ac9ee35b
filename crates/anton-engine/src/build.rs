//! `anton build`: the objects a Flux Kustomization (by name) or a
//! kustomization folder (by path) produces — offline, like
//! `flux build kustomization --dry-run` and `kubectl kustomize`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anton_build::{FluxBuild, FluxBuilds, render};
use anton_core::{ExitStatus, Finding, Report, Severity};
use anton_flux::{Graph, GraphOptions};
use anton_kustomize::{Emitted, Engine};
use anton_repo::{LoadOptions, Repository};
use serde_json::{Value, json};

/// What to build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// A Flux Kustomization's name, or the path of a kustomization folder;
    /// `None` with `all`.
    pub target: Option<String>,
    /// The Flux Kustomization's namespace, when its name is not unique.
    pub namespace: Option<String>,
    /// Repository folder to read; `None`: as for [`crate::validate()`] (for a
    /// folder target, the git repository around it).
    pub repo: Option<PathBuf>,
    /// Build every Flux Kustomization.
    pub all: bool,
    /// Only this cluster's Flux Kustomizations (its name or folder).
    pub cluster: Option<String>,
    /// Render the objects ([`Output::items`]); off: only counts by kind.
    pub items: bool,
    /// Keep Secret values in the items (they are `<redacted>` otherwise).
    pub show_secrets: bool,
}

/// A build: its findings (sorted), notes for the person running it (a
/// Kustomization not built, an undefined variable), the exit status they
/// make, and what each Kustomization built.
#[derive(Debug)]
pub struct Built {
    pub findings: Vec<Finding>,
    pub notes: Vec<String>,
    pub status: ExitStatus,
    pub outputs: Vec<Output>,
}

/// What one Flux Kustomization (or the folder) built.
#[derive(Debug)]
pub struct Output {
    pub name: String,
    pub namespace: Option<String>,
    /// The folder built, repository-relative (`""`: the root).
    pub path: Option<String>,
    pub objects: usize,
    pub kinds: BTreeMap<String, usize>,
    /// Why it was not built.
    pub skipped: Option<String>,
    /// The objects as JSON, in `kubectl kustomize`'s order (with [`BuildOptions::items`]).
    pub items: Vec<Value>,
}

impl Output {
    fn of(name: String, namespace: Option<String>, path: Option<String>, objects: &[Emitted], skipped: Option<String>, options: &BuildOptions) -> Output {
        let mut kinds = BTreeMap::new();
        for object in objects {
            *kinds.entry(object.id.kind.clone()).or_insert(0) += 1;
        }
        let items = if options.items {
            let mut sorted = objects.to_vec();
            anton_kustomize::sort_for_output(&mut sorted);
            sorted.iter().map(|o| render::object_json(&o.node, options.show_secrets)).collect()
        } else {
            Vec::new()
        };
        Output { name, namespace, path, objects: objects.len(), kinds, skipped, items }
    }

    /// `{name, namespace, path, objects, kinds, skipped?}` (and `items` when rendered).
    pub fn to_json(&self, with_items: bool) -> Value {
        let mut entry = json!({
            "name": self.name,
            "namespace": self.namespace,
            "path": self.path,
            "objects": self.objects,
            "kinds": self.kinds,
        });
        if let Some(reason) = &self.skipped {
            entry["skipped"] = json!(reason);
        }
        if with_items {
            entry["items"] = Value::Array(self.items.clone());
        }
        entry
    }
}

impl Built {
    /// The build as the report contract: its findings, the notes as
    /// issues, `details.kustomizations` (with the items when rendered).
    pub fn report(&self) -> Report {
        let subjects: Vec<String> = self.outputs.iter().map(|o| match &o.namespace {
            Some(ns) => format!("Kustomization/{ns}/{}", o.name),
            None => o.name.clone(),
        }).collect();
        let entries: Vec<Value> = self.outputs.iter().map(|o| o.to_json(!o.items.is_empty())).collect();
        let mut report = Report::new(subjects, self.findings.clone()).with_detail("kustomizations", Value::Array(entries));
        if !self.notes.is_empty() {
            report = report.with_detail("notes", json!(self.notes));
        }
        report
    }
}

/// Builds what `options` names. `Err`: why nothing could be built.
pub fn build(options: &BuildOptions) -> Result<Built, String> {
    match (&options.target, options.all) {
        (None, false) => Err("name a Flux Kustomization or a kustomization folder, or pass --all".to_owned()),
        (Some(target), _) if Path::new(target).is_dir() => build_folder(Path::new(target), options),
        // Names of Flux Kustomizations have no `/` and do not start with `.`.
        (Some(target), _) if target.contains('/') || target.starts_with('.') => {
            Err(format!("{target}: no such folder; name a kustomization folder or a Flux Kustomization"))
        }
        _ => build_flux(options),
    }
}

/// A kustomization folder: kustomize semantics (or Flux's generated
/// kustomization when the folder has none).
fn build_folder(folder: &Path, options: &BuildOptions) -> Result<Built, String> {
    let Ok(folder) = folder.canonicalize() else { return Err(format!("{}: cannot be read", folder.display())) };
    let scan = match &options.repo {
        Some(repo) => repo.clone(),
        None => anton_repo::find_repository_root(&folder).unwrap_or_else(|| folder.clone()),
    };
    let load = LoadOptions { respect_gitignore: true, root: None, other_texts: false, explicit_dir: Some(folder.clone()) };
    let repo = Repository::load(&scan, &load).map_err(|error| error.to_string())?;
    let Some(dir) = repo.relative(&folder) else {
        return Err(format!("{} is outside the repository {}", folder.display(), repo.root.display()));
    };
    let engine = Engine::new(&repo);
    let build = engine.build_flux_path(&dir);
    let mut findings = engine.take_findings();
    // What the loader could not read or parse under the folder (a syntax
    // error, an alias bomb cut off): the build is incomplete without it.
    findings.extend(load_findings_under(&repo, std::slice::from_ref(&dir)));
    let label = if dir.is_empty() { ".".to_owned() } else { dir.clone() };
    let status = status_of(&findings);
    let output = Output::of(label, None, Some(dir), &build.objects, None, options);
    Ok(Built { findings: sorted(findings), notes: Vec::new(), status, outputs: vec![output] })
}

/// Flux Kustomizations by name or `--all`: Flux semantics, following the chain from the roots.
fn build_flux(options: &BuildOptions) -> Result<Built, String> {
    let target = crate::target::resolve_target(options.repo.as_deref());
    let repo = Repository::load(&target, &LoadOptions { other_texts: false, ..LoadOptions::default() })
        .map_err(|error| error.to_string())?;
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let command = if options.all { "anton build --all --repo" } else { "anton build NAME --repo" };
    crate::target::require_manifests(&repo, options.repo.as_deref(), &cwd, command).map_err(|report| report.issues.join("; "))?;
    let engine = Engine::new(&repo);
    let graph = Graph::build(&engine, GraphOptions::default());
    // A folder's own problems are found once, when the graph builds it (an
    // overlay build reuses what was gathered then): keep them for the filter below.
    let mut engine_findings = engine.take_findings();
    let builds = FluxBuilds::build(&engine, &graph);
    engine_findings.extend(engine.take_findings());
    let clusters = Clusters::of(&graph, &builds);
    let cluster = match &options.cluster {
        None => None,
        Some(wanted) => match clusters.find(wanted) {
            Ok(cluster) => Some(cluster),
            Err(message) => return Err(message),
        },
    };
    let in_cluster = |b: &&FluxBuild| cluster.is_none_or(|c| graph.nodes[b.node].cluster == c);
    let selected: Vec<&FluxBuild> = match &options.target {
        None => {
            let selected: Vec<&FluxBuild> = builds
                .builds
                .iter()
                .filter(|b| options.namespace.as_ref().is_none_or(|ns| *ns == b.namespace))
                .filter(in_cluster)
                .collect();
            if selected.is_empty() {
                return Err(format!(
                    "no Flux Kustomization{}{} in {}: nothing to build",
                    options.namespace.as_ref().map(|ns| format!(" in namespace {ns}")).unwrap_or_default(),
                    cluster.map(|c| format!(" of cluster {}", clusters.describe(c))).unwrap_or_default(),
                    repo.scan_root.display()
                ));
            }
            selected
        }
        Some(name) => {
            let found: Vec<&FluxBuild> = builds.find(name, options.namespace.as_deref()).into_iter().filter(in_cluster).collect();
            // The same Kustomization in the trees of several clusters is
            // built with each cluster's variables: which one is for --cluster to say.
            let mut found_in: Vec<usize> = found.iter().map(|b| graph.nodes[b.node].cluster).collect();
            found_in.sort();
            found_in.dedup();
            if found_in.len() > 1 {
                let names: Vec<String> = found_in.iter().map(|&c| clusters.describe(c)).collect();
                return Err(format!(
                    "`{name}` is applied in {} clusters: {}; pass --cluster with one of them",
                    found_in.len(),
                    names.join(", ")
                ));
            }
            match found.len() {
                0 => {
                    return Err(format!(
                        "no Flux Kustomization named `{name}`{}{} in {}; {}",
                        options.namespace.as_ref().map(|ns| format!(" in namespace {ns}")).unwrap_or_default(),
                        cluster.map(|c| format!(" in cluster {}", clusters.describe(c))).unwrap_or_default(),
                        repo.scan_root.display(),
                        suggestions(&builds, name)
                    ));
                }
                1 => found,
                _ => {
                    let mut names: Vec<String> = found.iter().map(|b| b.id()).collect();
                    names.sort();
                    names.dedup();
                    // The same name and namespace in the trees of several clusters.
                    let how = if names.len() == 1 { "--repo with one cluster's folder" } else { "--namespace" };
                    return Err(format!(
                        "`{name}` names {} Flux Kustomizations ({}); pass {how}",
                        found.len(),
                        names.join(", ")
                    ));
                }
            }
        }
    };
    // The findings of what was built: Flux's for these Kustomizations, and
    // kustomize's inside the folders they build.
    let mut findings: Vec<Finding> = builds
        .findings
        .iter()
        .filter(|f| f.object.as_ref().is_some_and(|o| selected.iter().any(|b| b.id() == *o)))
        .cloned()
        .collect();
    findings.extend(engine_findings.into_iter().filter(|f| {
        f.location.as_ref().is_some_and(|l| {
            selected.iter().any(|b| b.dir.as_deref().is_some_and(|d| d.is_empty() || l.file.starts_with(&format!("{d}/"))))
        })
    }));
    let dirs: Vec<String> = selected.iter().filter_map(|b| b.dir.clone()).collect();
    findings.extend(load_findings_under(&repo, &dirs));
    let mut status = status_of(&findings);
    let mut notes = Vec::new();
    for build in &selected {
        if let Some(reason) = &build.skipped {
            notes.push(format!("anton build: {}: not built: {reason}", build.id()));
            // Empty output is not a build: a named Kustomization that could
            // not be built is an error; with --all, a warning.
            let floor = if options.all { ExitStatus::Warnings } else { ExitStatus::ToolError };
            if (status as u8) < (floor as u8) {
                status = floor;
            }
        }
        for undefined in &build.substitution.undefined {
            notes.push(format!(
                "{}: note: ${{{}}} has no value in {}; shown as written (Flux would substitute an empty string)",
                engine.span_location(undefined.span),
                undefined.name,
                build.id()
            ));
        }
        if build.failed && (status as u8) < (ExitStatus::Critical as u8) {
            status = ExitStatus::Critical;
        }
        // Empty output is never a silent success.
        if build.skipped.is_none() && build.objects.is_empty() {
            notes.push(format!(
                "anton build: {}: built nothing: spec.path `./{}` holds no objects",
                build.id(),
                build.dir.as_deref().unwrap_or_default()
            ));
            if (status as u8) < (ExitStatus::Warnings as u8) {
                status = ExitStatus::Warnings;
            }
        }
    }
    let outputs: Vec<Output> = selected
        .iter()
        .map(|b| Output::of(b.name.clone(), Some(b.namespace.clone()), b.dir.clone(), &b.objects, b.skipped.clone(), options))
        .collect();
    Ok(Built { findings: sorted(findings), notes, status, outputs })
}

/// The clusters of a repository: each group of entry points (its
/// `flux-system` Kustomization, say) with the Kustomizations they apply.
struct Clusters {
    /// (graph cluster id, folder of its entry points, short name).
    known: Vec<(usize, String, String)>,
}

impl Clusters {
    /// The clusters that have a Flux Kustomization to build.
    fn of(graph: &Graph, builds: &FluxBuilds) -> Clusters {
        let mut ids: Vec<usize> = builds.builds.iter().map(|b| graph.nodes[b.node].cluster).collect();
        ids.sort();
        ids.dedup();
        let known = ids
            .into_iter()
            .filter_map(|id| {
                let folder = graph.clusters.get(id)?.clone();
                // `clusters/staging/flux-system` is the cluster `staging`.
                let short = folder.rsplit('/').find(|part| *part != "flux-system" && *part != ".").unwrap_or(&folder).to_owned();
                Some((id, folder, short))
            })
            .collect();
        Clusters { known }
    }

    fn describe(&self, id: usize) -> String {
        match self.known.iter().find(|(known, _, _)| *known == id) {
            Some((_, folder, short)) if folder != short => format!("{short} ({folder})"),
            Some((_, folder, _)) => folder.clone(),
            None => id.to_string(),
        }
    }

    /// The cluster `wanted` names: its folder, its short name, or a folder
    /// part of it when only one cluster has that part.
    fn find(&self, wanted: &str) -> Result<usize, String> {
        let wanted = wanted.trim_end_matches('/').trim_start_matches("./");
        let exact: Vec<usize> =
            self.known.iter().filter(|(_, folder, short)| folder == wanted || short == wanted).map(|(id, _, _)| *id).collect();
        let matching = if exact.is_empty() {
            self.known.iter().filter(|(_, folder, _)| folder.split('/').any(|part| part == wanted)).map(|(id, _, _)| *id).collect()
        } else {
            exact
        };
        let all: Vec<String> = self.known.iter().map(|(id, _, _)| self.describe(*id)).collect();
        match matching.as_slice() {
            [one] => Ok(*one),
            [] => Err(format!("no cluster `{wanted}`; the clusters are: {}", all.join(", "))),
            several => {
                let names: Vec<String> = several.iter().map(|&id| self.describe(id)).collect();
                Err(format!("`{wanted}` names {} clusters ({}); pass one of: {}", several.len(), names.join(", "), all.join(", ")))
            }
        }
    }
}

/// A few names like `name` (or the first few), not the whole list: a large
/// repository has thousands.
fn suggestions(builds: &FluxBuilds, name: &str) -> String {
    const SHOWN: usize = 8;
    let mut known: Vec<String> = builds.builds.iter().map(FluxBuild::id).collect();
    known.sort();
    known.dedup();
    if known.is_empty() {
        return "it has none".to_owned();
    }
    let wanted = name.to_lowercase();
    let similar: Vec<&String> = known.iter().filter(|id| id.to_lowercase().contains(&wanted)).collect();
    let (label, shown): (&str, Vec<&String>) = if similar.is_empty() {
        ("some it has", known.iter().take(SHOWN).collect())
    } else {
        ("similar", similar.into_iter().take(SHOWN).collect())
    };
    let names: Vec<&str> = shown.iter().map(|id| id.as_str()).collect();
    let more = if known.len() > names.len() { "; `anton build --all --summary` lists them all" } else { "" };
    format!("{label}: {}{more}", names.join(", "))
}

/// The loader's findings (files that do not parse or cannot be read) inside
/// `dirs` (repository-relative; `""` is the root).
fn load_findings_under(repo: &Repository, dirs: &[String]) -> Vec<Finding> {
    repo.findings
        .iter()
        .filter(|f| {
            f.location.as_ref().is_some_and(|l| {
                dirs.iter().any(|d| d.is_empty() || l.file.starts_with(&format!("{d}/")) || l.file == *d)
            })
        })
        .cloned()
        .collect()
}

fn sorted(mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings
}

/// The exit status the findings alone make.
fn status_of(findings: &[Finding]) -> ExitStatus {
    match findings.iter().map(|f| f.severity).max() {
        Some(Severity::Critical) => ExitStatus::Critical,
        Some(Severity::Warning) => ExitStatus::Warnings,
        _ => ExitStatus::Healthy,
    }
}
