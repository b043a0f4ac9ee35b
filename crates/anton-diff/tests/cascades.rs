//! The cascades: one line removed or changed in Git, and Kubernetes or Helm
//! deletes much more — a CustomResourceDefinition and every resource of its
//! kind, a forced re-creation that empties a claim, a HelmRelease whose
//! uninstall takes the chart's claims. Each with the change that must stay quiet.

mod common;

use anton_diff::Action;
use common::{GitRepo, base_files, diff_tags, findings, message};

const CRD: &str = "\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: clusters.postgresql.cnpg.io
spec:
  group: postgresql.cnpg.io
  names:
    kind: Cluster
    plural: clusters
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
";

const DATABASE: &str = "\
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: jellyfin-db
spec:
  instances: 1
";

const PRUNE_DISABLED: &str = "  annotations:\n    kustomize.toolkit.fluxcd.io/prune: disabled\n";

/// The base repository with `media-shared` applying the CNPG CRD and
/// `jellyfin` a database of that kind; `tweak` edits it before the commit.
fn crd_repo(tweak: impl FnOnce(&GitRepo)) -> GitRepo {
    let repo = GitRepo::new(&base_files());
    repo.write("kubernetes/apps/media/shared/app/crds.yaml", CRD);
    repo.edit("kubernetes/apps/media/shared/app/kustomization.yaml", "resources:\n", "resources:\n  - ./crds.yaml\n");
    repo.write("kubernetes/apps/media/jellyfin/app/database.yaml", DATABASE);
    repo.edit("kubernetes/apps/media/jellyfin/app/kustomization.yaml", "resources:\n", "resources:\n  - ./database.yaml\n");
    tweak(&repo);
    repo.commit("base");
    repo
}

#[test]
fn pruning_a_crd_lists_the_custom_resources_it_takes() {
    let repo = crd_repo(|_| {});
    repo.edit("kubernetes/apps/media/shared/app/kustomization.yaml", "  - ./crds.yaml\n", "");
    repo.commit("head");
    let outcome = diff_tags(&repo);
    assert_eq!(findings(&outcome), ["guard/crd-deleted critical CustomResourceDefinition/clusters.postgresql.cnpg.io"]);
    let text = message(&outcome, "guard/crd-deleted");
    assert!(text.contains("Kubernetes then deletes every Cluster in the cluster"), "{text}");
    assert!(text.contains("the one this repository defines (Cluster/media/jellyfin-db in Kustomization/flux-system/jellyfin)"), "{text}");
    assert!(text.contains("any created in the cluster outside Git"), "{text}");
    assert!(text.contains("1 of them stays in Git and can no longer be applied"), "{text}");
    let removed = &outcome.details.kustomizations[0].removed[0];
    assert!(removed.reason.contains("deletes every resource of its kind"), "{}", removed.reason);
    assert_eq!(outcome.report().exit_status() as i32, 2);
}

#[test]
fn a_crd_no_resource_in_git_uses_still_takes_the_cluster_made_ones() {
    let repo = crd_repo(|repo| {
        repo.remove("kubernetes/apps/media/jellyfin/app/database.yaml");
        repo.edit("kubernetes/apps/media/jellyfin/app/kustomization.yaml", "  - ./database.yaml\n", "");
    });
    repo.remove("kubernetes/apps/media/shared");
    repo.edit("kubernetes/apps/media/kustomization.yaml", "  - ./shared/ks.yaml\n", "");
    repo.commit("head");
    let outcome = diff_tags(&repo);
    let text = message(&outcome, "guard/crd-deleted");
    assert!(text.contains("garbage-collected with Kustomization/flux-system/media-shared"), "{text}");
    assert!(text.contains("including those created outside Git (this repository defines none)"), "{text}");
}

