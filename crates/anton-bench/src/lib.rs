//! Synthetic Flux GitOps repositories for measuring anton.
//!
//! [`generate`] lays out a repository the way the Anton cluster (and most
//! Flux homelabs) does — `kubernetes/flux/cluster/ks.yaml` with the
//! `cluster-meta` and `cluster-apps` roots, chart sources in
//! `kubernetes/flux/meta/repos`, and one folder per namespace and app under
//! `kubernetes/apps` — with exactly the number of files asked for.
//!
//! With [`Options::clusters`] it lays the same apps out as a fleet instead:
//! several clusters in one repository with the same Flux Kustomization
//! names, sharing the apps' bases (see [`fleet`](crate::fleet)).
//!
//! The output depends only on [`Options`]: no clock, no entropy, no
//! environment. The repository is meant to validate clean (`anton validate`
//! reports nothing), so a benchmark measures the work on a healthy
//! repository, not the cost of rendering findings.

mod fleet;
mod names;
mod render;
mod rng;

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::path::Path;

use crate::rng::Rng;

/// The default seed: any fixed number would do.
pub const DEFAULT_SEED: u64 = 0x0061_6e74_6f6e; // "anton" in ASCII

/// Fewer files than this cannot hold the skeleton and one app.
pub const MIN_FILES: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Files to write, all of them (YAML and generator inputs); for a fleet,
    /// the size of the one-cluster repository whose apps every cluster runs.
    pub files: usize,
    pub seed: u64,
    /// `Some(n)`: a fleet of `n` clusters in one repository (`clusters/<name>/`
    /// entry points over shared app bases); `None`: one cluster in the Anton layout.
    pub clusters: Option<usize>,
}

impl Options {
    pub fn new(files: usize) -> Self {
        Self { files, seed: DEFAULT_SEED, clusters: None }
    }

    /// A fleet of `clusters` clusters, each running the apps of the
    /// `files`-file one-cluster repository.
    pub fn fleet(files: usize, clusters: usize) -> Self {
        Self { clusters: Some(clusters), ..Self::new(files) }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    TooFewFiles { asked: usize },
    NoClusters,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::TooFewFiles { asked } => {
                write!(f, "{asked} files cannot hold a repository; ask for at least {MIN_FILES}")
            }
            Error::NoClusters => write!(f, "a fleet needs at least one cluster"),
        }
    }
}

impl std::error::Error for Error {}

/// One file of the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Relative to the repository root, with `/` separators.
    pub path: String,
    pub contents: String,
}

/// What a generated repository holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub files: usize,
    pub clusters: usize,
    pub yaml_files: usize,
    pub namespaces: usize,
    pub apps: usize,
    pub flux_kustomizations: usize,
    pub helm_releases: usize,
    pub helm_repositories: usize,
    /// Folders with a `kustomization.yaml`, the Component included.
    pub kustomization_dirs: usize,
    pub lines: usize,
}

#[derive(Debug, Clone)]
pub struct Repository {
    pub files: Vec<File>,
    pub stats: Stats,
}

impl Repository {
    /// Writes every file under `root`, creating folders as needed.
    pub fn write_to(&self, root: &Path) -> io::Result<()> {
        for file in &self.files {
            let path = root.join(&file.path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, &file.contents)?;
        }
        Ok(())
    }

    /// Repository-relative folders that hold a `kustomization.yaml`, sorted.
    pub fn kustomization_dirs(&self) -> Vec<&str> {
        let mut dirs: Vec<&str> = self
            .files
            .iter()
            .filter_map(|f| f.path.strip_suffix("/kustomization.yaml"))
            .collect();
        dirs.sort_unstable();
        dirs
    }
}

/// Which plain manifests an app folder carries besides its HelmRelease.
#[derive(Debug, Clone, Default)]
pub(crate) struct Extras {
    pub deployment: bool,
    pub service: bool,
    pub config_map: bool,
    pub external_secret: bool,
    /// More ConfigMaps, to land on the exact file count.
    pub padding: usize,
}

