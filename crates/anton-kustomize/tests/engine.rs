//! Engine behaviour beyond output conformance: findings, positions of
//! patched values, origins, identities, and the Flux overlay hook.

use std::path::Path;

use anton_kustomize::{Engine, Origin, Overlay, PatchSource, PatchSpec, Spanned};
use anton_repo::{LoadOptions, Repository};

fn write(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

fn load(files: &[(&str, &str)]) -> (tempfile::TempDir, Repository) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), files);
    let repo = Repository::load(dir.path(), &LoadOptions { respect_gitignore: false, root: Some(dir.path().to_path_buf()), ..LoadOptions::default() }).unwrap();
    (dir, repo)
}

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx\n";

/// An inline strategic-merge patch setting the `web` Deployment's replicas.
fn replicas_patch(replicas: u32) -> PatchSpec {
    PatchSpec {
        source: PatchSource::Inline {
            text: format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: {replicas}\n"),
            span: Default::default(),
            block: true,
        },
        target: None,
        allow_name_change: false,
        allow_kind_change: false,
        span: Default::default(),
    }
}

#[test]
fn a_patched_value_points_at_the_patch() {
    let (_dir, repo) = load(&[
        ("app/kustomization.yaml", "resources: [deployment.yaml]\npatches:\n  - path: replicas.yaml\n  - target:\n      kind: Deployment\n    patch: |-\n      - op: add\n      # a comment line\n        path: /metadata/labels\n        value:\n          team: web\n"),
        ("app/deployment.yaml", DEPLOYMENT),
        ("app/replicas.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n"),
    ]);
    let engine = Engine::new(&repo);
    let build = engine.build_dir("app").unwrap();
    assert!(engine.take_findings().is_empty());
    let node = &build.objects[0].node;
    let replicas = node.path(&["spec", "replicas"]).unwrap();
    assert_eq!(engine.span_location(replicas.span).to_string(), "app/replicas.yaml:6:13");
    let team = node.path(&["metadata", "labels", "team"]).unwrap();
    // Inside the inline JSON patch, on the line of the kustomization that holds it.
    assert_eq!(engine.span_location(team.span).to_string(), "app/kustomization.yaml:11:17");
    // Untouched values still point at the resource.
    let image = node.path(&["spec", "template", "spec", "containers"]).unwrap().items()[0].get("image").unwrap();
    assert_eq!(engine.span_location(image.span).to_string(), "app/deployment.yaml:11:18");
}

#[test]
fn transformer_values_point_at_the_kustomization_field() {
    let (_dir, repo) = load(&[
        ("app/kustomization.yaml", "namespace: media\nnamePrefix: team-\nresources: [deployment.yaml]\nimages:\n  - name: nginx\n    newTag: \"1.27\"\n"),
        ("app/deployment.yaml", DEPLOYMENT),
    ]);
    let engine = Engine::new(&repo);
    let build = engine.build_dir("app").unwrap();
    let node = &build.objects[0].node;
    let at = |keys: &[&str]| engine.span_location(node.path(keys).unwrap().span).to_string();
    assert_eq!(at(&["metadata", "namespace"]), "app/kustomization.yaml:1:12");
    assert_eq!(at(&["metadata", "name"]), "app/kustomization.yaml:2:13");
    let image = node.path(&["spec", "template", "spec", "containers"]).unwrap().items()[0].get("image").unwrap();
    assert_eq!(image.scalar_text(), Some("nginx:1.27"));
    assert_eq!(engine.span_location(image.span).to_string(), "app/kustomization.yaml:5:5");
    assert_eq!(build.objects[0].id.short(), "Deployment/media/team-web");
}

#[test]
fn broken_builds_give_findings_not_panics() {
    let (_dir, repo) = load(&[
        (
            "app/kustomization.yaml",
            "resources:\n  - deployment.yaml\n  - https://github.com/example/repo//deploy?ref=v1\npatches:\n  - patch: |-\n      apiVersion: apps/v1\n      kind: Deployment\n      metadata:\n        name: nope\n  - target:\n      kind: Deployment\n    patch: |-\n      - op: replace\n        path: /spec/missing/field\n        value: 1\n  - target:\n      name: \"[\"\n    patch: |-\n      - op: remove\n        path: /spec\nreplicas:\n  - name: absent\n    count: 2\nhelmCharts:\n  - name: podinfo\nconfigMapGenerator:\n  - name: bad\n    literals: [no-equals-sign]\n",
        ),
        ("app/deployment.yaml", DEPLOYMENT),
    ]);
    let engine = Engine::new(&repo);
    let build = engine.build_dir("app").unwrap();
    assert!(build.failed);
    assert_eq!(build.remote.len(), 1);
    let mut rules: Vec<String> = engine.take_findings().into_iter().map(|f| format!("{} {}", f.severity, f.rule)).collect();
    rules.sort();
    assert_eq!(
        rules,
        [
            "critical kustomize/generator-error",
            "critical kustomize/invalid-patch",
            "critical kustomize/invalid-patch",
            "critical kustomize/patch-target-missing",
            "critical kustomize/replicas-target-missing",
            "info kustomize/helm-chart-not-built",
            "info kustomize/remote-not-built",
        ]
    );
    // What could be built still is.
    assert_eq!(build.objects.len(), 1);
}