#[test]
fn a_crd_protected_or_still_applied_elsewhere_is_quiet() {
    let protected = crd_repo(|repo| repo.edit("kubernetes/apps/media/shared/app/crds.yaml", "  name: clusters.postgresql.cnpg.io\n", &format!("  name: clusters.postgresql.cnpg.io\n{PRUNE_DISABLED}")));
    protected.edit("kubernetes/apps/media/shared/app/kustomization.yaml", "  - ./crds.yaml\n", "");
    protected.commit("head");
    let outcome = diff_tags(&protected);
    assert!(outcome.findings.is_empty(), "{:?}", findings(&outcome));
    assert_eq!(outcome.details.kustomizations[0].removed[0].action, Action::Orphan);

    // jellyfin applies the same CRD too, and keeps applying it.
    let shared = crd_repo(|repo| {
        repo.write("kubernetes/apps/media/jellyfin/app/crds.yaml", CRD);
        repo.edit("kubernetes/apps/media/jellyfin/app/kustomization.yaml", "resources:\n", "resources:\n  - ./crds.yaml\n");
    });
    shared.edit("kubernetes/apps/media/shared/app/kustomization.yaml", "  - ./crds.yaml\n", "");
    shared.commit("head");
    let outcome = diff_tags(&shared);
    assert!(!findings(&outcome).iter().any(|f| f.starts_with("guard/crd-deleted")), "{:?}", findings(&outcome));
    assert_ne!(outcome.report().exit_status() as i32, 2, "{:?}", findings(&outcome));
}

/// The jellyfin HelmRelease with app-template persistence: a claim the chart
/// creates (`config`), one it only mounts (`media`), a scratch folder.
const HELMRELEASE_WITH_CLAIMS: &str = "\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: jellyfin
spec:
  interval: 1h
  chart:
    spec:
      chart: app-template
      version: 3.5.1
      sourceRef:
        kind: HelmRepository
        name: bjw-s
        namespace: flux-system
  values:
    persistence:
      config:
        accessMode: ReadWriteOnce
        size: 10Gi
      media:
        existingClaim: jellyfin-media
      transcode:
        type: emptyDir
";

fn remove_helmrelease(repo: &GitRepo) {
    repo.edit("kubernetes/apps/media/jellyfin/app/kustomization.yaml", "  - ./helmrelease.yaml\n", "");
    repo.commit("head");
}

#[test]
fn removing_a_helmrelease_whose_chart_creates_claims_is_critical() {
    let repo = GitRepo::new(&base_files());
    repo.write("kubernetes/apps/media/jellyfin/app/helmrelease.yaml", HELMRELEASE_WITH_CLAIMS);
    repo.commit("base");
    remove_helmrelease(&repo);
    let outcome = diff_tags(&repo);
    assert_eq!(findings(&outcome), ["guard/helm-uninstall critical HelmRelease/media/jellyfin"]);
    let text = message(&outcome, "guard/helm-uninstall");
    assert!(text.contains("helm-controller uninstalls its release (app-template 3.5.1)"), "{text}");
    assert!(text.contains("the persistent volume claims its values create (persistence.config)"), "{text}");
    assert!(!text.contains("persistence.media"), "an existingClaim survives: {text}");
}

#[test]
fn removing_a_helmrelease_without_claims_is_a_warning_naming_the_chart() {
    let repo = common::base_repo();
    remove_helmrelease(&repo);
    let outcome = diff_tags(&repo);
    assert_eq!(findings(&outcome), ["guard/helm-uninstall warning HelmRelease/media/jellyfin"]);
    assert!(message(&outcome, "guard/helm-uninstall").contains("(app-template 3.5.1)"));
    assert_eq!(outcome.report().exit_status() as i32, 1);
}

#[test]
fn a_chart_ref_names_the_oci_repository_chart_and_tag() {
    let repo = GitRepo::new(&base_files());
    repo.write(
        "kubernetes/apps/media/shared/app/ocirepository.yaml",
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: app-template\nspec:\n  interval: 1h\n  url: oci://ghcr.io/bjw-s-labs/helm/app-template\n  ref:\n    tag: 4.1.2\n",
    );
    repo.edit("kubernetes/apps/media/shared/app/kustomization.yaml", "resources:\n", "resources:\n  - ./ocirepository.yaml\n");
    repo.edit(
        "kubernetes/apps/media/jellyfin/app/helmrelease.yaml",
        "  chart:\n    spec:\n      chart: app-template\n      version: 3.5.1\n      sourceRef:\n        kind: HelmRepository\n        name: bjw-s\n        namespace: flux-system\n",
        "  chartRef:\n    kind: OCIRepository\n    name: app-template\n",
    );
    repo.edit("kubernetes/apps/media/jellyfin/app/helmrelease.yaml", "  values:\n", "  values:\n    persistence:\n      data:\n        size: 1Gi\n        accessMode: ReadWriteOnce\n");
    repo.commit("base");
    remove_helmrelease(&repo);
    let outcome = diff_tags(&repo);
    let text = message(&outcome, "guard/helm-uninstall");
    assert!(text.contains("(app-template 4.1.2)"), "{text}");
    assert!(text.contains("(persistence.data)"), "{text}");
}

