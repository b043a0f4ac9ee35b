//! `anton build`: the objects a Flux Kustomization (by name) or a
//! kustomization folder (by path) produces — offline, like
//! `flux build kustomization --dry-run` and `kubectl kustomize`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anton_build::{FluxBuild, FluxBuilds, render};
use anton_core::{ExitStatus, Finding, Severity};
use anton_flux::{Graph, GraphOptions};
use anton_kustomize::{Emitted, Engine};
use anton_repo::{LoadOptions, Repository};
use clap::Args;
use serde_json::{Value, json};

use crate::cli::{GlobalArgs, OutputFormat};
use crate::commands::resolve_target;
use crate::table::{Fit, Table};

pub const AFTER_HELP: &str = "Examples:\n  anton build cluster-apps                 # a Flux Kustomization, by name\n  anton build cloudflared -n flux-system --json\n  anton build ./kubernetes/apps/network/cloudflared/app   # a kustomization folder, like kubectl kustomize\n  anton build --all --summary              # objects by kind, per Flux Kustomization\n  anton build podinfo --cluster staging    # in a repository with several clusters\n\nSecret values print as <redacted> unless --show-secrets is given.";

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// A Flux Kustomization's name, or the path of a kustomization folder.
    pub target: Option<String>,
    /// The Flux Kustomization's namespace, when its name is not unique.
    #[arg(long, short = 'n')]
    pub namespace: Option<String>,
    /// Repository folder to read (default: as for `anton validate`; for a
    /// folder target, the git repository around it).
    #[arg(long, value_name = "PATH")]
    pub repo: Option<PathBuf>,
    /// Build every Flux Kustomization.
    #[arg(long, conflicts_with = "target")]
    pub all: bool,
    /// Only this cluster's Flux Kustomizations, built with its own variables
    /// (a repository with several clusters): the cluster's name, e.g.
    /// `staging`, or the folder of its entry point, e.g. `clusters/staging/flux-system`.
    #[arg(long, value_name = "NAME")]
    pub cluster: Option<String>,
    /// Print the count of objects by kind instead of the objects.
    #[arg(long)]
    pub summary: bool,
    /// Print Secret values (they are `<redacted>` by default).
    #[arg(long)]
    pub show_secrets: bool,
    #[command(flatten)]
    pub table: crate::table::TableArgs,
}

fn fail(message: impl std::fmt::Display) -> ExitStatus {
    let _ = writeln!(super::stderr(), "anton build: {message}");
    ExitStatus::ToolError
}

pub fn run(args: &BuildArgs, global: &GlobalArgs) -> ExitStatus {
    anton_core::secrets::reveal(args.show_secrets);
    let json = global.output_format() == OutputFormat::Json;
    match (&args.target, args.all) {
        (None, false) => fail("name a Flux Kustomization or a kustomization folder, or pass --all"),
        (Some(target), _) if Path::new(target).is_dir() => build_folder(Path::new(target), args, json),
        // Names of Flux Kustomizations have no `/` and do not start with `.`.
        (Some(target), _) if target.contains('/') || target.starts_with('.') => {
            fail(format!("{target}: no such folder; name a kustomization folder or a Flux Kustomization"))
        }
        _ => build_flux(args, json),
    }
}

/// `anton build ./some/folder`: kustomize semantics (or Flux's generated
/// kustomization when the folder has none).
fn build_folder(folder: &Path, args: &BuildArgs, json: bool) -> ExitStatus {
    let Ok(folder) = folder.canonicalize() else { return fail(format!("{}: cannot be read", folder.display())) };
    let scan = match &args.repo {
        Some(repo) => repo.clone(),
        None => anton_repo::find_repository_root(&folder).unwrap_or_else(|| folder.clone()),
    };
    let options = LoadOptions { respect_gitignore: true, root: None, other_texts: false, explicit_dir: Some(folder.clone()) };
    let repo = match Repository::load(&scan, &options) {
        Ok(repo) => repo,
        Err(error) => return fail(error),
    };
    let Some(dir) = repo.relative(&folder) else {
        return fail(format!("{} is outside the repository {}", folder.display(), repo.root.display()));
    };
    let engine = Engine::new(&repo);
    let build = engine.build_flux_path(&dir);
    let mut findings = engine.take_findings();
    // What the loader could not read or parse under the folder (a syntax
    // error, an alias bomb cut off): the build is incomplete without it.
    findings.extend(load_findings_under(&repo, std::slice::from_ref(&dir)));
    let label = if dir.is_empty() { ".".to_owned() } else { dir.clone() };
    let status = print_findings(&findings);
    let out = Output { name: label, namespace: None, path: Some(dir), objects: &build.objects, skipped: None };
    write(&[out], args, json);
    status
}

