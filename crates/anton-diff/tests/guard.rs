//! Every guard finding on a fixture repository built in the test, and the
//! no-op changes that must report nothing.

mod common;

use anton_core::Severity;
use anton_diff::{Action, DiffRequest, KsStatus, diff};
use common::{base_repo, diff_tags, findings, message};

#[test]
fn no_op_changes_report_nothing() {
    let repo = base_repo();
    // Documents reordered, a comment and blank lines, a file renamed (its
    // reference updated), keys reordered, a quoted string that reads the same.
    repo.write(
        "kubernetes/apps/media/jellyfin/app/service.yaml",
        &format!(
            "# the API key and the service\n{}---\n{}",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: jellyfin-api\nstringData:\n  api-key: \"super-secret-value\"\n",
            "kind: Service\napiVersion: v1\nmetadata:\n  name: jellyfin\nspec:\n  ports:\n    - targetPort: 8096\n      port: 8096\n"
        ),
    );
    let pvc = repo.read("kubernetes/apps/media/jellyfin/app/pvc.yaml");
    repo.remove("kubernetes/apps/media/jellyfin/app/pvc.yaml");
    repo.write("kubernetes/apps/media/jellyfin/app/claim.yaml", &format!("---\n# renamed\n{pvc}"));
    repo.edit("kubernetes/apps/media/jellyfin/app/kustomization.yaml", "./pvc.yaml", "./claim.yaml");
    repo.edit("kubernetes/apps/media/kustomization.yaml", "resources:\n", "# apps of the media namespace\nresources:\n");
    repo.commit("head");
    let outcome = diff_tags(&repo);
    assert!(outcome.findings.is_empty(), "{:?}", findings(&outcome));
    assert!(outcome.details.kustomizations.is_empty(), "{:#?}", outcome.details.kustomizations);
    assert_eq!(outcome.report().exit_status() as i32, 0);
}

#[test]
fn removing_an_app_kustomization_deletes_everything_it_applied() {
    let repo = base_repo();
    repo.remove("kubernetes/apps/media/jellyfin");
    repo.edit("kubernetes/apps/media/kustomization.yaml", "  - ./jellyfin/ks.yaml\n", "");
    repo.commit("head");
    let outcome = diff_tags(&repo);
    assert_eq!(
        findings(&outcome),
        [
            "guard/data-loss critical PersistentVolumeClaim/media/jellyfin-config",
            "guard/helm-uninstall warning HelmRelease/media/jellyfin",
            "guard/kustomization-deleted critical Kustomization/flux-system/jellyfin",
        ]
    );
    let deleted = message(&outcome, "guard/kustomization-deleted");
    assert!(deleted.contains("5 objects will be deleted (1 HelmRelease, 1 PersistentVolumeClaim, 1 Secret, 1 Service, 1 StatefulSet)"), "{deleted}");
    assert!(deleted.contains("1 Helm release is uninstalled"), "{deleted}");
    let first = &outcome.details.kustomizations[0];
    assert_eq!(first.id, "Kustomization/flux-system/jellyfin");
    assert_eq!(first.status, KsStatus::Removed);
    assert!(!first.removed.is_empty(), "{first:#?}");
    assert!(first.removed.iter().all(|r| r.action == Action::Delete), "{:#?}", first.removed);
    assert_eq!(outcome.details.totals.deleted, 6, "{:#?}", outcome.details.totals);
    assert_eq!(outcome.report().exit_status() as i32, 2);
}

#[test]
fn a_removed_kustomization_that_does_not_collect_garbage_orphans_its_objects() {
    for (setting, reason) in [
        ("  deletionPolicy: Orphan\n", "deletionPolicy: Orphan"),
        ("  suspend: true\n", "is suspended"),
    ] {
        let repo = common::GitRepo::new(&common::base_files());
        repo.edit("kubernetes/apps/media/jellyfin/ks.yaml", "  prune: true\n", &format!("  prune: true\n{setting}"));
        repo.commit("base");
        repo.remove("kubernetes/apps/media/jellyfin");
        repo.edit("kubernetes/apps/media/kustomization.yaml", "  - ./jellyfin/ks.yaml\n", "");
        repo.commit("head");
        let outcome = diff_tags(&repo);
        assert!(outcome.findings.is_empty(), "{setting}: {:?}", findings(&outcome));
        let jellyfin = outcome.details.kustomizations.iter().find(|k| k.id.ends_with("/jellyfin")).expect("listed");
        assert!(!jellyfin.removed.is_empty(), "{setting}: {jellyfin:#?}");
        assert!(jellyfin.removed.iter().all(|r| r.action == Action::Orphan && r.reason.contains(reason)), "{:#?}", jellyfin.removed);
    }
}

