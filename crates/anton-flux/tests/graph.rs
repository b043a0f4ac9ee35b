//! The Flux graph on small repositories written to a temporary folder.

use std::path::Path;

use anton_flux::{FluxKind, Graph, GraphOptions, checks};
use anton_kustomize::Engine;
use anton_repo::{LoadOptions, Repository};

fn write(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

fn ks(name: &str, namespace: &str, path: &str, extra: &str) -> String {
    format!(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n  namespace: {namespace}\nspec:\n  interval: 10m\n  path: {path}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n    namespace: flux-system\n{extra}"
    )
}

fn load(files: &[(&str, &str)]) -> (tempfile::TempDir, Repository) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), files);
    let repo = Repository::load(dir.path(), &LoadOptions::default()).unwrap();
    (dir, repo)
}

#[test]
fn a_parent_kustomization_namespace_moves_its_flux_children() {
    let root = ks("apps", "flux-system", "./apps", "");
    let child = ks("plex", "flux-system", "./apps/media/plex/app", "  dependsOn:\n    - name: storage\n");
    let files = [
        ("flux/apps.yaml", root.as_str()),
        ("apps/kustomization.yaml", "resources: [media]\n"),
        ("apps/media/kustomization.yaml", "namespace: media\nresources: [plex/ks.yaml]\n"),
        ("apps/media/plex/ks.yaml", child.as_str()),
        ("apps/media/plex/app/kustomization.yaml", "resources: []\n"),
    ];
    let (_dir, repo) = load(&files);
    let engine = Engine::new(&repo);
    let graph = Graph::build(&engine, GraphOptions::default());
    let plex = graph.of_kind(FluxKind::Kustomization).find(|(_, n)| n.name == "plex").unwrap().1;
    // kustomize's `namespace: media` overrides what ks.yaml says.
    assert_eq!(plex.namespace, "media");
    assert_eq!(graph.nodes[plex.applied_by.unwrap()].name, "apps");
    let findings = checks::depends_on_missing(&graph, &repo);
    assert_eq!(findings.len(), 1);
    assert!(findings[0].message.contains("in namespace media"), "{}", findings[0].message);
}

#[test]
fn a_kustomization_whose_source_is_missing_applies_nothing() {
    let root = ks("apps", "flux-system", "./apps", "");
    let broken = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: loose\n  namespace: tenants\nspec:\n  path: ./apps\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n";
    let files = [
        ("flux/apps.yaml", root.as_str()),
        ("flux/loose.yaml", broken),
        ("apps/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: default\n"),
    ];
    let (_dir, repo) = load(&files);
    let engine = Engine::new(&repo);
    let graph = Graph::build(&engine, GraphOptions::default());
    // GitRepository/tenants/flux-system does not exist, so `loose` applies
    // nothing and cannot conflict with `apps` over the ConfigMap.
    assert!(checks::duplicate_objects(&graph, &engine).is_empty());
    let missing = checks::source_missing(&graph, &repo);
    assert_eq!(missing.len(), 1);
    assert!(missing[0].message.contains("GitRepository/tenants/flux-system"), "{}", missing[0].message);
}

#[test]
fn external_artifacts_map_back_to_the_copied_folders() {
    let generator = "apiVersion: source.extensions.fluxcd.io/v1beta1\nkind: ArtifactGenerator\nmetadata:\n  name: gen\n  namespace: flux-system\nspec:\n  sources:\n    - alias: repo\n      kind: GitRepository\n      name: flux-system\n  artifacts:\n    - name: apps\n      copy:\n        - from: \"@repo/deploy/apps/**\"\n          to: \"@artifact/\"\n";
    let apps = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  path: ./production\n  sourceRef:\n    kind: ExternalArtifact\n    name: apps\n";
    let files = [
        ("clusters/gen.yaml", generator),
        ("clusters/apps.yaml", apps),
        ("deploy/apps/production/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"),
    ];
    let (_dir, repo) = load(&files);
    let engine = Engine::new(&repo);
    let graph = Graph::build(&engine, GraphOptions::default());
    let (id, _) = graph.of_kind(FluxKind::Kustomization).next().unwrap();
    assert_eq!(graph.local_path(id).as_deref(), Some("deploy/apps/production"));
    assert!(checks::path_missing(&graph, &repo).is_empty());
    assert!(checks::source_missing(&graph, &repo).is_empty());
    assert_eq!(graph.applies[&id].len(), 1);
}

