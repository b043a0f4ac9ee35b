//! `anton diff` from the outside: exit codes, the report contract, the
//! GitHub annotations, and snapshots of the text and Markdown outputs, on
//! git repositories built in the tests.
//!
//! Regenerate the snapshots with `INSTA_UPDATE=always cargo test -p anton-cli --test diff_cli`.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

// The git repositories of anton-diff's own tests: init, write, commit, tag.
#[path = "../../anton-diff/tests/common/mod.rs"]
mod diff_common;

use diff_common::GitRepo;

const CLUSTER_KS: &str = "\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: cluster-apps
  namespace: flux-system
spec:
  interval: 30m
  path: ./kubernetes/apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
";

fn app_ks(name: &str) -> String {
    format!(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./kubernetes/apps/media/{name}/app\n  prune: true\n  targetNamespace: media\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
    )
}

const HELMRELEASE: &str = "\
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
    controllers:
      jellyfin:
        containers:
          app:
            image:
              repository: ghcr.io/jellyfin/jellyfin
              tag: 10.10.3
    resources:
      limits:
        memory: 512Mi
";

const PVC: &str = "\
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: jellyfin-config
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: ceph-block
  resources:
    requests:
      storage: 10Gi
";

const SERVICE: &str = "\
apiVersion: v1
kind: Service
metadata:
  name: sonarr
spec:
  clusterIP: 10.43.0.10
  ports:
    - name: http
      port: 8989
";

const SECRET: &str = "\
apiVersion: v1
kind: Secret
metadata:
  name: sonarr-api
stringData:
  api-key: super-secret-value
";

/// `cluster-apps` applies the `media` Namespace and two apps: `jellyfin` (a
/// HelmRelease and a claim) and `sonarr` (a Service and a Secret).
fn base_repo() -> GitRepo {
    let jellyfin_ks = app_ks("jellyfin");
    let sonarr_ks = app_ks("sonarr");
    let repo = GitRepo::new(&[
        ("kubernetes/flux/cluster/ks.yaml", CLUSTER_KS),
        ("kubernetes/apps/kustomization.yaml", "resources:\n  - ./media\n"),
        (
            "kubernetes/apps/media/kustomization.yaml",
            "resources:\n  - ./namespace.yaml\n  - ./jellyfin/ks.yaml\n  - ./sonarr/ks.yaml\n",
        ),
        ("kubernetes/apps/media/namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: media\n"),
        ("kubernetes/apps/media/jellyfin/ks.yaml", &jellyfin_ks),
        ("kubernetes/apps/media/jellyfin/app/kustomization.yaml", "resources:\n  - ./helmrelease.yaml\n  - ./pvc.yaml\n"),
        ("kubernetes/apps/media/jellyfin/app/helmrelease.yaml", HELMRELEASE),
        ("kubernetes/apps/media/jellyfin/app/pvc.yaml", PVC),
        ("kubernetes/apps/media/sonarr/ks.yaml", &sonarr_ks),
        ("kubernetes/apps/media/sonarr/app/kustomization.yaml", "resources:\n  - ./service.yaml\n  - ./secret.yaml\n"),
        ("kubernetes/apps/media/sonarr/app/service.yaml", SERVICE),
        ("kubernetes/apps/media/sonarr/app/secret.yaml", SECRET),
    ]);
    repo.commit("base");
    repo
}