#[test]
fn removing_the_parent_counts_the_whole_cascade_once() {
    let repo = base_repo();
    repo.write("kubernetes/flux/cluster/ks.yaml", "");
    repo.commit("head");
    let outcome = diff_tags(&repo);
    let deleted: Vec<&str> = outcome
        .findings
        .iter()
        .filter(|f| f.rule == "guard/kustomization-deleted")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(deleted.len(), 1, "{deleted:?}");
    assert!(
        deleted[0].starts_with("Kustomization/flux-system/cluster-apps is removed and Flux garbage-collects everything it applied: 9 objects will be deleted (2 Kustomization, 1 HelmRelease,"),
        "{}",
        deleted[0]
    );
    // The Namespace takes what is in it.
    let namespace = outcome
        .findings
        .iter()
        .find(|f| f.object.as_deref() == Some("Namespace/media"))
        .expect("namespace data-loss");
    assert!(namespace.message.contains("and everything in it: the 6 objects this repository puts there"), "{}", namespace.message);
}

#[test]
fn the_prune_disabled_annotation_orphans_instead_of_deleting() {
    let repo = common::GitRepo::new(&common::base_files());
    repo.write(
        "kubernetes/apps/media/namespace.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: media\n  annotations:\n    kustomize.toolkit.fluxcd.io/prune: disabled\n",
    );
    repo.commit("base");
    repo.remove("kubernetes/apps/media/namespace.yaml");
    repo.edit("kubernetes/apps/media/kustomization.yaml", "  - ./namespace.yaml\n", "");
    repo.commit("head");
    let outcome = diff_tags(&repo);
    assert!(outcome.findings.is_empty(), "{:?}", findings(&outcome));
    let removed = &outcome.details.kustomizations[0].removed[0];
    assert_eq!((removed.object.as_str(), removed.action), ("Namespace/media", Action::Orphan));
    assert_eq!(removed.reason, "it carries kustomize.toolkit.fluxcd.io/prune: disabled");
}

#[test]
fn removing_a_claim_is_data_loss_but_not_without_prune() {
    let repo = base_repo();
    repo.edit("kubernetes/apps/media/jellyfin/app/kustomization.yaml", "  - ./pvc.yaml\n", "");
    repo.commit("head");
    let outcome = diff_tags(&repo);
    assert_eq!(findings(&outcome), ["guard/data-loss critical PersistentVolumeClaim/media/jellyfin-config"]);
    assert!(message(&outcome, "guard/data-loss").contains("Kustomization/flux-system/jellyfin prunes it"));

    let repo = common::GitRepo::new(&common::base_files());
    repo.edit("kubernetes/apps/media/jellyfin/ks.yaml", "prune: true", "prune: false");
    repo.commit("base");
    repo.edit("kubernetes/apps/media/jellyfin/app/kustomization.yaml", "  - ./pvc.yaml\n", "");
    repo.commit("head");
    let outcome = diff_tags(&repo);
    assert!(outcome.findings.is_empty(), "{:?}", findings(&outcome));
    assert_eq!(outcome.details.totals.orphaned, 1);
}

#[test]
fn moving_objects_between_kustomizations() {
    let repo = base_repo();
    // The claim (stateful) and the ConfigMap move in opposite directions.
    let pvc = repo.read("kubernetes/apps/media/jellyfin/app/pvc.yaml");
    repo.remove("kubernetes/apps/media/jellyfin/app/pvc.yaml");
    repo.edit("kubernetes/apps/media/jellyfin/app/kustomization.yaml", "  - ./pvc.yaml\n", "  - ./configmap.yaml\n");
    repo.write("kubernetes/apps/media/shared/app/pvc.yaml", &pvc);
    repo.edit("kubernetes/apps/media/shared/app/kustomization.yaml", "  - ./configmap.yaml\n", "  - ./pvc.yaml\n");
    let configmap = repo.read("kubernetes/apps/media/shared/app/configmap.yaml");
    repo.remove("kubernetes/apps/media/shared/app/configmap.yaml");
    repo.write("kubernetes/apps/media/jellyfin/app/configmap.yaml", &configmap);
    repo.commit("head");
    let outcome = diff_tags(&repo);
    assert_eq!(
        findings(&outcome),
        [
            "guard/moved-between-kustomizations critical PersistentVolumeClaim/media/jellyfin-config",
            "guard/moved-between-kustomizations warning ConfigMap/media/media-settings",
        ]
    );
    let moved = message(&outcome, "guard/moved-between-kustomizations");
    assert!(moved.contains("from Kustomization/flux-system/jellyfin to Kustomization/flux-system/media-shared"), "{moved}");
    assert_eq!(outcome.details.totals.moved, 2);
    assert_eq!(outcome.details.totals.deleted, 0);
}