#[test]
fn cycles_are_reported_once_with_every_member() {
    let a = ks("a", "flux-system", "./apps", "  dependsOn:\n    - name: b\n");
    let b = ks("b", "flux-system", "./apps", "  dependsOn:\n    - name: c\n");
    let c = ks("c", "flux-system", "./apps", "  dependsOn:\n    - name: a\n");
    let files = [("flux/a.yaml", a.as_str()), ("flux/b.yaml", b.as_str()), ("flux/c.yaml", c.as_str()), ("apps/.keep.yaml", "")];
    let (_dir, repo) = load(&files);
    let engine = Engine::new(&repo);
    let graph = Graph::build(&engine, GraphOptions::default());
    let cycles = checks::depends_on_cycles(&graph, &repo);
    assert_eq!(cycles.len(), 1, "{cycles:?}");
    let message = &cycles[0].message;
    for name in ["flux-system/a", "flux-system/b", "flux-system/c"] {
        assert!(message.contains(name), "{message}");
    }
}

/// A GitRepository whose URL is a remote of this git repository is this
/// repository's checkout: its paths are relative to the folder holding
/// `.git`, and when none of them resolves the source gets one finding.
#[test]
fn a_git_repository_of_this_repository_is_rooted_at_the_checkout() {
    let source = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: home-ops\n  namespace: flux-system\nspec:\n  interval: 1h\n  url: ssh://git@github.com/example/home-ops.git\n";
    let user = |name: &str| {
        format!(
            "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n  namespace: flux-system\nspec:\n  path: ./apps/{name}\n  sourceRef:\n    kind: GitRepository\n    name: home-ops\n"
        )
    };
    let users = format!("{}{}", user("a"), user("b"));
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: default\n";
    let files = [
        ("kubernetes/flux/source.yaml", source),
        ("kubernetes/flux/users.yaml", users.as_str()),
        ("kubernetes/apps/a/cm.yaml", cm),
        ("kubernetes/apps/b/cm.yaml", cm),
    ];

    // Not known to be this repository: it is taken to be an artifact of the
    // folder that holds both paths, and nothing is missing.
    let (dir, repo) = load(&files);
    let engine = Engine::new(&repo);
    let graph = Graph::build(&engine, GraphOptions::default());
    assert_eq!(graph.sources[&("GitRepository".to_owned(), "home-ops".to_owned())].root.as_deref(), Some("kubernetes"));
    assert!(checks::path_missing(&graph, &repo).is_empty());

    // The URL is this repository's remote: the paths are relative to its root.
    write(dir.path(), &[(".git/config", "[core]\n\tbare = false\n[remote \"origin\"]\n\turl = https://github.com/example/home-ops\n")]);
    let repo = Repository::load(dir.path(), &LoadOptions::default()).unwrap();
    let engine = Engine::new(&repo);
    let graph = Graph::build(&engine, GraphOptions::default());
    let findings = checks::path_missing(&graph, &repo);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(
        findings[0].message,
        "none of the 2 paths of GitRepository/flux-system/home-ops resolves under ./: the source's root is wrong, not each path"
    );
    let hint = findings[0].hint.as_deref().unwrap_or_default();
    assert!(hint.contains("folders that hold these paths: ./kubernetes;"), "{hint}");
    assert_eq!(findings[0].location.as_ref().map(|l| l.file.as_str()), Some("kubernetes/flux/source.yaml"));
}