#[test]
fn a_helmrelease_moved_protected_or_suspended_is_not_uninstalled() {
    // Moved to media-shared: guard/moved-between-kustomizations says what can go wrong.
    let repo = GitRepo::new(&base_files());
    repo.write("kubernetes/apps/media/jellyfin/app/helmrelease.yaml", HELMRELEASE_WITH_CLAIMS);
    repo.commit("base");
    let release = repo.read("kubernetes/apps/media/jellyfin/app/helmrelease.yaml");
    repo.remove("kubernetes/apps/media/jellyfin/app/helmrelease.yaml");
    repo.edit("kubernetes/apps/media/jellyfin/app/kustomization.yaml", "  - ./helmrelease.yaml\n", "");
    repo.write("kubernetes/apps/media/shared/app/helmrelease.yaml", &release);
    repo.edit("kubernetes/apps/media/shared/app/kustomization.yaml", "resources:\n", "resources:\n  - ./helmrelease.yaml\n");
    repo.commit("head");
    let outcome = diff_tags(&repo);
    assert_eq!(findings(&outcome), ["guard/moved-between-kustomizations critical HelmRelease/media/jellyfin"]);

    for (from, setting, reason) in [
        ("  name: jellyfin\n", "  name: jellyfin\n  annotations:\n    kustomize.toolkit.fluxcd.io/prune: disabled\n", "prune: disabled"),
        ("spec:\n", "spec:\n  suspend: true\n", "without uninstalling"),
    ] {
        let repo = GitRepo::new(&base_files());
        let release = HELMRELEASE_WITH_CLAIMS.replacen(from, setting, 1);
        repo.write("kubernetes/apps/media/jellyfin/app/helmrelease.yaml", &release);
        repo.commit("base");
        remove_helmrelease(&repo);
        let outcome = diff_tags(&repo);
        assert!(outcome.findings.is_empty(), "{setting}: {:?}", findings(&outcome));
        let removed = &outcome.details.kustomizations[0].removed[0];
        assert!(removed.reason.contains(reason), "{setting}: {}", removed.reason);
    }
}

/// The base repository with `force: true` on the jellyfin Kustomization.
fn forced_repo(tweak: impl FnOnce(&GitRepo)) -> GitRepo {
    let repo = GitRepo::new(&base_files());
    repo.edit("kubernetes/apps/media/jellyfin/ks.yaml", "  prune: true\n", "  prune: true\n  force: true\n");
    tweak(&repo);
    repo.commit("base");
    repo
}

#[test]
fn a_forced_claim_change_is_data_loss_naming_the_field() {
    let repo = forced_repo(|_| {});
    repo.edit("kubernetes/apps/media/jellyfin/app/pvc.yaml", "storageClassName: ceph-block", "storageClassName: nfs");
    repo.commit("head");
    let outcome = diff_tags(&repo);
    assert_eq!(findings(&outcome), ["guard/data-loss critical PersistentVolumeClaim/media/jellyfin-config"]);
    let text = message(&outcome, "guard/data-loss");
    assert!(text.contains("spec.storageClassName (ceph-block → nfs) cannot change in place"), "{text}");
    assert!(text.contains("`spec.force: true` on Kustomization/flux-system/jellyfin makes Flux re-create it"), "{text}");
    assert!(text.contains("the new claim starts empty"), "{text}");

    // The object's own annotation forces it just the same.
    let repo = GitRepo::new(&base_files());
    repo.edit(
        "kubernetes/apps/media/jellyfin/app/pvc.yaml",
        "  name: jellyfin-config\n",
        "  name: jellyfin-config\n  annotations:\n    kustomize.toolkit.fluxcd.io/force: enabled\n",
    );
    repo.commit("base");
    repo.edit("kubernetes/apps/media/jellyfin/app/pvc.yaml", "storage: 10Gi", "storage: 5Gi");
    repo.commit("head");
    let outcome = diff_tags(&repo);
    assert_eq!(findings(&outcome), ["guard/data-loss critical PersistentVolumeClaim/media/jellyfin-config"]);
    let text = message(&outcome, "guard/data-loss");
    assert!(text.contains("spec.resources.requests.storage (10Gi → 5Gi)"), "{text}");
    assert!(text.contains("`kustomize.toolkit.fluxcd.io/force: enabled` on it"), "{text}");
}