#[test]
fn immutable_fields() {
    let repo = base_repo();
    repo.edit("kubernetes/apps/media/jellyfin/app/statefulset.yaml", "storage: 5Gi", "storage: 20Gi");
    repo.edit("kubernetes/apps/media/jellyfin/app/pvc.yaml", "storageClassName: ceph-block", "storageClassName: nfs");
    repo.edit("kubernetes/apps/media/jellyfin/app/statefulset.yaml", "replicas: 1", "replicas: 2");
    repo.commit("head");
    let outcome = diff_tags(&repo);
    assert_eq!(
        findings(&outcome),
        [
            "guard/immutable-change warning PersistentVolumeClaim/media/jellyfin-config",
            "guard/immutable-change warning StatefulSet/media/jellyfin-db",
        ]
    );
    let statefulset = outcome.findings.iter().find(|f| f.object.as_deref() == Some("StatefulSet/media/jellyfin-db")).expect("found");
    assert!(statefulset.message.contains("spec.volumeClaimTemplates"), "{}", statefulset.message);
    assert!(!statefulset.message.contains("replicas"), "{}", statefulset.message);
    assert!(statefulset.hint.as_deref().is_some_and(|h| h.contains("--cascade=orphan") && h.contains("anton flux suspend ks jellyfin -n flux-system")));
    assert_eq!(outcome.report().exit_status() as i32, 1);
}

#[test]
fn source_switch_and_flips() {
    let repo = base_repo();
    repo.edit("kubernetes/apps/media/jellyfin/ks.yaml", "targetNamespace: media", "targetNamespace: media-v2");
    repo.edit("kubernetes/apps/media/shared/ks.yaml", "prune: true", "prune: false\n  suspend: true");
    repo.commit("head");
    let outcome = diff_tags(&repo);
    assert_eq!(
        findings(&outcome),
        [
            "guard/data-loss critical PersistentVolumeClaim/media/jellyfin-config",
            "guard/helm-uninstall warning HelmRelease/media/jellyfin",
            "guard/prune-flip info Kustomization/flux-system/media-shared",
            "guard/source-switch warning Kustomization/flux-system/jellyfin",
            "guard/suspend-flip info Kustomization/flux-system/media-shared",
        ]
    );
    let switch = message(&outcome, "guard/source-switch");
    assert!(switch.contains("targetNamespace media → media-v2"), "{switch}");
    assert!(switch.contains("prunes the 5 objects of the old one"), "{switch}");
}

#[test]
fn a_switch_to_a_source_outside_the_repository_cannot_be_compared() {
    let repo = base_repo();
    repo.edit("kubernetes/apps/media/jellyfin/ks.yaml", "    kind: GitRepository\n    name: flux-system", "    kind: OCIRepository\n    name: jellyfin-manifests");
    repo.commit("head");
    let outcome = diff_tags(&repo);
    assert_eq!(findings(&outcome), ["guard/source-switch warning Kustomization/flux-system/jellyfin"]);
    let switch = message(&outcome, "guard/source-switch");
    assert!(switch.contains("sourceRef GitRepository/flux-system/flux-system → OCIRepository/flux-system/jellyfin-manifests"), "{switch}");
    assert!(switch.contains("anton cannot see what the new build holds"), "{switch}");
    assert_eq!(outcome.details.notes.len(), 1, "{:?}", outcome.details.notes);
}

