//! Fixture repositories built inside the tests: `git init`, write the base
//! files, commit, change them, commit again.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use anton_diff::{DiffOutcome, DiffRequest, diff};
use tempfile::TempDir;

pub struct GitRepo {
    _dir: TempDir,
    pub root: PathBuf,
}

impl GitRepo {
    /// A new repository on branch `main` holding `files`, not yet committed.
    pub fn new(files: &[(&str, &str)]) -> GitRepo {
        let dir = tempfile::tempdir().expect("temporary folder");
        let root = dir.path().canonicalize().expect("canonical temp path").join("repo");
        std::fs::create_dir_all(&root).expect("create repo");
        let repo = GitRepo { _dir: dir, root };
        repo.git(&["init", "-q", "-b", "main"]);
        for (path, contents) in files {
            repo.write(path, contents);
        }
        repo
    }

    pub fn git(&self, args: &[&str]) -> String {
        let output = Command::new("git")
            .current_dir(&self.root)
            .args(["-c", "user.name=t", "-c", "user.email=t@e", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"])
            .args(args)
            .output()
            .expect("run git");
        assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    pub fn write(&self, relative: &str, contents: &str) {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("create folder");
        std::fs::write(path, contents).expect("write");
    }

    pub fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.path(relative)).expect("read")
    }

    pub fn remove(&self, relative: &str) {
        let path = self.path(relative);
        if path.is_dir() {
            std::fs::remove_dir_all(path).expect("remove folder");
        } else {
            std::fs::remove_file(path).expect("remove file");
        }
    }

    /// Replaces `from` by `to` in a file, which must contain it.
    pub fn edit(&self, relative: &str, from: &str, to: &str) {
        let text = self.read(relative);
        assert!(text.contains(from), "{relative} does not contain {from:?}");
        self.write(relative, &text.replacen(from, to, 1));
    }

    /// Commits everything and tags the commit.
    pub fn commit(&self, tag: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", tag]);
        self.git(&["tag", tag]);
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

pub const CLUSTER_KS: &str = "\
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

pub const JELLYFIN_KS: &str = "\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: jellyfin
  namespace: flux-system
spec:
  interval: 1h
  path: ./kubernetes/apps/media/jellyfin/app
  prune: true
  targetNamespace: media
  sourceRef:
    kind: GitRepository
    name: flux-system
";

pub const SHARED_KS: &str = "\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: media-shared
  namespace: flux-system
spec:
  interval: 1h
  path: ./kubernetes/apps/media/shared/app
  prune: true
  targetNamespace: media
  sourceRef:
    kind: GitRepository
    name: flux-system
";

pub const HELMRELEASE: &str = "\
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
    resources:
      limits:
        memory: 512Mi
";

pub const PVC: &str = "\
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

pub const STATEFULSET: &str = "\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: jellyfin-db
spec:
  serviceName: jellyfin-db
  replicas: 1
  selector:
    matchLabels:
      app: jellyfin-db
  template:
    metadata:
      labels:
        app: jellyfin-db
    spec:
      containers:
        - name: postgres
          image: postgres:16.4
          env:
            - name: PGDATA
              value: /data/pg
          ports:
            - containerPort: 5432
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: [ReadWriteOnce]
        resources:
          requests:
            storage: 5Gi
";

pub const SERVICE_AND_SECRET: &str = "\
apiVersion: v1
kind: Service
metadata:
  name: jellyfin
spec:
  ports:
    - port: 8096
      targetPort: 8096
---
apiVersion: v1
kind: Secret
metadata:
  name: jellyfin-api
stringData:
  api-key: super-secret-value
";

/// A small Flux repository laid out like the Anton cluster: `cluster-apps`
/// applies `kubernetes/apps`, which holds the `media` Namespace and two app
/// Kustomizations, `jellyfin` (a HelmRelease, a claim, a StatefulSet, a
/// Service and a Secret) and `media-shared` (a ConfigMap).
pub fn base_files() -> Vec<(&'static str, &'static str)> {
    vec![
        ("kubernetes/flux/cluster/ks.yaml", CLUSTER_KS),
        ("kubernetes/apps/kustomization.yaml", "resources:\n  - ./media\n"),
        (
            "kubernetes/apps/media/kustomization.yaml",
            "resources:\n  - ./namespace.yaml\n  - ./jellyfin/ks.yaml\n  - ./shared/ks.yaml\n",
        ),
        ("kubernetes/apps/media/namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: media\n"),
        ("kubernetes/apps/media/jellyfin/ks.yaml", JELLYFIN_KS),
        (
            "kubernetes/apps/media/jellyfin/app/kustomization.yaml",
            "resources:\n  - ./helmrelease.yaml\n  - ./pvc.yaml\n  - ./statefulset.yaml\n  - ./service.yaml\n",
        ),
        ("kubernetes/apps/media/jellyfin/app/helmrelease.yaml", HELMRELEASE),
        ("kubernetes/apps/media/jellyfin/app/pvc.yaml", PVC),
        ("kubernetes/apps/media/jellyfin/app/statefulset.yaml", STATEFULSET),
        ("kubernetes/apps/media/jellyfin/app/service.yaml", SERVICE_AND_SECRET),
        ("kubernetes/apps/media/shared/ks.yaml", SHARED_KS),
        ("kubernetes/apps/media/shared/app/kustomization.yaml", "resources:\n  - ./configmap.yaml\n"),
        (
            "kubernetes/apps/media/shared/app/configmap.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: media-settings\ndata:\n  TZ: Europe/Paris\n",
        ),
    ]
}

/// The base repository, committed as `base`.
pub fn base_repo() -> GitRepo {
    let repo = GitRepo::new(&base_files());
    repo.commit("base");
    repo
}

/// Compares the commits tagged `base` and `head`.
pub fn diff_tags(repo: &GitRepo) -> DiffOutcome {
    diff(&DiffRequest { path: repo.path("kubernetes"), base: Some("base".into()), head: Some("head".into()) }).expect("diff runs")
}

/// `rule severity object` of every finding, sorted.
pub fn findings(outcome: &DiffOutcome) -> Vec<String> {
    let mut keys: Vec<String> = outcome
        .findings
        .iter()
        .map(|f| format!("{} {} {}", f.rule, f.severity, f.object.clone().unwrap_or_default()))
        .collect();
    keys.sort();
    keys
}

/// The message of the first finding of `rule`.
pub fn message<'a>(outcome: &'a DiffOutcome, rule: &str) -> &'a str {
    outcome
        .findings
        .iter()
        .find(|f| f.rule == rule)
        .map(|f| f.message.as_str())
        .unwrap_or_else(|| panic!("no {rule} finding in {:?}", findings(outcome)))
}