impl Extras {
    fn count(&self) -> usize {
        usize::from(self.deployment)
            + usize::from(self.service)
            + usize::from(self.config_map)
            + usize::from(self.external_secret)
            + self.padding
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConfigFile {
    Yaml,
    Ini,
    Json,
}

impl ConfigFile {
    pub(crate) fn file_name(self) -> &'static str {
        match self {
            ConfigFile::Yaml => "config.yaml",
            ConfigFile::Ini => "app.conf",
            ConfigFile::Json => "settings.json",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct App {
    pub index: usize,
    pub name: String,
    pub namespace: String,
    /// Index into the HelmRepository list.
    pub chart_source: usize,
    /// Flux Kustomizations (all in flux-system) this app's Kustomization waits for.
    pub depends_on: Vec<String>,
    /// A HelmRelease of the same namespace this app's HelmRelease waits for.
    pub release_depends_on: Option<String>,
    pub extras: Extras,
    pub config_file: ConfigFile,
    /// A second Flux Kustomization (`<app>-addons`) for resources applied after the release.
    pub addons: bool,
    pub release_lines: usize,
}

impl App {
    /// ks.yaml, app/kustomization.yaml, app/helmrelease.yaml, the generator input.
    const BASE_FILES: usize = 4;
    /// addons/kustomization.yaml, addons/prometheusrule.yaml, addons/externalsecret.yaml.
    const ADDON_FILES: usize = 3;

    fn files(&self) -> usize {
        Self::BASE_FILES + self.extras.count() + if self.addons { Self::ADDON_FILES } else { 0 }
    }

    pub(crate) fn dir(&self) -> String {
        format!("kubernetes/apps/{}/{}", self.namespace, self.name)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct HelmSource {
    pub name: String,
    pub url: String,
    pub oci: bool,
    /// `app-template` for the bjw-s source, else the app's own chart.
    pub chart: Option<&'static str>,
}

pub(crate) struct Plan {
    pub seed: u64,
    pub sources: Vec<HelmSource>,
    /// Namespaces in order, each with the indices of its apps.
    pub namespaces: Vec<(String, Vec<usize>)>,
    pub apps: Vec<App>,
}

/// Files that do not depend on the number of apps: cluster ks.yaml and its
/// kustomization.yaml, meta kustomization.yaml and cluster-settings.yaml,
/// repos/kustomization.yaml, apps/kustomization.yaml, the common Component.
const SKELETON_FILES: usize = 7;
/// kustomization.yaml and namespace.yaml.
const NAMESPACE_FILES: usize = 2;

/// Generates a repository of exactly `options.files` files, or a fleet of
/// `options.clusters` clusters running the apps of that repository.
pub fn generate(options: &Options) -> Result<Repository, Error> {
    let plan = plan(options)?;
    let (files, clusters) = match options.clusters {
        None => (render::render(&plan), 1),
        Some(0) => return Err(Error::NoClusters),
        Some(clusters) => (fleet::render(&plan, clusters), clusters),
    };
    debug_assert!(options.clusters.is_some() || files.len() == options.files);
    // What the Flux graph counts: every cluster applies its own copy.
    let stats = Stats {
        files: files.len(),
        clusters,
        yaml_files: files.iter().filter(|f| f.path.ends_with(".yaml")).count(),
        namespaces: plan.namespaces.len(),
        apps: plan.apps.len(),
        flux_kustomizations: clusters * (2 + plan.apps.len() + plan.apps.iter().filter(|a| a.addons).count()),
        helm_releases: clusters * plan.apps.len(),
        helm_repositories: clusters * plan.sources.len(),
        kustomization_dirs: files.iter().filter(|f| f.path.ends_with("/kustomization.yaml")).count(),
        lines: files.iter().map(|f| f.contents.lines().count()).sum(),
    };
    Ok(Repository { files, stats })
}

fn plan(options: &Options) -> Result<Plan, Error> {
    let target = options.files;
    if target < MIN_FILES {
        return Err(Error::TooFewFiles { asked: target });
    }
    let mut rng = Rng::derive(options.seed, 0);
    let sources = helm_sources((target / 60).clamp(3, 250));
    let mut used = SKELETON_FILES + sources.len();

    let mut namespace_names = Unique::default();
    let mut app_names = Unique::default();
    let mut namespaces: Vec<(String, Vec<usize>)> = Vec::new();
    let mut apps: Vec<App> = Vec::new();
    let mut room_in_namespace = 0;
    loop {
        let opens_namespace = room_in_namespace == 0;
        let namespace = if opens_namespace {
            namespace_names.name(names::NAMESPACES[namespaces.len() % names::NAMESPACES.len()])
        } else {
            namespaces.last().map(|(n, _)| n.clone()).unwrap_or_default()
        };
        let app = plan_app(&mut rng, &mut app_names, apps.len(), namespace.clone(), &apps, &namespaces, sources.len());
        let cost = app.files() + if opens_namespace { NAMESPACE_FILES } else { 0 };
        if used + cost > target {
            break;
        }
        used += cost;
        if opens_namespace {
            namespaces.push((namespace, Vec::new()));
            room_in_namespace = rng.between(3, 14);
        }
        room_in_namespace -= 1;
        if let Some((_, members)) = namespaces.last_mut() {
            members.push(app.index);
        }
        apps.push(app);
    }
    if apps.is_empty() {
        return Err(Error::TooFewFiles { asked: target });
    }
    // Land on the exact count: a few more ConfigMaps, one per app, spread
    // over the repository rather than piled into one folder.
    let mut missing = target - used;
    let stride = (apps.len() / missing.max(1)).max(1);
    let app_count = apps.len();
    let mut next = 0;
    while missing > 0 {
        apps[next % app_count].extras.padding += 1;
        next += stride;
        missing -= 1;
    }
    Ok(Plan { seed: options.seed, sources, namespaces, apps })
}

fn plan_app(
    rng: &mut Rng,
    names: &mut Unique,
    index: usize,
    namespace: String,
    earlier: &[App],
    namespaces: &[(String, Vec<usize>)],
    source_count: usize,
) -> App {
    let base = rng.pick(names::APPS);
    let name = names.name(base);
    let chart_source = if rng.percent(45) { 0 } else { rng.below(source_count) };
    let mut depends_on = Vec::new();
    if !earlier.is_empty() {
        let wanted = match rng.below(10) {
            0..=2 => 0,
            3..=7 => 1,
            _ => 2,
        };
        for _ in 0..wanted {
            // Mostly the foundations near the start, sometimes a recent neighbour.
            let target = if rng.percent(50) {
                rng.below(earlier.len().min(12))
            } else {
                earlier.len() - 1 - rng.below(earlier.len().min(40))
            };
            let dependency = earlier[target].name.clone();
            if !depends_on.contains(&dependency) {
                depends_on.push(dependency);
            }
        }
    }
    let same_namespace: Vec<usize> = namespaces
        .last()
        .filter(|(n, _)| *n == namespace)
        .map(|(_, members)| members.clone())
        .unwrap_or_default();
    let release_depends_on = if !same_namespace.is_empty() && rng.percent(20) {
        Some(earlier[*rng.pick(&same_namespace)].name.clone())
    } else {
        None
    };
    let extras = Extras {
        deployment: rng.percent(30),
        service: rng.percent(30),
        config_map: rng.percent(30),
        external_secret: rng.percent(50),
        padding: 0,
    };
    let config_file = match rng.below(3) {
        0 => ConfigFile::Yaml,
        1 => ConfigFile::Ini,
        _ => ConfigFile::Json,
    };
    App {
        index,
        name,
        namespace,
        chart_source,
        depends_on,
        release_depends_on,
        extras,
        config_file,
        addons: rng.percent(15),
        release_lines: rng.between(40, 120),
    }
}

fn helm_sources(count: usize) -> Vec<HelmSource> {
    let mut unique = Unique::default();
    (0..count)
        .map(|i| {
            let (base, url) = names::HELM_REPOSITORIES[i % names::HELM_REPOSITORIES.len()];
            let name = unique.name(base);
            let oci = url.starts_with("oci://");
            let url = if name == base { url.to_owned() } else { format!("{url}/{}", &name[base.len() + 1..]) };
            HelmSource { name, url, oci, chart: (i == 0).then_some("app-template") }
        })
        .collect()
}

/// Hands out `base`, then `base-2`, `base-3`, …
#[derive(Default)]
struct Unique(HashMap<&'static str, usize>);

impl Unique {
    fn peek(&self, base: &'static str) -> String {
        match self.0.get(base).copied().unwrap_or(0) {
            0 => base.to_owned(),
            n => format!("{base}-{}", n + 1),
        }
    }

    fn commit(&mut self, base: &'static str) {
        *self.0.entry(base).or_insert(0) += 1;
    }

    fn name(&mut self, base: &'static str) -> String {
        let name = self.peek(base);
        self.commit(base);
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_file_count() {
        for files in [MIN_FILES, 57, 500, 1_234, 10_000] {
            let repo = generate(&Options::new(files)).unwrap();
            assert_eq!(repo.files.len(), files, "asked for {files}");
            assert_eq!(repo.stats.files, files);
        }
    }

    #[test]
    fn deterministic() {
        let a = generate(&Options::new(800)).unwrap();
        let b = generate(&Options::new(800)).unwrap();
        assert_eq!(a.files, b.files);
        let c = generate(&Options { seed: 1, ..Options::new(800) }).unwrap();
        assert_ne!(a.files, c.files);
    }

    #[test]
    fn paths_are_unique() {
        let repo = generate(&Options::new(3_000)).unwrap();
        let mut paths: Vec<&str> = repo.files.iter().map(|f| f.path.as_str()).collect();
        paths.sort_unstable();
        let before = paths.len();
        paths.dedup();
        assert_eq!(before, paths.len());
    }

    #[test]
    fn helm_releases_are_realistic_sizes() {
        let repo = generate(&Options::new(2_000)).unwrap();
        for file in repo.files.iter().filter(|f| f.path.ends_with("/helmrelease.yaml")) {
            let lines = file.contents.lines().count();
            assert!((40..=120).contains(&lines), "{}: {lines} lines", file.path);
        }
    }

    #[test]
    fn a_fleet_shares_the_bases_and_repeats_the_clusters() {
        let one = generate(&Options::new(1_000)).unwrap();
        let fleet = generate(&Options::fleet(1_000, 3)).unwrap();
        let per_cluster = |repo: &Repository, prefix: &str| repo.files.iter().filter(|f| f.path.starts_with(prefix)).count();
        // Every cluster has the same folders; the bases are written once.
        let home = per_cluster(&fleet, "clusters/home/");
        assert_eq!(home, per_cluster(&fleet, "clusters/lab/"));
        assert_eq!(home, per_cluster(&fleet, "clusters/edge/"));
        assert_eq!(fleet.files.len(), per_cluster(&fleet, "kubernetes/") + 3 * home);
        // The bases are the one-cluster repository's app folders, byte for byte.
        let base = |repo: &Repository| -> Vec<File> {
            repo.files.iter().filter(|f| f.path.starts_with("kubernetes/apps/") && !f.path.ends_with("/ks.yaml")).cloned().collect()
        };
        let mut single_bases = base(&one);
        single_bases.retain(|f| f.path.matches('/').count() > 3);
        assert_eq!(base(&fleet), single_bases);
        assert_eq!(fleet.stats.flux_kustomizations, 3 * one.stats.flux_kustomizations);
        assert_eq!(fleet.stats.clusters, 3);
        assert_eq!(generate(&Options::fleet(1_000, 0)).unwrap_err(), Error::NoClusters);
    }

    #[test]
    fn too_small_is_an_error() {
        assert_eq!(generate(&Options::new(5)).unwrap_err(), Error::TooFewFiles { asked: 5 });
    }
}