#[test]
fn generated_objects_have_their_generator_as_origin_and_hashed_names() {
    let (_dir, repo) = load(&[
        ("app/kustomization.yaml", "resources: [deployment.yaml]\nconfigMapGenerator:\n  - name: settings\n    literals: [a=1]\n"),
        ("app/deployment.yaml", DEPLOYMENT.replace("image: nginx\n", "image: nginx\n          envFrom:\n            - configMapRef:\n                name: settings\n").as_str()),
    ]);
    let engine = Engine::new(&repo);
    let build = engine.build_dir("app").unwrap();
    let cm = build.objects.iter().find(|o| o.id.kind == "ConfigMap").unwrap();
    assert!(cm.id.name.starts_with("settings-") && cm.id.name.len() == "settings-".len() + 10);
    assert!(matches!(cm.origin, Origin::Generated { .. }));
    assert_eq!(engine.origin_location(cm.origin).to_string(), "app/kustomization.yaml:3:5");
    let deployment = build.objects.iter().find(|o| o.id.kind == "Deployment").unwrap();
    let reference = deployment.node.path(&["spec", "template", "spec", "containers"]).unwrap().items()[0]
        .path(&["envFrom"])
        .unwrap()
        .items()[0]
        .path(&["configMapRef", "name"])
        .unwrap()
        .scalar_text()
        .unwrap()
        .to_owned();
    assert_eq!(reference, cm.id.name);
}

#[test]
fn cluster_scoped_identities_follow_the_repositorys_crds() {
    let (_dir, repo) = load(&[
        ("app/kustomization.yaml", "namespace: apps\nresources: [objects.yaml]\n"),
        (
            "app/objects.yaml",
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  scope: Cluster\n  names: {kind: Widget, plural: widgets}\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n",
        ),
    ]);
    let engine = Engine::new(&repo);
    let build = engine.build_dir("app").unwrap();
    let widget = build.objects.iter().find(|o| o.id.kind == "Widget").unwrap();
    // kustomize itself namespaces it (its schema does not know the kind) …
    assert_eq!(widget.node.str_at(&["metadata", "namespace"]), Some("apps"));
    // … but the identity anton reports is cluster-scoped, as the CRD says.
    assert_eq!(widget.id.short(), "Widget/w");
}

#[test]
fn an_overlay_merges_into_the_folders_kustomization() {
    let (_dir, repo) = load(&[
        ("app/kustomization.yaml", "namespace: first\nresources: [deployment.yaml]\n"),
        ("app/deployment.yaml", DEPLOYMENT),
        ("plain/deployment.yaml", DEPLOYMENT),
        ("plain/notes.yaml", "just: some yaml\n"),
    ]);
    let engine = Engine::new(&repo);
    let overlay = Overlay {
        namespace: Some(Spanned { value: "second".into(), span: Default::default() }),
        name_suffix: Some(Spanned { value: "-b".into(), span: Default::default() }),
        patches: vec![replicas_patch(4)],
        ..Overlay::default()
    };
    let build = engine.build_overlay("app", &overlay, Default::default());
    assert_eq!(build.objects[0].id.short(), "Deployment/second/web-b");
    assert_eq!(build.objects[0].node.path(&["spec", "replicas"]).unwrap().to_json(), 4);
    // A folder without a kustomization: Flux's generated one (non-objects skipped).
    let build = engine.build_overlay("plain", &Overlay::default(), Default::default());
    assert_eq!(build.objects.len(), 1);
    assert!(engine.take_findings().is_empty());
}