#[test]
fn clusters_walked_apart_are_numbered_as_one_breadth_first_walk() {
    // Two clusters of different depths and a cycle that has no root: each
    // cluster is walked on its own, the nodes are numbered as one walk
    // over all of them meets them (roots, then level by level).
    let (a_root, a_one, a_two, a_deep) = (
        ks("a-root", "flux-system", "./clusters/a/apps", ""),
        ks("a-one", "flux-system", "./clusters/a/one", ""),
        ks("a-two", "flux-system", "./clusters/a/two", ""),
        ks("a-deep", "flux-system", "./clusters/a/empty", ""),
    );
    let (b_root, b_one, b_deep) = (
        ks("b-root", "flux-system", "./clusters/b/apps", ""),
        ks("b-one", "flux-system", "./clusters/b/one", ""),
        ks("b-deep", "flux-system", "./clusters/b/empty", ""),
    );
    let (c_x, c_y) = (ks("c-x", "flux-system", "./clusters/c/y", ""), ks("c-y", "flux-system", "./clusters/c/x", ""));
    let files = [
        ("clusters/a/flux/root.yaml", a_root.as_str()),
        ("clusters/a/apps/kustomization.yaml", "resources: [one.yaml, two.yaml]\n"),
        ("clusters/a/apps/one.yaml", a_one.as_str()),
        ("clusters/a/apps/two.yaml", a_two.as_str()),
        ("clusters/a/one/kustomization.yaml", "resources: [deep.yaml]\n"),
        ("clusters/a/one/deep.yaml", a_deep.as_str()),
        ("clusters/a/two/kustomization.yaml", "resources: []\n"),
        ("clusters/a/empty/kustomization.yaml", "resources: []\n"),
        ("clusters/b/flux/root.yaml", b_root.as_str()),
        ("clusters/b/apps/kustomization.yaml", "resources: [one.yaml]\n"),
        ("clusters/b/apps/one.yaml", b_one.as_str()),
        ("clusters/b/one/kustomization.yaml", "resources: [deep.yaml]\n"),
        ("clusters/b/one/deep.yaml", b_deep.as_str()),
        ("clusters/b/empty/kustomization.yaml", "resources: []\n"),
        ("clusters/c/x/kustomization.yaml", "resources: [ks.yaml]\n"),
        ("clusters/c/x/ks.yaml", c_x.as_str()),
        ("clusters/c/y/kustomization.yaml", "resources: [ks.yaml]\n"),
        ("clusters/c/y/ks.yaml", c_y.as_str()),
    ];
    let (_dir, repo) = load(&files);
    let engine = Engine::new(&repo);
    let graph = Graph::build(&engine, GraphOptions::default());
    let names: Vec<&str> = graph.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["a-root", "b-root", "a-one", "a-two", "b-one", "a-deep", "b-deep", "c-x", "c-y"]);
    assert_eq!(graph.clusters, ["clusters/a/flux", "clusters/b/flux", "clusters/c/x"]);
    let parents: Vec<Option<&str>> =
        graph.nodes.iter().map(|n| n.applied_by.map(|p| graph.nodes[p].name.as_str())).collect();
    assert_eq!(
        parents,
        [None, None, Some("a-root"), Some("a-root"), Some("b-root"), Some("a-one"), Some("b-one"), None, Some("c-x")]
    );
    for (id, node) in graph.nodes.iter().enumerate() {
        if let Some(parent) = node.applied_by {
            assert!(parent < id, "{} comes after its parent", node.name);
            assert_eq!(graph.nodes[parent].cluster, node.cluster, "{} stays in its parent's cluster", node.name);
        }
    }
    // Each Kustomization's applied objects are filed under its own number.
    let applied_names = |name: &str| -> Vec<String> {
        let id = graph.nodes.iter().position(|n| n.name == name).unwrap();
        graph.applies[&id].iter().map(|a| a.id.name.clone()).collect()
    };
    assert_eq!(applied_names("a-root"), ["a-one", "a-two"]);
    assert_eq!(applied_names("b-one"), ["b-deep"]);
    assert_eq!(applied_names("c-y"), ["c-x"]);
}