#[test]
fn a_path_change_that_builds_the_same_objects_is_info() {
    let repo = base_repo();
    repo.git(&["mv", "kubernetes/apps/media/shared/app", "kubernetes/apps/media/shared/manifests"]);
    repo.edit("kubernetes/apps/media/shared/ks.yaml", "shared/app", "shared/manifests");
    repo.commit("head");
    let outcome = diff_tags(&repo);
    assert_eq!(findings(&outcome), ["guard/source-switch info Kustomization/flux-system/media-shared"]);
    assert!(message(&outcome, "guard/source-switch").contains("nothing is pruned"));
}

#[test]
fn changed_objects_get_a_structural_diff_without_secret_values() {
    let repo = base_repo();
    repo.edit("kubernetes/apps/media/jellyfin/app/helmrelease.yaml", "version: 3.5.1", "version: 3.7.0");
    repo.edit("kubernetes/apps/media/jellyfin/app/helmrelease.yaml", "memory: 512Mi", "memory: 1Gi");
    repo.edit("kubernetes/apps/media/jellyfin/app/service.yaml", "super-secret-value", "an-even-more-secret-value");
    repo.edit("kubernetes/apps/media/jellyfin/app/statefulset.yaml", "image: postgres:16.4", "image: postgres:17.0");
    repo.commit("head");
    let outcome = diff_tags(&repo);
    let jellyfin = &outcome.details.kustomizations[0];
    let lines: Vec<String> = jellyfin
        .changed
        .iter()
        .flat_map(|c| c.changes.iter().map(move |ch| format!("{}: {}", c.object, ch.line())))
        .collect();
    assert_eq!(
        lines,
        [
            "HelmRelease/media/jellyfin: chart.spec.version: 3.5.1 → 3.7.0 (minor)",
            "HelmRelease/media/jellyfin: values.resources.limits.memory: 512Mi → 1Gi",
            "StatefulSet/media/jellyfin-db: spec.template.spec.containers[postgres].image: postgres:16.4 → postgres:17.0 (major)",
            "Secret/media/jellyfin-api: stringData.api-key: changed (value hidden)",
        ]
    );
    let json = outcome.report().to_json_pretty();
    assert!(!json.contains("secret-value"), "a secret value leaked into the report");
    assert!(outcome.findings.is_empty());
}

#[test]
fn the_work_tree_against_the_merge_base_by_default() {
    let repo = base_repo();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.edit("kubernetes/apps/media/jellyfin/app/kustomization.yaml", "  - ./pvc.yaml\n", "");
    repo.commit("feature-1");
    // main moves on meanwhile: its change must not show up in the feature's diff.
    repo.git(&["checkout", "-q", "main"]);
    repo.edit("kubernetes/apps/media/shared/app/configmap.yaml", "Europe/Paris", "UTC");
    repo.commit("main-2");
    repo.git(&["checkout", "-q", "feature"]);
    // An uncommitted change in the work tree counts.
    repo.edit("kubernetes/apps/media/jellyfin/app/helmrelease.yaml", "version: 3.5.1", "version: 3.5.2");
    let outcome = diff(&DiffRequest { path: repo.path("kubernetes"), base: None, head: None }).expect("diff runs");
    assert_eq!(outcome.details.base.label, "merge-base of HEAD and main");
    assert_eq!(outcome.details.head.label, "working tree");
    assert_eq!(findings(&outcome), ["guard/data-loss critical PersistentVolumeClaim/media/jellyfin-config"]);
    assert_eq!(outcome.details.totals.changed, 1, "{:#?}", outcome.details);
}

#[test]
fn a_head_that_does_not_parse_prunes_nothing() {
    let repo = base_repo();
    repo.write("kubernetes/apps/media/jellyfin/app/pvc.yaml", "apiVersion: v1\nkind: [PersistentVolumeClaim\n");
    repo.commit("head");
    let outcome = diff_tags(&repo);
    assert!(outcome.findings.is_empty(), "{:?}", findings(&outcome));
    assert_eq!(outcome.details.notes.len(), 1, "{:?}", outcome.details.notes);
    assert!(outcome.details.notes[0].contains("pvc.yaml does not parse"), "{}", outcome.details.notes[0]);
}