/// `anton build NAME` / `--all`: Flux semantics, following the chain from the roots.
fn build_flux(args: &BuildArgs, json: bool) -> ExitStatus {
    let target = resolve_target(args.repo.as_deref());
    let repo = match Repository::load(&target, &LoadOptions { other_texts: false, ..LoadOptions::default() }) {
        Ok(repo) => repo,
        Err(error) => return fail(error),
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let command = if args.all { "anton build --all --repo" } else { "anton build NAME --repo" };
    if let Err(report) = crate::target::require_manifests(&repo, args.repo.as_deref(), &cwd, command) {
        return fail(report.issues.join("; "));
    }
    let engine = Engine::new(&repo);
    let graph = Graph::build(&engine, GraphOptions::default());
    // A folder's own problems are found once, when the graph builds it (an
    // overlay build reuses what was gathered then): keep them for the filter below.
    let mut engine_findings = engine.take_findings();
    let builds = FluxBuilds::build(&engine, &graph);
    engine_findings.extend(engine.take_findings());
    let clusters = Clusters::of(&graph, &builds);
    let cluster = match &args.cluster {
        None => None,
        Some(wanted) => match clusters.find(wanted) {
            Ok(cluster) => Some(cluster),
            Err(message) => return fail(message),
        },
    };
    let in_cluster = |b: &&FluxBuild| cluster.is_none_or(|c| graph.nodes[b.node].cluster == c);
    let selected: Vec<&FluxBuild> = match &args.target {
        None => {
            let selected: Vec<&FluxBuild> = builds
                .builds
                .iter()
                .filter(|b| args.namespace.as_ref().is_none_or(|ns| *ns == b.namespace))
                .filter(in_cluster)
                .collect();
            if selected.is_empty() {
                return fail(format!(
                    "no Flux Kustomization{}{} in {}: nothing to build",
                    args.namespace.as_ref().map(|ns| format!(" in namespace {ns}")).unwrap_or_default(),
                    cluster.map(|c| format!(" of cluster {}", clusters.describe(c))).unwrap_or_default(),
                    repo.scan_root.display()
                ));
            }
            selected
        }
        Some(name) => {
            let found: Vec<&FluxBuild> = builds.find(name, args.namespace.as_deref()).into_iter().filter(in_cluster).collect();
            // The same Kustomization in the trees of several clusters is
            // built with each cluster's variables: which one is for --cluster to say.
            let mut found_in: Vec<usize> = found.iter().map(|b| graph.nodes[b.node].cluster).collect();
            found_in.sort();
            found_in.dedup();
            if found_in.len() > 1 {
                let names: Vec<String> = found_in.iter().map(|&c| clusters.describe(c)).collect();
                return fail(format!(
                    "`{name}` is applied in {} clusters: {}; pass --cluster with one of them",
                    found_in.len(),
                    names.join(", ")
                ));
            }
            match found.len() {
                0 => {
                    return fail(format!(
                        "no Flux Kustomization named `{name}`{}{} in {}; {}",
                        args.namespace.as_ref().map(|ns| format!(" in namespace {ns}")).unwrap_or_default(),
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
                    return fail(format!(
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
    let mut status = print_findings(&findings);
    for build in &selected {
        if let Some(reason) = &build.skipped {
            let _ = writeln!(super::stderr(), "anton build: {}: not built: {reason}", build.id());
            // Empty output is not a build: a named Kustomization that could
            // not be built is an error; with --all, a warning.
            let floor = if args.all { ExitStatus::Warnings } else { ExitStatus::ToolError };
            if (status as u8) < (floor as u8) {
                status = floor;
            }
        }
        for undefined in &build.substitution.undefined {
            let _ = writeln!(
                super::stderr(),
                "{}: note: ${{{}}} has no value in {}; shown as written (Flux would substitute an empty string)",
                engine.span_location(undefined.span),
                undefined.name,
                build.id()
            );
        }
        if build.failed && (status as u8) < (ExitStatus::Critical as u8) {
            status = ExitStatus::Critical;
        }
        // Empty output is never a silent success.
        if build.skipped.is_none() && build.objects.is_empty() {
            let _ = writeln!(
                super::stderr(),
                "anton build: {}: built nothing: spec.path `./{}` holds no objects",
                build.id(),
                build.dir.as_deref().unwrap_or_default()
            );
            if (status as u8) < (ExitStatus::Warnings as u8) {
                status = ExitStatus::Warnings;
            }
        }
    }
    let outputs: Vec<Output<'_>> = selected
        .iter()
        .map(|b| Output {
            name: b.name.clone(),
            namespace: Some(b.namespace.clone()),
            path: b.dir.clone(),
            objects: &b.objects,
            skipped: b.skipped.clone(),
        })
        .collect();
    write(&outputs, args, json);
    status
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

struct Output<'a> {
    name: String,
    namespace: Option<String>,
    path: Option<String>,
    objects: &'a [Emitted],
    skipped: Option<String>,
}

impl Output<'_> {
    fn kinds(&self) -> BTreeMap<String, usize> {
        let mut kinds = BTreeMap::new();
        for object in self.objects {
            *kinds.entry(object.id.kind.clone()).or_insert(0) += 1;
        }
        kinds
    }

    /// The objects as JSON, in `kubectl kustomize`'s order.
    fn items(&self, show_secrets: bool) -> Vec<Value> {
        let mut objects = self.objects.to_vec();
        anton_kustomize::sort_for_output(&mut objects);
        objects.iter().map(|o| render::object_json(&o.node, show_secrets)).collect()
    }
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

fn print_findings(findings: &[Finding]) -> ExitStatus {
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let mut stderr = super::stderr();
    for finding in &sorted {
        let _ = writeln!(stderr, "{}", finding.issue_line());
    }
    match sorted.iter().map(|f| f.severity).max() {
        Some(Severity::Critical) => ExitStatus::Critical,
        Some(Severity::Warning) => ExitStatus::Warnings,
        _ => ExitStatus::Healthy,
    }
}

fn write(outputs: &[Output<'_>], args: &BuildArgs, json: bool) {
    let mut out = super::stdout();
    // A closed pipe (`anton build … | head`) is not an error worth reporting.
    let _ = if json { write_json(&mut out, outputs, args) } else { write_text(&mut out, outputs, args) };
    let _ = out.flush();
}

fn write_json(out: &mut dyn Write, outputs: &[Output<'_>], args: &BuildArgs) -> std::io::Result<()> {
    let value = if !args.all && outputs.len() == 1 && !args.summary {
        json!({"apiVersion": "v1", "kind": "List", "items": outputs[0].items(args.show_secrets)})
    } else {
        let entries: Vec<Value> = outputs
            .iter()
            .map(|o| {
                let mut entry = json!({
                    "name": o.name,
                    "namespace": o.namespace,
                    "path": o.path,
                    "objects": o.objects.len(),
                    "kinds": o.kinds(),
                });
                if let Some(reason) = &o.skipped {
                    entry["skipped"] = json!(reason);
                }
                if !args.summary {
                    entry["items"] = Value::Array(o.items(args.show_secrets));
                }
                entry
            })
            .collect();
        json!({ "kustomizations": entries })
    };
    writeln!(out, "{}", serde_json::to_string_pretty(&value).unwrap_or_default())
}

fn write_text(out: &mut dyn Write, outputs: &[Output<'_>], args: &BuildArgs) -> std::io::Result<()> {
    if args.summary {
        let mut table = Table::new([
            ("NAMESPACE", Fit::Keep),
            ("NAME", Fit::Keep),
            ("PATH", Fit::Start),
            ("OBJECTS", Fit::Keep),
            ("KINDS", Fit::End),
        ])
        .droppable(&["PATH"]);
        for o in outputs {
            let kinds: Vec<String> = o.kinds().into_iter().map(|(kind, n)| format!("{kind}={n}")).collect();
            table.row([
                o.namespace.clone().unwrap_or_else(|| "-".into()),
                o.name.clone(),
                o.path.as_deref().map(|p| if p.is_empty() { "." } else { p }).unwrap_or("-").to_owned(),
                o.objects.len().to_string(),
                match &o.skipped {
                    Some(reason) => format!("not built: {reason}"),
                    None => kinds.join(", "),
                },
            ]);
        }
        table.write(out, args.table.width())?;
        return Ok(());
    }
    let many = args.all || outputs.len() > 1;
    let mut first = true;
    for o in outputs {
        let items = o.items(args.show_secrets);
        if many {
            if !first {
                writeln!(out, "---")?;
            }
            writeln!(
                out,
                "# Kustomization {}/{} ({})",
                o.namespace.as_deref().unwrap_or("-"),
                o.name,
                o.skipped.as_deref().map(|r| format!("not built: {r}")).or_else(|| o.path.clone()).unwrap_or_default()
            )?;
        } else if !first {
            writeln!(out, "---")?;
        }
        if !items.is_empty() {
            write!(out, "{}", render::yaml_stream(&items))?;
            first = false;
        } else if many {
            first = false;
        }
    }
    Ok(())
}
