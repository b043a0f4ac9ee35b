//! The Flux layer on a small fixture repository (`tests/fixtures/cluster`):
//! parent patches pushed into children, postBuild substitution, targetNamespace,
//! commonMetadata, components, images, prefixes, and Flux's generated
//! kustomization for a folder without one; and (`tests/fixtures/fleet`) two
//! clusters applying one base, built keeping each object once.

use std::path::PathBuf;

use anton_build::{AppliedKey, FluxBuild, FluxBuilds, Keep, SOPS_PLACEHOLDER, render};
use anton_flux::{Graph, GraphOptions};
use anton_kustomize::Engine;
use anton_repo::{LoadOptions, Repository};
use serde_json::Value;

fn fixture(name: &str) -> Repository {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name).canonicalize().unwrap();
    Repository::load(&root, &LoadOptions { respect_gitignore: false, root: Some(root.clone()), ..LoadOptions::default() }).unwrap()
}

struct Built {
    builds: FluxBuilds,
    findings: Vec<anton_core::Finding>,
}

fn build(repo: &Repository) -> Built {
    let engine = Engine::new(repo);
    let graph = Graph::build(&engine, GraphOptions::default());
    let builds = FluxBuilds::build(&engine, &graph);
    let mut findings = engine.take_findings();
    findings.extend(builds.findings.iter().cloned());
    Built { builds, findings }
}

fn one<'a>(built: &'a Built, name: &str) -> &'a FluxBuild {
    let found = built.builds.find(name, None);
    assert_eq!(found.len(), 1, "{name}");
    found[0]
}

fn object<'a>(build: &'a FluxBuild, kind: &str, name: &str) -> &'a anton_kustomize::Emitted {
    build
        .objects
        .iter()
        .find(|o| o.id.kind == kind && o.id.name == name)
        .unwrap_or_else(|| panic!("{kind}/{name} not in {:?}", build.objects.iter().map(|o| o.id.short()).collect::<Vec<_>>()))
}

fn yaml(build: &FluxBuild) -> String {
    let mut objects = build.objects.clone();
    anton_kustomize::sort_for_output(&mut objects);
    let items: Vec<Value> = objects.iter().map(|o| render::object_json(&o.node, false)).collect();
    render::yaml_stream(&items)
}

#[test]
fn every_kustomization_builds_and_matches_its_snapshot() {
    let repo = fixture("cluster");
    let built = build(&repo);
    let mut names: Vec<&str> = built.builds.builds.iter().map(|b| b.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["cluster-apps", "cluster-meta", "plex", "tools"]);
    for build in &built.builds.builds {
        assert!(build.skipped.is_none(), "{}: {:?}", build.name, build.skipped);
        assert!(!build.failed, "{} failed: {:?}", build.name, built.findings);
        insta::assert_snapshot!(build.name.clone(), yaml(build));
    }
}

#[test]
fn a_parent_pushes_patches_into_its_children() {
    let repo = fixture("cluster");
    let built = build(&repo);
    let plex = one(&built, "plex");
    // The child Kustomization object, as the parent applies it, carries the parent's patches.
    assert!(plex.object.path(&["spec", "patches"]).is_some());
    let release = object(plex, "HelmRelease", "plex");
    let retries = release.node.path(&["spec", "install", "remediation", "retries"]).unwrap();
    assert_eq!(retries.to_json(), 3);
    // The value points at the line of the patch that set it, inside the parent's file.
    let location = anton_build::location(&Engine::new(&repo), retries.span);
    assert_eq!(location.file, "flux/apps.yaml");
    let text = std::fs::read_to_string(repo.absolute("flux/apps.yaml")).unwrap();
    let line = text.lines().nth(location.line as usize - 1).unwrap();
    assert!(line.trim_start().starts_with("retries: 3"), "line {}: {line}", location.line);
    assert_eq!(release.node.path(&["spec", "upgrade", "cleanupOnFail"]).unwrap().to_json(), true);
    // Fields the patch does not set stay as written.
    assert_eq!(release.node.path(&["spec", "interval"]).unwrap().to_json(), "1h");
    // The parent's strategic merge replaced the child's own `spec.patches`
    // list (lists of custom resources are replaced, not merged).
    let deployment = object(plex, "Deployment", "plex-exporter");
    assert!(deployment.node.path(&["metadata", "annotations", "replaced-by-parent"]).is_none());
    assert_eq!(plex.object.path(&["spec", "patches"]).unwrap().items().len(), 1);
}

