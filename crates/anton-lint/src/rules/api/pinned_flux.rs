//! The Flux version a repository pins: a FluxInstance's
//! `spec.distribution.version` (`2.3.x`, `v2.4.0`; not a range like `2.x`),
//! also as the values of the `flux-instance` chart's HelmRelease
//! (`instance.distribution.version`), or the header `gotk-components.yaml`
//! carries (`# Flux Version: v2.1.2`).

use foldhash::{HashMap, HashMapExt};

use anton_repo::Repository;
use anton_yaml::Node;

use crate::context::Context;
use crate::util::Version;
use crate::view::ObjectView;

/// A pinned Flux version and where the repository says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PinnedFlux {
    pub version: Version,
    /// As written, e.g. `v2.1.2`.
    pub written: String,
    /// The file that pins it, relative to the repository root.
    pub file: String,
}

/// Every pin the repository holds (one per cluster, usually).
pub(crate) fn pinned_flux(repo: &Repository) -> Vec<PinnedFlux> {
    let instances = repo
        .objects
        .iter()
        .filter(|object| matches!(object.kind.as_str(), "FluxInstance" | "HelmRelease"))
        .map(|object| (repo.files[object.file].path.as_str(), repo.node(object)))
        .chain(repo.outside_objects.iter().map(|(file, node)| (file.as_str(), node.as_ref())))
        .filter_map(|(file, node)| from_flux_instance(file, node));
    let headers = repo
        .files
        .iter()
        .filter(|file| file.file_name() == "gotk-components.yaml")
        .filter_map(|file| from_gotk_header(&file.path, &file.text));
    instances.chain(headers).collect()
}

/// Which pin holds for the objects of each cluster of the Flux graph: the
/// one applied in that cluster (the newest, if several are), so that one
/// cluster's old Flux does not soften another cluster's findings. A pin no
/// Flux Kustomization applies holds everywhere only when it is the
/// repository's only one.
pub(crate) struct PinsByCluster {
    by_cluster: HashMap<usize, PinnedFlux>,
    everywhere: Option<PinnedFlux>,
}

impl PinsByCluster {
    pub(crate) fn new(ctx: &Context<'_>) -> Self {
        let pins = pinned_flux(ctx.repo);
        let mut by_cluster: HashMap<usize, PinnedFlux> = HashMap::new();
        let mut applied = vec![false; pins.len()];
        for view in ctx.objects {
            let Some(cluster) = cluster_of(ctx, view) else { continue };
            let path = ctx.repo.files[view.file].path.as_str();
            for (index, pin) in pins.iter().enumerate().filter(|(_, pin)| pin.file == path) {
                applied[index] = true;
                let slot = by_cluster.entry(cluster).or_insert_with(|| pin.clone());
                if pin.version > slot.version {
                    *slot = pin.clone();
                }
            }
        }
        let everywhere = match (pins.len(), applied.first()) {
            (1, Some(false)) => pins.into_iter().next(),
            _ => None,
        };
        Self { by_cluster, everywhere }
    }

    /// The pin that holds for this object, if any.
    pub(crate) fn of(&self, ctx: &Context<'_>, view: &ObjectView<'_>) -> Option<&PinnedFlux> {
        cluster_of(ctx, view).and_then(|cluster| self.by_cluster.get(&cluster)).or(self.everywhere.as_ref())
    }
}

fn cluster_of(ctx: &Context<'_>, view: &ObjectView<'_>) -> Option<usize> {
    view.applied_by.or(view.flux_node).and_then(|node| ctx.graph.nodes.get(node)).map(|node| node.cluster)
}

fn from_flux_instance(file: &str, node: &Node) -> Option<PinnedFlux> {
    let version_at: &[&str] = match node.str_at(&["kind"]) {
        Some("FluxInstance") => &["spec", "distribution", "version"],
        Some("HelmRelease") => &["spec", "values", "instance", "distribution", "version"],
        _ => return None,
    };
    let written = node.str_at(version_at)?.trim();
    // `2.x` follows the newest release; `>=2.3` and the like are no pin either.
    let version = Version::parse(written).filter(|_| written.starts_with(|c: char| c.is_ascii_digit() || c == 'v'))?;
    Some(PinnedFlux { version, written: written.to_owned(), file: file.to_owned() })
}

/// `flux install --export` and `flux bootstrap` start the file with
/// `# Flux Version: v2.1.2`.
fn from_gotk_header(file: &str, text: &str) -> Option<PinnedFlux> {
    let written = text
        .lines()
        .take_while(|line| line.starts_with('#') || line.trim().is_empty() || *line == "---")
        .find_map(|line| line.trim_start_matches('#').trim().strip_prefix("Flux Version:"))?
        .trim();
    let version = Version::parse(written)?;
    Some(PinnedFlux { version, written: written.to_owned(), file: file.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(yaml: &str) -> Node {
        anton_yaml::parse_stream(yaml).documents.remove(0).root.as_ref().clone()
    }

    #[test]
    fn a_flux_instance_or_its_chart_values_pin_the_version() {
        let instance = node("kind: FluxInstance\nspec:\n  distribution:\n    version: 2.3.x\n");
        assert_eq!(from_flux_instance("i.yaml", &instance).map(|pin| pin.version), Some(Version::new(2, 3)));
        let release = node("kind: HelmRelease\nspec:\n  values:\n    instance:\n      distribution:\n        version: v2.4.0\n");
        assert_eq!(from_flux_instance("hr.yaml", &release).map(|pin| pin.version), Some(Version::new(2, 4)));
        for range in ["2.x", "\">=2.3.0\"", "\"*\""] {
            let instance = node(&format!("kind: FluxInstance\nspec:\n  distribution:\n    version: {range}\n"));
            assert_eq!(from_flux_instance("i.yaml", &instance), None, "{range}");
        }
    }

    #[test]
    fn the_gotk_header_pins_the_version() {
        let text = "---\n# This manifest was generated by flux. DO NOT EDIT.\n# Flux Version: v2.1.2\n# Components: source-controller\napiVersion: v1\n";
        let pin = from_gotk_header("clusters/main/flux-system/gotk-components.yaml", text).unwrap();
        assert_eq!((pin.version, pin.written.as_str()), (Version::new(2, 1), "v2.1.2"));
        assert_eq!(from_gotk_header("gotk-components.yaml", "apiVersion: v1\n# Flux Version: v2.1.2\n"), None);
    }
}