#[test]
fn a_forced_claim_that_only_writes_out_what_the_cluster_filled_in_is_not_data_loss() {
    // volumeMode: Filesystem is the default: nothing changes at all.
    let repo = forced_repo(|_| {});
    repo.edit("kubernetes/apps/media/jellyfin/app/pvc.yaml", "storageClassName: ceph-block", "storageClassName: ceph-block\n  volumeMode: Filesystem");
    repo.commit("head");
    let outcome = diff_tags(&repo);
    assert!(findings(&outcome).is_empty(), "{:?}", findings(&outcome));

    // A class written out where none was: the cluster's default may be that
    // very class. Unknown offline: a warning, not data loss.
    let repo = forced_repo(|repo| repo.edit("kubernetes/apps/media/jellyfin/app/pvc.yaml", "  storageClassName: ceph-block\n", ""));
    repo.edit("kubernetes/apps/media/jellyfin/app/pvc.yaml", "  accessModes:", "  storageClassName: ceph-block\n  accessModes:");
    repo.commit("head");
    let outcome = diff_tags(&repo);
    assert_eq!(findings(&outcome), ["guard/immutable-change warning PersistentVolumeClaim/media/jellyfin-config"]);
}

#[test]
fn a_forced_statefulset_loses_data_only_when_its_claims_go_with_it() {
    // whenDeleted: Retain (the default): the claims stay and are reused.
    let repo = forced_repo(|_| {});
    repo.edit("kubernetes/apps/media/jellyfin/app/statefulset.yaml", "storage: 5Gi", "storage: 20Gi");
    repo.commit("head");
    let outcome = diff_tags(&repo);
    assert_eq!(findings(&outcome), ["guard/immutable-change warning StatefulSet/media/jellyfin-db"]);
    let text = message(&outcome, "guard/immutable-change");
    assert!(text.contains("makes Flux delete it and create it again"), "{text}");
    assert!(text.contains("the new claim templates do not reach them"), "{text}");

    // whenDeleted: Delete: the claims are deleted with the StatefulSet.
    let repo = forced_repo(|repo| {
        repo.edit(
            "kubernetes/apps/media/jellyfin/app/statefulset.yaml",
            "  replicas: 1\n",
            "  replicas: 1\n  persistentVolumeClaimRetentionPolicy:\n    whenDeleted: Delete\n",
        )
    });
    repo.edit("kubernetes/apps/media/jellyfin/app/statefulset.yaml", "storage: 5Gi", "storage: 20Gi");
    repo.commit("head");
    let outcome = diff_tags(&repo);
    assert_eq!(findings(&outcome), ["guard/data-loss critical StatefulSet/media/jellyfin-db"]);
    let text = message(&outcome, "guard/data-loss");
    assert!(text.contains("spec.volumeClaimTemplates"), "{text}");
    assert!(text.contains("whenDeleted: Delete deletes the claims of its pods"), "{text}");

    // A renamed claim template: the pods come back on new, empty volumes.
    let repo = forced_repo(|_| {});
    repo.edit("kubernetes/apps/media/jellyfin/app/statefulset.yaml", "        name: data\n", "        name: pgdata\n");
    repo.commit("head");
    let outcome = diff_tags(&repo);
    assert_eq!(findings(&outcome), ["guard/data-loss critical StatefulSet/media/jellyfin-db"]);
    assert!(message(&outcome, "guard/data-loss").contains("without the claims of the template `data`"));
}

#[test]
fn force_without_an_immutable_change_is_quiet() {
    let repo = forced_repo(|_| {});
    repo.edit("kubernetes/apps/media/jellyfin/app/statefulset.yaml", "replicas: 1", "replicas: 2");
    repo.edit("kubernetes/apps/media/jellyfin/app/pvc.yaml", "storage: 10Gi", "storage: 20Gi");
    repo.commit("head");
    let outcome = diff_tags(&repo);
    assert!(outcome.findings.is_empty(), "{:?}", findings(&outcome));
    assert_eq!(outcome.details.totals.changed, 2);
}