#[test]
fn postbuild_substitution() {
    let repo = fixture("cluster");
    let built = build(&repo);
    let plex = one(&built, "plex");
    let release = object(plex, "HelmRelease", "plex");
    let values = release.node.path(&["spec", "values"]).unwrap().to_json();
    // substitute wins over substituteFrom; Secrets are decoded; SOPS values are placeholders.
    assert_eq!(values["ingress"]["host"], "plex.example.com");
    assert_eq!(values["env"]["TZ"], "UTC");
    assert_eq!(values["env"]["ADMIN"], "admin@example.com");
    assert_eq!(values["env"]["TOKEN"], SOPS_PLACEHOLDER);
    assert!(plex.substitution.placeholders.contains(&"API_TOKEN".to_owned()));

    let deployment = object(plex, "Deployment", "plex-exporter");
    // ${VAR:=default} in an integer field reads as an integer afterwards.
    assert_eq!(deployment.node.path(&["spec", "replicas"]).unwrap().to_json(), 2);
    let args = deployment.node.path(&["spec", "template", "spec", "containers"]).unwrap().items()[0].get("args").unwrap().to_json();
    // An undefined variable stays as written (Flux would write an empty
    // string); flux/undefined-variable reports it.
    assert_eq!(args, serde_json::json!(["--listen=${PORT}", "--label=${MISSING_LABEL}", "--shell=$HOME"]));

    // Undefined variables are recorded with where they are written.
    let undefined: Vec<(&str, u32)> = plex.substitution.undefined.iter().map(|u| (u.name.as_str(), u.span.line)).collect();
    assert_eq!(undefined, [("MISSING_LABEL", 18)]);
    assert_eq!(plex.substitution.undefined[0].object.short(), "Deployment/media/plex-exporter");

    // Opted out: left exactly as written.
    let script = object(plex, "ConfigMap", "script");
    assert_eq!(script.node.path(&["data", "run.sh"]).unwrap().to_json(), "echo ${NOT_SUBSTITUTED}");
    // Component resources are substituted too.
    object(plex, "Alert", "plex-alerts");
}

#[test]
fn target_namespace_metadata_and_owner_labels() {
    let repo = fixture("cluster");
    let built = build(&repo);
    let plex = one(&built, "plex");
    for o in &plex.objects {
        assert_eq!(o.id.namespace.as_deref(), Some("media"), "{}", o.id);
        let labels = o.node.path(&["metadata", "labels"]).unwrap().to_json();
        assert_eq!(labels["app.kubernetes.io/name"], "plex");
        assert_eq!(labels["kustomize.toolkit.fluxcd.io/name"], "plex");
        assert_eq!(labels["kustomize.toolkit.fluxcd.io/namespace"], "flux-system");
    }
}

#[test]
fn a_folder_without_kustomization_is_generated_like_flux() {
    let repo = fixture("cluster");
    let built = build(&repo);
    let tools = one(&built, "tools");
    let mut ids: Vec<String> = tools.objects.iter().map(|o| o.id.short()).collect();
    ids.sort();
    // Every manifest of the folder, and the sub-folder with a kustomization
    // built as such (its unlisted file stays out).
    assert_eq!(ids, ["ConfigMap/tools/ops-tool-settings", "Deployment/tools/ops-toolbox", "Service/tools/ops-toolbox"]);
    let deployment = object(tools, "Deployment", "ops-toolbox");
    let container = &deployment.node.path(&["spec", "template", "spec", "containers"]).unwrap().items()[0];
    assert_eq!(container.get("image").unwrap().to_json(), "busybox:1.37");
    // The JSON patch from spec.patches, then substitution from the parent's substituteFrom.
    assert_eq!(container.path(&["env"]).unwrap().to_json(), serde_json::json!([{"name": "DOMAIN", "value": "example.com"}]));
    // The prefixed ConfigMap name follows into envFrom.
    assert_eq!(container.path(&["envFrom"]).unwrap().items()[0].path(&["configMapRef", "name"]).unwrap().to_json(), "ops-tool-settings");
    let settings = object(tools, "ConfigMap", "ops-tool-settings");
    assert_eq!(settings.node.path(&["data", "MODE"]).unwrap().to_json(), "debug");
}