/// Builds share objects with each other (copy on write); an overlay's
/// changes must never show in the folder's own build, nor in the repository.
#[test]
fn an_overlay_build_leaves_the_folders_build_and_the_repository_alone() {
    let (_dir, repo) = load(&[
        (
            "app/kustomization.yaml",
            "namespace: first\nresources: [deployment.yaml, service.yaml]\nconfigMapGenerator:\n  - name: settings\n    literals: [mode=fast]\n",
        ),
        ("app/deployment.yaml", DEPLOYMENT),
        ("app/service.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n    - port: 80\n"),
    ]);
    let engine = Engine::new(&repo);
    let before = engine.build_dir("app").unwrap();
    let ids = |objects: &[anton_kustomize::Emitted]| objects.iter().map(|o| o.id.short()).collect::<Vec<_>>();
    let own = ids(&before.objects);
    let overlay = Overlay {
        namespace: Some(Spanned { value: "second".into(), span: Default::default() }),
        patches: vec![replicas_patch(4)],
        ..Overlay::default()
    };
    let overlaid = engine.build_overlay("app", &overlay, Default::default());
    let deployment = overlaid.objects.iter().find(|o| o.id.kind == "Deployment").unwrap();
    assert_eq!(deployment.id.short(), "Deployment/second/web");
    assert_eq!(deployment.node.path(&["spec", "replicas"]).unwrap().to_json(), 4);
    // The generated ConfigMap went through the overlay's namespace too.
    assert!(ids(&overlaid.objects).iter().any(|id| id.starts_with("ConfigMap/second/settings-")), "{:?}", ids(&overlaid.objects));
    // The folder's build, cached and rebuilt, is what it was.
    let after = engine.build_dir("app").unwrap();
    assert_eq!(ids(&after.objects), own);
    let own_deployment = after.objects.iter().find(|o| o.id.kind == "Deployment").unwrap();
    assert_eq!(own_deployment.node.path(&["spec", "replicas"]).unwrap().to_json(), 1);
    assert_eq!(own_deployment.node.str_at(&["metadata", "namespace"]), Some("first"));
    // The repository's tree has no namespace at all.
    let written = repo.node(&repo.objects[0]);
    assert_eq!(written.path(&["metadata", "namespace"]), None);
    assert_eq!(written.path(&["spec", "replicas"]).unwrap().to_json(), 1);
    // What no transformer walked is shared with the repository, not copied.
    let service = overlaid.objects.iter().find(|o| o.id.kind == "Service").unwrap();
    let written_service = repo.objects.iter().position(|o| o.kind == "Service").map(|i| repo.node(&repo.objects[i])).unwrap();
    assert_eq!(service.node.str_at(&["metadata", "namespace"]), Some("second"));
    assert!(service.node.get("spec").unwrap().shares_children_with(written_service.get("spec").unwrap()), "the Service's spec is shared");
}

/// Folders that list only files build on all cores; what `build_all`
/// finds, and in what order it reports it, does not depend on that.
#[test]
fn build_all_finds_the_same_things_in_the_same_order_every_run() {
    let mut files: Vec<(String, String)> = Vec::new();
    for app in 0..40 {
        // A leaf folder with a problem of its own (a missing file) and one that builds.
        files.push((format!("apps/app{app}/kustomization.yaml"), "resources: [deployment.yaml, missing.yaml]\n".to_owned()));
        files.push((format!("apps/app{app}/deployment.yaml"), DEPLOYMENT.replace("name: web", &format!("name: web{app}"))));
    }
    let listed: Vec<String> = (0..40).map(|app| format!("app{app}")).collect();
    files.push(("apps/kustomization.yaml".to_owned(), format!("resources: [{}]\n", listed.join(", "))));
    // Two folders that include each other: a cycle, found from the first in order.
    files.push(("loop/a/kustomization.yaml".to_owned(), "resources: [../b]\n".to_owned()));
    files.push(("loop/b/kustomization.yaml".to_owned(), "resources: [../a]\n".to_owned()));
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let (_dir, repo) = load(&borrowed);
    let run = || {
        let engine = Engine::new(&repo);
        engine.build_all();
        let objects = engine.build_dir("apps").unwrap().objects.len();
        let findings: Vec<String> =
            engine.take_findings().iter().map(|f| format!("{} {} {}", f.location.as_ref().unwrap(), f.rule, f.message)).collect();
        (objects, findings)
    };
    let first = run();
    assert_eq!(first.0, 40);
    assert_eq!(first.1.iter().filter(|f| f.contains("kustomize/missing-resource")).count(), 40, "{:#?}", first.1);
    assert_eq!(first.1.iter().filter(|f| f.contains("kustomize/cycle")).count(), 1, "{:#?}", first.1);
    for _ in 0..5 {
        assert_eq!(run(), first);
    }
}