#[test]
fn unknown_revisions_and_folders_outside_git_are_errors() {
    let repo = base_repo();
    let error = diff(&DiffRequest { path: repo.path("kubernetes"), base: Some("no-such-branch".into()), head: None })
        .expect_err("unknown base");
    assert!(error.to_string().contains("`no-such-branch` names no commit"), "{error}");
    let outside = tempfile::tempdir().expect("temp");
    let error = diff(&DiffRequest { path: outside.path().to_path_buf(), base: None, head: None }).expect_err("no git");
    assert!(error.to_string().contains("not inside a git repository"), "{error}");
}

#[test]
fn severities_follow_the_rules() {
    for rule in anton_diff::rules::ALL {
        // Every rule is listed: a new rule must be given its severity here.
        let expected = match rule.id {
            "guard/kustomization-deleted"
            | "guard/crd-deleted"
            | "guard/data-loss"
            | "guard/helm-uninstall"
            | "guard/moved-between-kustomizations" => Severity::Critical,
            "guard/immutable-change" | "guard/source-switch" => Severity::Warning,
            "guard/suspend-flip" | "guard/prune-flip" => Severity::Info,
            other => panic!("{other} is not in this table: add it with the severity it must have"),
        };
        assert_eq!(rule.severity, expected, "{}", rule.id);
    }
}

#[test]
fn changes_made_by_kustomize_and_parent_patches_are_seen() {
    let repo = base_repo();
    // The StatefulSet's file is untouched: the kustomization's `images:` retags it.
    repo.edit(
        "kubernetes/apps/media/jellyfin/app/kustomization.yaml",
        "resources:\n",
        "images:\n  - name: postgres\n    newTag: \"17.0\"\nresources:\n",
    );
    // The app Kustomization's file is untouched: its parent patches prune off.
    repo.edit(
        "kubernetes/flux/cluster/ks.yaml",
        "  sourceRef:\n",
        "  patches:\n    - target:\n        kind: Kustomization\n        name: jellyfin\n      patch: |\n        - op: replace\n          path: /spec/prune\n          value: false\n  sourceRef:\n",
    );
    repo.commit("head");
    let outcome = diff_tags(&repo);
    let lines: Vec<String> = outcome
        .details
        .kustomizations
        .iter()
        .flat_map(|k| k.changed.iter())
        .flat_map(|c| c.changes.iter().map(move |ch| format!("{}: {}", c.object, ch.line())))
        .collect();
    assert!(
        lines.contains(&"StatefulSet/media/jellyfin-db: spec.template.spec.containers[postgres].image: postgres:16.4 → postgres:17.0 (major)".to_owned()),
        "{lines:#?}"
    );
    assert!(findings(&outcome).iter().any(|f| f.starts_with("guard/prune-flip")), "{:?}", findings(&outcome));
}

#[test]
fn settings_a_parent_patches_in_decide_what_a_removal_does() {
    // The parent's strategic-merge patch (targeted by a name pattern) sets
    // deletionPolicy: Orphan on jellyfin only; the app's own file says nothing.
    let repo = common::GitRepo::new(&common::base_files());
    repo.edit(
        "kubernetes/flux/cluster/ks.yaml",
        "  sourceRef:\n",
        "  patches:\n    - target:\n        kind: Kustomization\n        name: jelly.*\n      patch: |\n        kind: Kustomization\n        metadata:\n          name: not-used\n        spec:\n          deletionPolicy: Orphan\n  sourceRef:\n",
    );
    repo.commit("base");
    repo.remove("kubernetes/apps/media/jellyfin");
    repo.remove("kubernetes/apps/media/shared");
    repo.edit("kubernetes/apps/media/kustomization.yaml", "  - ./jellyfin/ks.yaml\n  - ./shared/ks.yaml\n", "");
    repo.commit("head");
    let outcome = diff_tags(&repo);
    let removed = |name: &str| {
        outcome.details.kustomizations.iter().find(|k| k.id.ends_with(name)).expect("listed").removed.clone()
    };
    let jellyfin = removed("/jellyfin");
    assert!(!jellyfin.is_empty(), "jellyfin removes nothing");
    assert!(jellyfin.iter().all(|r| r.action == Action::Orphan && r.reason.contains("deletionPolicy: Orphan")), "{jellyfin:#?}");
    // media-shared does not match the pattern: it prunes as usual.
    let shared = removed("/media-shared");
    assert!(!shared.is_empty(), "media-shared removes nothing");
    assert!(shared.iter().all(|r| r.action == Action::Delete), "{shared:#?}");
}