#[test]
fn secrets_are_redacted_in_output() {
    let repo = fixture("cluster");
    let built = build(&repo);
    let meta = one(&built, "cluster-meta");
    let text = yaml(meta);
    assert!(!text.contains("YWRtaW5AZXhhbXBsZS5jb20="), "{text}");
    assert!(text.contains(render::REDACTED));
}

/// `Keep::FirstOfEach` keeps exactly the first copy (in graph order, then in
/// build order) of each object applied with a given identity: what checks
/// look at. Two clusters apply the same base; the second cluster's copies of
/// it go, its own object and the first cluster's whole build stay. The base
/// holds a Flux Kustomization the second cluster patches: its copy goes too,
/// but only after the child was built from it (into the patched namespace).
#[test]
fn first_of_each_keeps_the_first_copy_of_what_several_clusters_apply() {
    let repo = fixture("fleet");
    let engine = Engine::new(&repo);
    let graph = Graph::build(&engine, GraphOptions::default());
    let all = FluxBuilds::build(&engine, &graph);
    let first = FluxBuilds::build_keeping(&engine, &graph, Keep::FirstOfEach);
    let lines = |builds: &FluxBuilds| builds.findings.iter().map(|f| f.issue_line()).collect::<Vec<_>>();
    assert_eq!(lines(&all), lines(&first));
    assert_eq!((all.kept, first.kept), (Keep::All, Keep::FirstOfEach));
    let listed = |builds: &FluxBuilds| -> Vec<String> {
        builds
            .builds
            .iter()
            .map(|b| {
                let objects: Vec<String> = b.objects.iter().map(|o| o.id.short()).collect();
                format!("{} ({}): {}", b.name, b.dir.as_deref().unwrap_or_default(), objects.join(", "))
            })
            .collect()
    };
    assert_eq!(
        listed(&all),
        [
            "apps (apps/one): Deployment/web/web, Namespace/web, Kustomization/flux-system/monitoring, ConfigMap/web/web-settings-tmbkd68m4h",
            "apps (apps/two): Deployment/web/web, Namespace/web, Kustomization/flux-system/monitoring, ServiceAccount/web/backup",
            "monitoring (apps/monitoring): ConfigMap/monitoring/monitoring-settings",
            "monitoring (apps/monitoring): ConfigMap/observability/monitoring-settings",
        ]
    );
    assert_eq!(
        listed(&first),
        [
            "apps (apps/one): Deployment/web/web, Namespace/web, Kustomization/flux-system/monitoring, ConfigMap/web/web-settings-tmbkd68m4h",
            "apps (apps/two): ServiceAccount/web/backup",
            "monitoring (apps/monitoring): ConfigMap/monitoring/monitoring-settings",
            "monitoring (apps/monitoring): ConfigMap/observability/monitoring-settings",
        ]
    );
    // The copy kept is the first cluster's, as built there (one replica).
    let deployment = object(&first.builds[0], "Deployment", "web");
    assert_eq!(deployment.node.path(&["spec", "replicas"]).unwrap().to_json(), 1);
    // The same as choosing, over every build, the first of each key.
    let mut seen = std::collections::HashSet::new();
    let expected: Vec<Vec<&anton_kustomize::Emitted>> = all
        .builds
        .iter()
        .map(|b| b.objects.iter().filter(|o| seen.insert(AppliedKey::of(&engine, o))).collect())
        .collect();
    let kept: Vec<Vec<&anton_kustomize::Emitted>> = first.builds.iter().map(|b| b.objects.iter().collect()).collect();
    assert_eq!(kept, expected);
}