/// Folders build level by level (a folder after every folder it reads) on
/// all cores; chains of overlays, a component two overlays share and a
/// cycle reached from another folder give the same build and the same
/// findings on every run, each problem once.
#[test]
fn folders_build_after_the_folders_they_read() {
    let mut files: Vec<(String, String)> = vec![
        ("base/kustomization.yaml".into(), "resources: [deployment.yaml]\n".into()),
        ("base/deployment.yaml".into(), DEPLOYMENT.into()),
        // A component with a problem of its own, used by every overlay.
        (
            "shared/kustomization.yaml".into(),
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [missing.yaml]\n".into(),
        ),
        // A cycle that another folder leads into.
        ("loop/a/kustomization.yaml".into(), "resources: [../b]\n".into()),
        ("loop/b/kustomization.yaml".into(), "resources: [../a]\n".into()),
        ("entry/kustomization.yaml".into(), "resources: [../loop/a]\n".into()),
    ];
    for overlay in 0..12 {
        // overlay → middle → base, three levels deep.
        files.push((format!("middle{overlay}/kustomization.yaml"), "resources: [../base]\ncomponents: [../shared]\n".into()));
        files.push((format!("overlay{overlay}/kustomization.yaml"), format!("resources: [../middle{overlay}]\nnamePrefix: o{overlay}-\n")));
    }
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let (_dir, repo) = load(&borrowed);
    let run = || {
        let engine = Engine::new(&repo);
        engine.build_all();
        let names: Vec<String> = (0..12)
            .map(|overlay| engine.build_dir(&format!("overlay{overlay}")).unwrap().objects[0].id.name.clone())
            .collect();
        let findings: Vec<String> =
            engine.take_findings().iter().map(|f| format!("{} {} {}", f.location.as_ref().unwrap(), f.rule, f.message)).collect();
        (names, findings)
    };
    let first = run();
    assert_eq!(first.0, (0..12).map(|overlay| format!("o{overlay}-web")).collect::<Vec<_>>());
    let missing: Vec<&String> = first.1.iter().filter(|f| f.contains("kustomize/missing-resource")).collect();
    assert_eq!(missing.len(), 1, "the component's problem once: {:#?}", first.1);
    assert!(missing[0].starts_with("shared/kustomization.yaml:"), "{missing:?}");
    let cycles: Vec<&String> = first.1.iter().filter(|f| f.contains("kustomize/cycle")).collect();
    // Found from the first folder in order that reaches it (entry → a → b → a).
    assert_eq!(cycles.len(), 1, "{:#?}", first.1);
    assert!(cycles[0].starts_with("loop/b/kustomization.yaml:"), "{cycles:?}");
    for _ in 0..5 {
        assert_eq!(run(), first);
    }
}

/// `anton build` takes the engine's findings after the graph and again
/// after the Flux builds; an overlay build that transforms a folder again
/// meets the folder's problems again, and they must not come back as new.
#[test]
fn a_problem_met_again_after_its_findings_were_taken_is_not_new() {
    let (_dir, repo) = load(&[
        ("app/kustomization.yaml", "resources: [deployment.yaml, missing.yaml]\n"),
        ("app/deployment.yaml", DEPLOYMENT),
        ("labels/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonLabels: {tier: web}\n"),
    ]);
    let engine = Engine::new(&repo);
    engine.build_all();
    let first = engine.take_findings();
    assert_eq!(first.len(), 1, "{first:#?}");
    assert_eq!(first[0].rule, "kustomize/missing-resource");
    // targetNamespace transforms the folder's gathered objects again; a
    // component of the Flux Kustomization makes it gather them again.
    let namespaced = Overlay { namespace: Some(Spanned { value: "other".into(), span: Default::default() }), ..Overlay::default() };
    engine.build_overlay("app", &namespaced, Default::default());
    let with_component = Overlay {
        components: vec![anton_kustomize::Reference { value: "../labels".into(), span: Default::default() }],
        ..Overlay::default()
    };
    let build = engine.build_overlay("app", &with_component, Default::default());
    assert_eq!(build.objects[0].node.str_at(&["metadata", "labels", "tier"]), Some("web"), "the component was applied");
    assert!(engine.take_findings().is_empty());
}