/// The change the snapshots show: jellyfin removed (a HelmRelease and a
/// claim go with it), sonarr's Service given another clusterIP, its Secret
/// changed, a ConfigMap added.
fn risky_change() -> GitRepo {
    let repo = base_repo();
    repo.remove("kubernetes/apps/media/jellyfin");
    repo.edit("kubernetes/apps/media/kustomization.yaml", "  - ./jellyfin/ks.yaml\n", "");
    repo.edit("kubernetes/apps/media/sonarr/app/service.yaml", "10.43.0.10", "10.43.0.20");
    repo.edit("kubernetes/apps/media/sonarr/app/secret.yaml", "super-secret-value", "rotated-secret-value");
    repo.write(
        "kubernetes/apps/media/sonarr/app/configmap.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sonarr-settings\ndata:\n  TZ: UTC\n",
    );
    repo.edit("kubernetes/apps/media/sonarr/app/kustomization.yaml", "  - ./secret.yaml\n", "  - ./secret.yaml\n  - ./configmap.yaml\n");
    repo.commit("head");
    repo
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn anton(cwd: &Path, args: &[&str]) -> Run {
    let output = Command::cargo_bin("anton")
        .expect("the anton binary is built")
        .current_dir(cwd)
        .args(args)
        .args(["--color", "never"])
        .env_remove("NO_COLOR")
        .output()
        .expect("run anton");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

fn diff(repo: &GitRepo, extra: &[&str]) -> Run {
    let mut args = vec!["diff", "--base", "base", "--head", "head"];
    args.extend_from_slice(extra);
    anton(&repo.root, &args)
}

/// Commit ids change with every run.
fn stable() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\b[0-9a-f]{7}\b", "[commit]");
    settings.add_filter(r#""commit": "[0-9a-f]{40}""#, r#""commit": "[commit]""#);
    settings.add_filter(r#""timestamp": "[^"]+""#, r#""timestamp": "[timestamp]""#);
    settings.set_prepend_module_to_snapshot(false);
    settings
}

#[test]
fn nothing_to_report_exits_zero() {
    let repo = base_repo();
    // A comment, reordered keys and a renamed file change nothing Flux applies.
    repo.edit("kubernetes/apps/media/namespace.yaml", "apiVersion: v1\nkind: Namespace\n", "# the media namespace\nkind: Namespace\napiVersion: v1\n");
    repo.remove("kubernetes/apps/media/sonarr/app/secret.yaml");
    repo.write("kubernetes/apps/media/sonarr/app/api-secret.yaml", SECRET);
    repo.edit("kubernetes/apps/media/sonarr/app/kustomization.yaml", "./secret.yaml", "./api-secret.yaml");
    repo.commit("head");
    let run = diff(&repo, &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("No change to what Flux applies."), "{}", run.stdout);
}

#[test]
fn deletions_exit_two_and_the_json_carries_the_diff() {
    let repo = risky_change();
    let run = diff(&repo, &["--json"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).expect("JSON");
    let keys: Vec<&str> = json.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(keys, ["status", "timestamp", "summary", "details", "issues"]);
    assert_eq!(json["status"], "critical");
    let diff = &json["details"]["diff"];
    assert_eq!(diff["base"]["label"], "base");
    assert_eq!(diff["totals"]["deleted"], 3);
    let first = &diff["kustomizations"][0];
    assert_eq!(first["id"], "Kustomization/flux-system/jellyfin");
    assert_eq!(first["status"], "removed");
    assert_eq!(first["removed"][0]["object"], "HelmRelease/media/jellyfin");
    assert_eq!(first["removed"][0]["action"], "delete");
    let rules: Vec<&str> = json["details"]["findings"].as_array().expect("findings").iter().filter_map(|f| f["rule"].as_str()).collect();
    assert!(rules.contains(&"guard/kustomization-deleted") && rules.contains(&"guard/data-loss"), "{rules:?}");
    assert!(!run.stdout.contains("secret-value"), "a Secret value leaked");
}

#[test]
fn github_annotations_one_per_finding() {
    let repo = risky_change();
    let run = diff(&repo, &["--format", "github"]);
    assert_eq!(run.code, 2);
    let annotations: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("::")).collect();
    // kustomization-deleted, data-loss, helm-uninstall, immutable-change.
    assert_eq!(annotations.len(), 4, "{}", run.stdout);
    assert!(
        annotations.iter().any(|a| a.starts_with("::error file=kubernetes/apps/media/jellyfin/ks.yaml,line=1,col=1,title=guard/kustomization-deleted::")),
        "{}",
        run.stdout
    );
    assert!(annotations.iter().any(|a| a.starts_with("::warning file=kubernetes/apps/media/sonarr/app/service.yaml")), "{}", run.stdout);
}

#[test]
fn text_output() {
    let repo = risky_change();
    let run = diff(&repo, &[]);
    assert_eq!(run.code, 2);
    stable().bind(|| insta::assert_snapshot!("diff_text", run.stdout));
}

#[test]
fn markdown_output() {
    let repo = risky_change();
    let run = diff(&repo, &["--format", "markdown"]);
    assert_eq!(run.code, 2);
    assert!(!run.stdout.contains("secret-value"), "a Secret value leaked");
    stable().bind(|| insta::assert_snapshot!("diff_markdown", run.stdout));
}

#[test]
fn markdown_stays_under_its_budget() {
    let repo = risky_change();
    let run = diff(&repo, &["--format", "markdown", "--max-bytes", "2500"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.len() <= 2500, "{} bytes", run.stdout.len());
    assert!(run.stdout.contains("Summarised to stay under 2500 bytes"), "{}", run.stdout);
    assert!(run.stdout.contains("guard/kustomization-deleted"), "{}", run.stdout);
    stable().bind(|| insta::assert_snapshot!("diff_markdown_budget", run.stdout));
}

#[test]
fn the_work_tree_is_the_default_head() {
    let repo = base_repo();
    repo.edit("kubernetes/apps/media/jellyfin/app/helmrelease.yaml", "version: 3.5.1", "version: 4.0.0");
    let run = anton(&repo.root, &["diff"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("→ working tree"), "{}", run.stdout);
    assert!(run.stdout.contains("chart.spec.version: 3.5.1 → 4.0.0 (major)"), "{}", run.stdout);
}

#[test]
fn tool_errors_exit_three() {
    let outside = tempfile::tempdir().expect("temp");
    let run = anton(outside.path(), &["diff", "."]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("not inside a git repository"), "{}", run.stdout);
    let repo = base_repo();
    let run = anton(&repo.root, &["diff", "--base", "nope", "--json"]);
    assert_eq!(run.code, 3);
    assert!(run.stdout.contains("`nope` names no commit"), "{}", run.stdout);
}

#[test]
fn help_has_examples() {
    let run = anton(Path::new("."), &["diff", "--help"]);
    assert_eq!(run.code, 0);
    for wanted in ["--base <REF>", "--head <REF>", "--max-bytes <BYTES>", "anton diff --base origin/main"] {
        assert!(run.stdout.contains(wanted), "{wanted}: {}", run.stdout);
    }
}

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

/// The base repository where `sonarr` also applies the CNPG CRD and
/// `jellyfin` a database of that kind; `annotations` go on the CRD.
fn crd_repo(annotations: &str) -> GitRepo {
    let repo = base_repo();
    repo.write("kubernetes/apps/media/sonarr/app/crds.yaml", &CRD.replacen("  name: clusters.postgresql.cnpg.io\n", &format!("  name: clusters.postgresql.cnpg.io\n{annotations}"), 1));
    repo.edit("kubernetes/apps/media/sonarr/app/kustomization.yaml", "resources:\n", "resources:\n  - ./crds.yaml\n");
    repo.write(
        "kubernetes/apps/media/jellyfin/app/database.yaml",
        "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: jellyfin-db\nspec:\n  instances: 1\n",
    );
    repo.edit("kubernetes/apps/media/jellyfin/app/kustomization.yaml", "resources:\n", "resources:\n  - ./database.yaml\n");
    repo.git(&["tag", "-d", "base"]);
    repo.commit("base");
    repo
}

fn rules_of(run: &Run) -> Vec<(String, String)> {
    let json: Value = serde_json::from_str(&run.stdout).expect("JSON");
    json["details"]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| (f["rule"].as_str().unwrap_or_default().to_owned(), f["severity"].as_str().unwrap_or_default().to_owned()))
        .collect()
}

#[test]
fn a_pruned_crd_is_critical_and_listed_first_in_the_markdown() {
    let repo = crd_repo("");
    repo.edit("kubernetes/apps/media/sonarr/app/kustomization.yaml", "  - ./crds.yaml\n", "");
    // A warning in the same change: the cascade still comes first.
    repo.edit("kubernetes/apps/media/sonarr/app/service.yaml", "10.43.0.10", "10.43.0.20");
    repo.commit("head");
    let run = diff(&repo, &["--format", "markdown"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let first = run.stdout.lines().find(|l| l.starts_with("- ")).expect("a finding");
    assert!(first.contains("`guard/crd-deleted`"), "{}", run.stdout);
    assert!(first.contains("Kubernetes then deletes every Cluster in the cluster"), "{first}");
    assert!(first.contains("Cluster/media/jellyfin-db in Kustomization/flux-system/jellyfin"), "{first}");
    assert!(first.contains("outside Git"), "{first}");
    let (crd, changes) = (run.stdout.find("guard/crd-deleted"), run.stdout.find("#### Changes by Flux Kustomization"));
    assert!(crd < changes && run.stdout.find("guard/immutable-change") > crd, "{}", run.stdout);
}

#[test]
fn a_crd_with_prune_disabled_is_left_quietly() {
    let repo = crd_repo("  annotations:\n    kustomize.toolkit.fluxcd.io/prune: disabled\n");
    repo.edit("kubernetes/apps/media/sonarr/app/kustomization.yaml", "  - ./crds.yaml\n", "");
    repo.commit("head");
    let run = diff(&repo, &["--json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(rules_of(&run).is_empty(), "{}", run.stdout);
    assert_eq!(serde_json::from_str::<Value>(&run.stdout).expect("JSON")["details"]["diff"]["totals"]["orphaned"], 1);
}

#[test]
fn a_forced_claim_change_is_data_loss_and_without_force_a_warning() {
    let forced = base_repo();
    forced.edit("kubernetes/apps/media/jellyfin/ks.yaml", "  prune: true\n", "  prune: true\n  force: true\n");
    forced.git(&["tag", "-d", "base"]);
    forced.commit("base");
    forced.edit("kubernetes/apps/media/jellyfin/app/pvc.yaml", "storageClassName: ceph-block", "storageClassName: ceph-filesystem");
    forced.commit("head");
    let run = diff(&forced, &["--json"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert_eq!(rules_of(&run), [("guard/data-loss".to_owned(), "critical".to_owned())]);
    assert!(run.stdout.contains("spec.storageClassName (ceph-block → ceph-filesystem) cannot change in place"), "{}", run.stdout);
    assert!(run.stdout.contains("`spec.force: true` on Kustomization/flux-system/jellyfin"), "{}", run.stdout);

    // The same change without force: the apply fails, nothing is deleted.
    let plain = base_repo();
    plain.edit("kubernetes/apps/media/jellyfin/app/pvc.yaml", "storageClassName: ceph-block", "storageClassName: ceph-filesystem");
    plain.commit("head");
    let run = diff(&plain, &["--json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(rules_of(&run), [("guard/immutable-change".to_owned(), "warning".to_owned())]);
}

#[test]
fn a_removed_helmrelease_names_its_chart_and_is_critical_when_it_creates_claims() {
    let plain = base_repo();
    plain.edit("kubernetes/apps/media/jellyfin/app/kustomization.yaml", "  - ./helmrelease.yaml\n", "");
    plain.commit("head");
    let run = diff(&plain, &["--json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(rules_of(&run), [("guard/helm-uninstall".to_owned(), "warning".to_owned())]);
    assert!(run.stdout.contains("helm-controller uninstalls its release (app-template 3.5.1)"), "{}", run.stdout);

    let with_claims = base_repo();
    with_claims.edit(
        "kubernetes/apps/media/jellyfin/app/helmrelease.yaml",
        "  values:\n",
        "  values:\n    persistence:\n      config:\n        type: persistentVolumeClaim\n        accessMode: ReadWriteOnce\n        size: 10Gi\n",
    );
    with_claims.git(&["tag", "-d", "base"]);
    with_claims.commit("base");
    with_claims.edit("kubernetes/apps/media/jellyfin/app/kustomization.yaml", "  - ./helmrelease.yaml\n", "");
    with_claims.commit("head");
    let run = diff(&with_claims, &["--format", "markdown"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let first = run.stdout.lines().find(|l| l.starts_with("- ")).expect("a finding");
    assert!(first.contains("`guard/helm-uninstall`") && first.contains("(persistence.config)"), "{}", run.stdout);
}

#[test]
fn a_helmrelease_with_prune_disabled_is_left_quietly() {
    let repo = base_repo();
    repo.edit(
        "kubernetes/apps/media/jellyfin/app/helmrelease.yaml",
        "  name: jellyfin\n",
        "  name: jellyfin\n  annotations:\n    kustomize.toolkit.fluxcd.io/prune: disabled\n",
    );
    repo.git(&["tag", "-d", "base"]);
    repo.commit("base");
    repo.edit("kubernetes/apps/media/jellyfin/app/kustomization.yaml", "  - ./helmrelease.yaml\n", "");
    repo.commit("head");
    let run = diff(&repo, &["--json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(rules_of(&run).is_empty(), "{}", run.stdout);
}

#[test]
fn rules_explain_documents_the_guard_rules() {
    for id in ["guard/crd-deleted", "guard/data-loss", "guard/helm-uninstall"] {
        let run = anton(Path::new("."), &["rules", "explain", id]);
        assert_eq!(run.code, 0, "{id}: {}", run.stderr);
        for section in [format!("# {id} (critical)"), "## What it checks".into(), "## Why it matters".into(), "## Bad example".into(), "## Fixed example".into()] {
            assert!(run.stdout.contains(&section), "{id}: {section} missing from\n{}", run.stdout);
        }
    }
    let family = anton(Path::new("."), &["rules", "explain", "guard"]);
    assert_eq!(family.stdout.matches("\n## What it checks").count(), anton_diff::rules::ALL.len(), "{}", family.stdout);
    let listed = anton(Path::new("."), &["rules"]);
    assert!(listed.stdout.lines().any(|l| l.starts_with("guard/helm-uninstall") && l.contains("critical")), "{}", listed.stdout);
}