/// A Flux overlay build starts from the folder's objects as its own patches
/// left them (`targetNamespace` and `spec.patches` come after those in
/// kustomize's order): what it builds is what the folder builds with the
/// overlay written into its kustomization, the patched parts are shared with
/// the folder's own build instead of patched again, and a JSON 6902 patch
/// (after the namespace) still sees the overlay's namespace.
#[test]
fn an_overlay_build_equals_the_overlay_written_into_the_kustomization() {
    let shared = "resources: [deployment.yaml, service.yaml]\n\
                  patches:\n  - path: replicas.yaml\n  - target: {kind: Deployment}\n    patch: |-\n      - op: add\n        path: /spec/template/spec/containers/0/env\n        value: [{name: MODE, value: fast}]\n\
                  commonLabels: {team: web}\n";
    let json6902 = "patchesJson6902:\n  - target: {version: v1, kind: Service, name: web, namespace: second}\n    patch: |-\n      - op: add\n        path: /metadata/annotations\n        value: {seen: second}\n";
    let overlay_patch = "  - target: {kind: Deployment}\n    patch: |-\n      - op: replace\n        path: /spec/replicas\n        value: 5\n";
    let service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n    - port: 80\n";
    let replicas = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n";
    let app = format!("namespace: first\n{shared}{json6902}");
    let (shared_patches, rest) = shared.split_once("commonLabels").unwrap();
    let expected = format!("namespace: second\n{shared_patches}{overlay_patch}commonLabels{rest}{json6902}");
    let (_dir, repo) = load(&[
        ("app/kustomization.yaml", &app),
        ("app/deployment.yaml", DEPLOYMENT),
        ("app/service.yaml", service),
        ("app/replicas.yaml", replicas),
        ("expected/kustomization.yaml", &expected),
        ("expected/deployment.yaml", DEPLOYMENT),
        ("expected/service.yaml", service),
        ("expected/replicas.yaml", replicas),
    ]);
    let engine = Engine::new(&repo);
    engine.build_all();
    let overlay_patch = PatchSpec {
        source: PatchSource::Inline {
            text: "- op: replace\n  path: /spec/replicas\n  value: 5\n".into(),
            span: Default::default(),
            block: true,
        },
        target: Some(anton_kustomize::TargetSpec { kind: Some("Deployment".into()), ..Default::default() }),
        allow_name_change: false,
        allow_kind_change: false,
        span: Default::default(),
    };
    let overlay = Overlay {
        namespace: Some(Spanned { value: "second".into(), span: Default::default() }),
        patches: vec![overlay_patch],
        ..Overlay::default()
    };
    let overlaid = engine.build_overlay("app", &overlay, Default::default());
    let written = engine.build_dir("expected").unwrap();
    let json = |objects: &[anton_kustomize::Emitted]| {
        objects.iter().map(|o| (o.id.short(), o.node.to_json())).collect::<Vec<_>>()
    };
    assert_eq!(json(&overlaid.objects), json(&written.objects));
    assert!(engine.take_findings().is_empty());
    let deployment = overlaid.objects.iter().find(|o| o.id.kind == "Deployment").unwrap();
    assert_eq!(deployment.node.path(&["spec", "replicas"]).unwrap().to_json(), 5);
    let service = overlaid.objects.iter().find(|o| o.id.kind == "Service").unwrap();
    assert_eq!(service.node.str_at(&["metadata", "annotations", "seen"]), Some("second"));
    // The folder's own build is untouched, and its patched container is the overlay's, not a copy.
    let own = engine.build_dir("app").unwrap();
    let own_deployment = own.objects.iter().find(|o| o.id.kind == "Deployment").unwrap();
    assert_eq!(own_deployment.id.short(), "Deployment/first/web");
    assert_eq!(own_deployment.node.path(&["spec", "replicas"]).unwrap().to_json(), 3);
    let containers = |node: &anton_yaml::Node| node.path(&["spec", "template", "spec", "containers"]).unwrap().clone();
    assert!(containers(&deployment.node).shares_children_with(&containers(&own_deployment.node)), "patched once, shared");
    assert!(own.objects.iter().find(|o| o.id.kind == "Service").unwrap().node.path(&["metadata", "annotations"]).is_none());

    // With strategic-merge patches of its own, the overlay starts before the
    // folder's patches (they run first in kustomize's order): same result.
    let smp = Overlay {
        namespace: Some(Spanned { value: "second".into(), span: Default::default() }),
        patches_strategic_merge: vec![replicas_patch(7)],
        ..Overlay::default()
    };
    let overlaid = engine.build_overlay("app", &smp, Default::default());
    let deployment = overlaid.objects.iter().find(|o| o.id.kind == "Deployment").unwrap();
    // The folder's replicas.yaml (3) runs after the overlay's strategic merge (7).
    assert_eq!(deployment.node.path(&["spec", "replicas"]).unwrap().to_json(), 3);
    assert_eq!(deployment.node.str_at(&["metadata", "namespace"]), Some("second"));
    assert!(engine.take_findings().is_empty());
}
