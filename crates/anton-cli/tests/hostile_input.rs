//! Issue 23: what a hostile or careless user can throw at anton. Never panic,
//! never hang, never leak a secret, never write outside the repository,
//! never call healthy what was not checked, and keep the exit-code contract.
//!
//! Every repository here is written by its test, one per case.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

// The git repositories of anton-diff's own tests: init, write, commit, tag.
#[path = "../../anton-diff/tests/common/mod.rs"]
mod diff_common;

use diff_common::GitRepo;

/// What one run gave, with the environment under the test's control.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.all()))
    }
}

/// Runs anton in `cwd` with no kubeconfig from the environment, a private
/// cache and a deadline: a hang fails the test instead of blocking it.
fn run(cwd: &Path, args: &[&str]) -> Run {
    let home = cwd.join(".test-home");
    let output = Command::cargo_bin("anton")
        .expect("the anton binary is built")
        .current_dir(cwd)
        .args(args)
        .env_remove("KUBECONFIG")
        .env("HOME", &home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run anton");
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert_ne!(run.code, -1, "anton {args:?} was killed (a hang past the deadline, or a signal):\n{}", run.all());
    assert_ne!(run.code, 101, "anton {args:?} panicked:\n{}", run.all());
    assert!(!run.stderr.contains("panicked at"), "anton {args:?} panicked:\n{}", run.all());
    run
}

fn write(root: &Path, relative: &str, contents: &str) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("create folder");
    std::fs::write(path, contents).expect("write file");
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo").arg(path).status().expect("run mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}

const FORMATS: [&str; 6] = ["text", "json", "github", "markdown", "sarif", "junit"];

// ---------------------------------------------------------------------------
// Point 2: secret values are never printed.

/// Every planted secret contains this marker; no output may contain it.
const MARK: &str = "PLANTED";
/// An age identity (bech32 alphabet) with the marker inside it.
const AGE_KEY: &str = "AGE-SECRET-KEY-1QPLANTEDQQQSYQCYQ5RQQQSYQCYQ5RQQQSYQCYQ5RQQQSYQCYQ5RQ";

const FLUX_ROOT: &str = "\
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
    namespace: flux-system
  postBuild:
    substituteFrom:
      - kind: Secret
        name: cluster-secrets
";

const APPS_KUSTOMIZATION: &str = "\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ./cluster-secrets.yaml
  - ./db-secret.yaml
  - ./app-config.yaml
  - ./keys.yaml
  - ./sops-secret.yaml
secretGenerator:
  - name: from-env
    namespace: default
    envs:
      - ./secrets.env
  - name: from-literal
    namespace: default
    literals:
      - api-key=PLANTED-generator-literal-4f1
      - broken PLANTED-generator-broken-literal
";

/// The places of point 2, one planted value each.
fn plant_secrets(root: &Path) {
    write(root, "kubernetes/flux/cluster.yaml", FLUX_ROOT);
    write(root, "kubernetes/apps/kustomization.yaml", APPS_KUSTOMIZATION);
    // Substituted into a ConfigMap by postBuild.substituteFrom.
    write(
        root,
        "kubernetes/apps/cluster-secrets.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: cluster-secrets\n  namespace: flux-system\nstringData:\n  DB_PASSWORD: PLANTED-substituted-7c2\n",
    );
    // A `data` value that is not base64 (schema message), and an extra field beside data.
    write(
        root,
        "kubernetes/apps/db-secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: default\ndata:\n  password: PLANTED-not-base64-9d3!\n  ok: UExBTlRFRC1iYXNlNjQtZGVjb2RlZA==\nhostname: PLANTED-extra-field-5e8\n",
    );
    // A duplicate key with an age key and a password between its two places.
    write(
        root,
        "kubernetes/apps/app-config.yaml",
        &format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\n  namespace: default\ndata:\n  url: postgres://u:${{DB_PASSWORD}}@db:5432/app\n  age.agekey: {AGE_KEY}\n  password: PLANTED-configmap-password-2b7\n  url: duplicate\n"
        ),
    );
    // A private key in a ConfigMap (secrets/private-key-committed; build prints the ConfigMap).
    write(
        root,
        "kubernetes/apps/keys.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssh\n  namespace: default\ndata:\n  id_ed25519: |\n    -----BEGIN OPENSSH PRIVATE KEY-----\n    b3BlbnNzaC1rZXktdjEPLANTEDpemBODYAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB\n    -----END OPENSSH PRIVATE KEY-----\n",
    );
    // A SOPS file whose stringData was left in clear text.
    write(
        root,
        "kubernetes/apps/sops-secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: sops-plain\n  namespace: default\nstringData:\n  token: PLANTED-sops-plaintext-8a1\nsops:\n  age:\n    - recipient: age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq\n      enc: |\n        -----BEGIN AGE ENCRYPTED FILE-----\n        YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOQ\n        -----END AGE ENCRYPTED FILE-----\n  lastmodified: \"2026-01-01T00:00:00Z\"\n  mac: ENC[AES256_GCM,data:abc,iv:def,tag:ghi,type:str]\n  version: 3.9.0\n",
    );
    // A secretGenerator env file with a good line and a broken one.
    write(root, "kubernetes/apps/secrets.env", "GOOD=PLANTED-env-good-1a2\nPLANTED env broken line 3b4\n");
    // A Secret that does not parse: its values are still secret.
    write(
        root,
        "kubernetes/broken/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: broken\nstringData:\n  pw: PLANTED-broken-secret-6f0\n  x: [unclosed\n  y: PLANTED-broken-secret-after-6f1\n",
    );
}

/// Kubeconfigs that carry credentials and fail in different ways.
fn plant_kubeconfigs(dir: &Path) -> Vec<PathBuf> {
    let cluster = "clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\ncontexts:\n- name: ctx\n  context:\n    cluster: c\n    user: admin\ncurrent-context: ctx\n";
    let files = [
        // Does not parse: kube-rs's message would show a frame of these lines.
        (
            "parse-error.yaml",
            "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: PLANTED-kube-token-0c9\n    client-key-data: PLANTED-kube-key-1d8\n   bad: [\n".to_owned(),
        ),
        // A token pasted with its line break (point 1).
        (
            "token-newline.yaml",
            format!("apiVersion: v1\nkind: Config\n{cluster}users:\n- name: admin\n  user:\n    token: \"PLANTED-kube-newline-2e7\\n\"\n"),
        ),
        // Valid, but the server is not there.
        (
            "unreachable.yaml",
            format!("apiVersion: v1\nkind: Config\n{cluster}users:\n- name: admin\n  user:\n    token: PLANTED-kube-valid-3f6\n    password: PLANTED-kube-password-4a5\n"),
        ),
        // A wrong type for a field kube-rs reads strictly.
        (
            "wrong-type.yaml",
            format!("apiVersion: v1\nkind: Config\n{cluster}users:\n- name: admin\n  user:\n    token: PLANTED-kube-wrongtype-5b4\n    as-groups: PLANTED-kube-not-a-list-6c3\n"),
        ),
    ];
    files
        .into_iter()
        .map(|(name, text)| {
            let path = dir.join(name);
            std::fs::write(&path, text).expect("write kubeconfig");
            path
        })
        .collect()
}

fn assert_no_secret(run: &Run, what: &str) {
    let all = run.all();
    assert!(!all.contains(MARK), "{what} printed a planted secret:\n{all}");
    assert!(!all.contains("AGE-SECRET-KEY-1Q"), "{what} printed the age key:\n{all}");
    assert!(!all.contains("BEGIN OPENSSH PRIVATE KEY"), "{what} printed a private key:\n{all}");
}

#[test]
fn no_output_format_of_any_command_prints_a_planted_secret() {
    let repo = GitRepo::new(&[]);
    plant_secrets(&repo.root);
    repo.commit("base");
    // The head adds an age key to a ConfigMap and changes a password.
    write(
        &repo.root,
        "kubernetes/apps/new-key.yaml",
        &format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sops-age\n  namespace: default\ndata:\n  keys.txt: {AGE_KEY}\n  password: PLANTED-diff-password-9e9\n"),
    );
    let kustomization = std::fs::read_to_string(repo.path("kubernetes/apps/kustomization.yaml")).expect("read");
    write(
        &repo.root,
        "kubernetes/apps/kustomization.yaml",
        &kustomization.replace("  - ./sops-secret.yaml\n", "  - ./sops-secret.yaml\n  - ./new-key.yaml\n"),
    );
    let config = std::fs::read_to_string(repo.path("kubernetes/apps/app-config.yaml")).expect("read");
    write(&repo.root, "kubernetes/apps/app-config.yaml", &config.replace("PLANTED-configmap-password-2b7", "PLANTED-configmap-password-changed"));
    let root = repo.root.clone();
    let kubeconfigs = plant_kubeconfigs(&root);
    let target = root.join("kubernetes");
    let target = target.to_str().expect("UTF-8");

    let mut runs = 0;
    let mut check = |args: &[&str]| {
        let run = run(&root, args);
        assert_no_secret(&run, &format!("anton {}", args.join(" ")));
        runs += 1;
        run
    };
    for format in FORMATS {
        // validate finds the problems the planted values cause, with and without frames.
        let validate = check(&["validate", target, "--format", format]);
        assert_eq!(validate.code, 2, "critical findings expected:\n{}", validate.all());
        check(&["validate", target, "--format", format, "-v"]);
        let diff = check(&["diff", "--base", "base", "--format", format]);
        assert!(diff.code == 0 || diff.code == 1, "{}", diff.all());
        check(&["diff", "--base", "base", "--format", format, "-v"]);
        for what in ["ks", "hr", "sources"] {
            check(&["get", what, target, "--format", format]);
        }
        for kubeconfig in &kubeconfigs {
            let kubeconfig = kubeconfig.to_str().expect("UTF-8");
            for live in [
                &["health", "--kubeconfig", kubeconfig][..],
                &["flux", "status", "--kubeconfig", kubeconfig][..],
                &["schemas", "pull", "--kubeconfig", kubeconfig][..],
            ] {
                let mut args = live.to_vec();
                args.extend(["--format", format, "--request-timeout", "2s"]);
                let live = check(&args);
                assert_eq!(live.code, 3, "a bad kubeconfig is an error:\n{}", live.all());
            }
        }
    }
    // `--output-file` writes every format too.
    let sarif = root.join(".test-home/out.sarif");
    let junit = root.join(".test-home/out.xml");
    std::fs::create_dir_all(sarif.parent().expect("parent")).expect("create folder");
    check(&[
        "validate",
        target,
        "--output-file",
        &format!("sarif={}", sarif.display()),
        "--output-file",
        &format!("junit={}", junit.display()),
    ]);
    for file in [&sarif, &junit] {
        let text = std::fs::read_to_string(file).expect("output file");
        assert!(!text.contains(MARK) && !text.contains("AGE-SECRET-KEY-1Q"), "{}:\n{text}", file.display());
    }
    // build prints what Flux applies: substituted values, the Secrets, the ConfigMaps with keys.
    for args in [
        &["build", "cluster-apps", "--repo", target][..],
        &["build", "cluster-apps", "--repo", target, "--format", "json"][..],
        &["build", "--all", "--repo", target][..],
        &["build", "--all", "--repo", target, "--format", "json"][..],
        &["build", "--all", "--summary", "--repo", target][..],
        &["build", "kubernetes/apps"][..],
        &["build", "kubernetes/apps", "--format", "json"][..],
    ] {
        let build = check(args);
        assert!(build.stdout.contains("<redacted>") || args.contains(&"--summary"), "anton {args:?}:\n{}", build.all());
    }
    // The values really are there: --show-secrets prints them (so the checks above were not vacuous).
    let shown = run(&root, &["build", "cluster-apps", "--repo", target, "--show-secrets"]);
    for value in ["PLANTED-substituted-7c2", "PLANTED-configmap-password-changed", "PLANTED-extra-field-5e8", "PLANTED-sops-plaintext-8a1"] {
        assert!(shown.stdout.contains(value), "--show-secrets shows {value}:\n{}", shown.all());
    }
    assert!(runs > 100, "{runs} runs");
}

#[test]
fn a_kubeconfig_token_with_a_line_break_is_named_not_a_panic() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let kubeconfigs = plant_kubeconfigs(dir.path());
    let kubeconfig = kubeconfigs[1].to_str().expect("UTF-8");
    for command in [&["health"][..], &["flux", "status"][..], &["flux", "reconcile", "ks", "apps"][..], &["schemas", "pull"][..]] {
        let mut args = command.to_vec();
        args.extend(["--kubeconfig", kubeconfig]);
        let text = run(dir.path(), &args);
        assert_eq!(text.code, 3, "{}", text.all());
        assert!(
            text.all().contains("token-newline.yaml:16:12: kubeconfig user \"admin\": the token contains a line break"),
            "{}",
            text.all()
        );
        args.push("--json");
        let json = run(dir.path(), &args).json();
        assert_eq!(json["status"], "error");
    }
}

#[test]
fn request_timeout_overflow_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("temporary folder");
    for value in ["18446744073709551615s", "18446744073709551615", "99999999999999999999w", "2d", "0s"] {
        let text = run(dir.path(), &["health", "--request-timeout", value]);
        assert_eq!(text.code, 3, "{}", text.all());
        assert!(text.stderr.contains("--request-timeout"), "{}", text.all());
        let json = run(dir.path(), &["health", "--request-timeout", value, "--json"]);
        assert_eq!(json.code, 3);
        assert_eq!(json.json()["status"], "error");
    }
}

/// Many bad inputs, none of which may panic (exit 101) or hang.
#[test]
fn no_bad_input_makes_anton_panic() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path();
    let bad_yaml = [
        "a: [",
        "\t- tab",
        "? [a, b]\n: c\n",
        "a: &x [*x]\n",
        "a: !!binary ~\n",
        "kind: Kustomization\napiVersion: kustomize.toolkit.fluxcd.io/v1\nmetadata: {name: x}\nspec: {path: '../../../../..', sourceRef: {kind: GitRepository, name: x}}\n",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../../../../../../etc]\n",
        "apiVersion: v1\nkind: List\nitems: 5\n",
        "---\n---\n...\n",
        "\u{feff}a: 1\n",
        "a: \"\\u0000\"\n",
        "metadata: {name: [1]}\nkind: [x]\napiVersion: {a: b}\n",
    ];
    for (i, text) in bad_yaml.iter().enumerate() {
        write(root, &format!("kubernetes/case{i}/kustomization.yaml"), text);
        write(root, &format!("kubernetes/case{i}/other.yaml"), text);
    }
    std::fs::write(root.join("kubernetes/latin1.yaml"), b"a: caf\xe9\n").expect("write");
    let k = root.join("kubernetes");
    let k = k.to_str().expect("UTF-8");
    let cases: Vec<Vec<&str>> = vec![
        vec!["validate", k],
        vec!["validate", k, "--json", "-v"],
        vec!["validate", k, "--kubernetes-version", "99999999999999999999.1"],
        vec!["validate", k, "--kubernetes-version", ""],
        vec!["validate", k, "--schema-location", ""],
        vec!["validate", k, "--schema-location", "{{.Nope"],
        vec!["validate", "/dev/null"],
        vec!["validate", "/nonexistent"],
        vec!["build", "--all", "--repo", k],
        vec!["build", "x/../../../.."],
        vec!["build", ""],
        vec!["get", "ks", k],
        vec!["rules", "explain", ""],
        vec!["rules", "explain", "../../etc/passwd"],
        vec!["health", "--now", "not-a-time", "--from-snapshot", "/dev/null"],
        vec!["health", "--restart-window", "18446744073709551615s"],
        vec!["health", "--cpu-threshold", "NaN", "--from-snapshot", "/nonexistent"],
        vec!["health", "--context", "\u{7}", "--kubeconfig", "/nonexistent"],
        vec!["diff", "--base", "--nope", k],
        vec!["--format", "xml", "validate"],
        vec!["validate", "--select", "", k],
    ];
    for args in cases {
        run(root, &args);
    }
}

// ---------------------------------------------------------------------------
// Point 3: special files are refused, never opened.

#[test]
fn fifos_are_refused_without_blocking() {
    let cases: [(&str, &[&str]); 3] = [(".anton.toml", &[]), (".gitignore", &[]), (".antonignore", &[])];
    for (name, _) in cases {
        let dir = tempfile::tempdir().expect("temporary folder");
        let root = dir.path().canonicalize().expect("canonical").join("repo");
        write(&root, "kubernetes/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n");
        std::fs::create_dir_all(root.join(".git")).expect(".git");
        mkfifo(&root.join(name));
        let text = run(&root, &["validate", "--json"]);
        assert_eq!(text.code, 3, "{name} as a FIFO at the root:\n{}", text.all());
        assert!(text.json()["issues"][0].as_str().is_some_and(|i| i.contains("named pipe (FIFO), not a regular file")), "{}", text.all());
        if name != ".anton.toml" {
            // Deeper in the tree: the folder is skipped, and said so.
            std::fs::remove_file(root.join(name)).expect("remove");
            write(&root, "kubernetes/sub/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: default}\n");
            mkfifo(&root.join("kubernetes/sub").join(name));
            let text = run(&root, &["validate", "--json", "--select", "yaml"]);
            assert_eq!(text.code, 2, "{}", text.all());
            let issues = text.json()["issues"].to_string();
            assert!(issues.contains(&format!("kubernetes/sub/{name}:1:1: critical yaml/unreadable: ignore file cannot be read")), "{issues}");
        }
    }
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path();
    let fifo = root.join("fifo");
    mkfifo(&fifo);
    let fifo = fifo.to_str().expect("UTF-8");
    write(root, "kubernetes/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n");
    for args in [
        &["validate", "kubernetes", "--config", fifo][..],
        &["validate", fifo][..],
        &["health", "--kubeconfig", fifo][..],
        &["flux", "status", "--kubeconfig", fifo][..],
        &["health", "--from-snapshot", fifo][..],
    ] {
        let text = run(root, args);
        assert_eq!(text.code, 3, "anton {args:?}:\n{}", text.all());
        assert!(text.all().contains("not a regular file"), "anton {args:?}:\n{}", text.all());
    }
    // A FIFO named like a manifest is reported, not read.
    mkfifo(&root.join("kubernetes/pipe.yaml"));
    let text = run(root, &["validate", "kubernetes", "--json", "--select", "yaml"]);
    assert!(text.stdout.contains("pipe.yaml:1:1: critical yaml/unreadable: a special file"), "{}", text.all());
}

/// Every walk enters folders the same way: the walk outside the checked
/// folder and the one that looks for folders to suggest when the target has
/// no manifests left included. ripgrep's `.ignore` files are not ignore files
/// for anton (only `.gitignore` and `.antonignore` are), so one that is a FIFO
/// is reported like any other special file.
#[test]
fn a_fifo_ignore_file_blocks_no_walk() {
    for name in [".gitignore", ".antonignore", ".ignore"] {
        let dir = tempfile::tempdir().expect("temporary folder");
        let root = dir.path().canonicalize().expect("canonical").join("repo");
        std::fs::create_dir_all(root.join(".git")).expect(".git");
        // The only manifests are behind the FIFO, and so is a folder outside `kubernetes/`.
        for folder in ["kubernetes/sub", "other"] {
            write(&root, &format!("{folder}/cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n");
            mkfifo(&root.join(folder).join(name));
        }
        let text = run(&root, &["validate", "--json"]);
        let issues = text.json()["issues"].to_string();
        if name == ".ignore" {
            assert_eq!(text.code, 2, "{}", text.all());
            assert!(issues.contains("kubernetes/sub/.ignore:1:1: critical yaml/unreadable: a special file"), "{issues}");
            assert_eq!(text.json()["summary"]["healthy"], 1, "the ConfigMap is read and fine: {}", text.all());
        } else {
            // Nothing left to check: the report says why.
            assert_eq!(text.code, 3, "{}", text.all());
            assert!(issues.contains("no Kubernetes manifests under"), "{issues}");
            assert!(issues.contains(&format!("not read: kubernetes/sub/{name}: ignore file cannot be read")), "{issues}");
        }
    }
}

// ---------------------------------------------------------------------------
// Point 4: nothing is written outside the repository.

#[test]
fn init_config_never_writes_through_a_symlink() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path().join("repo");
    std::fs::create_dir_all(root.join(".git")).expect(".git");
    let outside = dir.path().join("outside.toml");
    std::os::unix::fs::symlink(&outside, root.join(".anton.toml")).expect("symlink");
    let created = run(&root, &["init-config"]);
    assert_eq!(created.code, 3, "{}", created.all());
    assert!(created.stderr.contains("is a symbolic link"), "{}", created.all());
    assert!(!outside.exists(), "init-config created a file outside the repository");

    std::fs::write(&outside, "precious = true\n").expect("write");
    let forced = run(&root, &["init-config", "--force"]);
    assert_eq!(forced.code, 3, "{}", forced.all());
    assert_eq!(std::fs::read_to_string(&outside).expect("read"), "precious = true\n", "--force overwrote the link's target");

    std::fs::remove_file(root.join(".anton.toml")).expect("remove link");
    let written = run(&root, &["init-config"]);
    assert_eq!(written.code, 0, "{}", written.all());
    assert!(std::fs::read_to_string(root.join(".anton.toml")).expect("read").contains("[rules]"));
}

#[test]
fn a_target_linked_out_of_the_repository_is_refused() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let base = dir.path().canonicalize().expect("canonical");
    let root = base.join("repo");
    std::fs::create_dir_all(root.join(".git")).expect(".git");
    write(&base, "elsewhere/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n");
    std::os::unix::fs::symlink(base.join("elsewhere"), root.join("kubernetes")).expect("symlink");
    for args in [&["validate", "--json"][..], &["validate", "kubernetes", "--json"][..]] {
        let text = run(&root, args);
        assert_eq!(text.code, 3, "{}", text.all());
        let issue = text.json()["issues"][0].as_str().unwrap_or_default().to_owned();
        assert!(issue.contains("a symbolic link to") && issue.contains("outside the repository"), "{issue}");
    }
    // A link inside the repository is fine.
    std::fs::remove_file(root.join("kubernetes")).expect("remove link");
    write(&root, "real/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n");
    std::os::unix::fs::symlink(root.join("real"), root.join("kubernetes")).expect("symlink");
    let text = run(&root, &["validate", "--json", "--select", "yaml"]);
    assert_eq!(text.code, 0, "{}", text.all());
}

// ---------------------------------------------------------------------------
// Point 5: a parse error is not a deletion.

const KS: &str = "\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: app
  namespace: flux-system
spec:
  interval: 1h
  path: ./kubernetes/app
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
";

#[test]
fn a_kustomization_whose_file_does_not_parse_is_not_removed() {
    let repo = GitRepo::new(&[
        ("kubernetes/flux/ks.yaml", KS),
        ("kubernetes/app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n"),
    ]);
    repo.commit("base");
    repo.write("kubernetes/flux/ks.yaml", &KS.replace("  prune: true\n", "  prune: [true\n"));
    for format in FORMATS {
        let diff = run(&repo.root, &["diff", "--base", "base", "--format", format]);
        assert_eq!(diff.code, 3, "{}", diff.all());
        assert!(!diff.all().contains("will be deleted"), "{}", diff.all());
        if format == "json" {
            let issue = diff.json()["issues"][0].as_str().unwrap_or_default().to_owned();
            assert!(issue.contains("kubernetes/flux/ks.yaml does not parse in the working tree"), "{issue}");
            assert!(issue.contains("a file that does not parse is not a deletion"), "{issue}");
        }
    }
    let get = run(&repo.root, &["get", "ks", "kubernetes"]);
    assert_eq!(get.code, 2, "{}", get.all());
    assert!(get.stdout.contains("kubernetes/flux/ks.yaml:10:12: critical yaml/syntax"), "{}", get.all());
    assert!(get.stdout.contains("objects in this file are not listed"), "{}", get.all());
    let json = run(&repo.root, &["get", "ks", "kubernetes", "--json"]).json();
    assert_eq!(json["status"], "critical");
    assert!(json["issues"][0].as_str().is_some_and(|i| i.contains("yaml/syntax")), "{json}");
}

// ---------------------------------------------------------------------------
// Point 6: healthy only when something was checked.

#[test]
fn an_unreadable_folder_is_reported() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path().join("repo");
    write(&root, "kubernetes/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n");
    write(&root, "kubernetes/locked/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: default}\n");
    std::fs::create_dir_all(root.join(".git")).expect(".git");
    use std::os::unix::fs::PermissionsExt;
    for folder in [dir.path(), root.as_path(), root.join("kubernetes").as_path()] {
        std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    std::fs::set_permissions(root.join("kubernetes/locked"), std::fs::Permissions::from_mode(0o000)).expect("chmod");
    // Tests run as root in CI containers, and root reads any folder: run as `nobody`.
    let binary = assert_cmd::cargo::cargo_bin("anton");
    let output = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(&binary)
        .args(["validate", "kubernetes", "--json", "--select", "yaml"])
        .current_dir(&root)
        .output()
        .expect("run setpriv");
    std::fs::set_permissions(root.join("kubernetes/locked"), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        stdout.contains("kubernetes/locked:1:1: critical yaml/unreadable: cannot be read: permission denied; nothing under it was checked"),
        "{stdout}"
    );
}

#[test]
fn an_unknown_rule_id_is_an_error_with_the_nearest_one() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path();
    write(root, "kubernetes/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n");
    let flag = run(root, &["validate", "kubernetes", "--select", "secret/plaintext-secret", "--json"]);
    assert_eq!(flag.code, 3, "{}", flag.all());
    let issue = flag.json()["issues"][0].as_str().unwrap_or_default().to_owned();
    assert!(issue.contains("unknown rule id or family `secret/plaintext-secret` (did you mean secrets/plaintext-secret?)"), "{issue}");
    write(root, ".anton.toml", "[rules]\nselect = [\"k8s/no-resource\"]\n");
    std::fs::create_dir_all(root.join(".git")).expect(".git");
    let config = run(root, &["validate", "kubernetes"]);
    assert_eq!(config.code, 3, "{}", config.all());
    assert!(config.all().contains("did you mean k8s/no-resources?"), "{}", config.all());
}

#[test]
fn a_file_named_explicitly_is_read_whatever_its_extension() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path();
    write(root, "manifest.txt", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n");
    write(root, "manifest.json", "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"b\", \"namespace\": \"default\"}}\n");
    for file in ["manifest.txt", "manifest.json"] {
        let json = run(root, &["validate", file, "--json", "--select", "structural"]).json();
        assert_eq!(json["summary"]["total"], 1, "{file}: {json}");
    }
}

#[test]
fn build_says_why_it_built_nothing_and_fails() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path().join("repo");
    std::fs::create_dir_all(root.join(".git")).expect(".git");
    // A Kustomization whose source is not in the repository: it cannot be built.
    write(&root, "kubernetes/flux/ks.yaml", &KS.replace("    name: flux-system\n", "    name: elsewhere\n"));
    write(&root, "kubernetes/app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n");
    let named = run(&root, &["build", "app"]);
    assert_ne!(named.code, 0, "{}", named.all());
    assert!(named.stderr.contains("not built"), "{}", named.all());

    // An alias bomb: cut off, reported, not a clean build.
    let mut bomb = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb, namespace: default}\ndata:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let mut previous = 'a';
    for name in ['b', 'c', 'd', 'e', 'f', 'g', 'h'] {
        bomb.push_str(&format!("  {name}: &{name} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}]\n"));
        previous = name;
    }
    write(&root, "bomb/cm.yaml", &bomb);
    let built = run(&root, &["build", "bomb"]);
    assert_eq!(built.code, 2, "{}", built.all());
    assert!(built.stderr.contains("bomb/cm.yaml:") && built.stderr.contains("yaml/syntax"), "{}", built.stderr);
}

// ---------------------------------------------------------------------------
// Point 7: usage errors keep the exit-code contract.

#[test]
fn usage_errors_exit_3_and_speak_json_when_asked() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path();
    for args in [
        &["validate", "--no-such-flag"][..],
        &["--format", "xml", "validate"][..],
        &["validate", "--format", "yaml"][..],
        &["health", "--request-timeout", "soon"][..],
        &["no-such-command"][..],
        &[][..],
    ] {
        let text = run(root, args);
        assert_eq!(text.code, 3, "anton {args:?}:\n{}", text.all());
        assert!(text.stderr.contains("error") || text.stderr.contains("Usage: anton"), "anton {args:?}:\n{}", text.all());
    }
    for args in [&["validate", "--json", "--no-such-flag"][..], &["--format", "json", "get", "nothing"][..], &["validate", "--format=json", "-x"][..]] {
        let json = run(root, args);
        assert_eq!(json.code, 3, "anton {args:?}:\n{}", json.all());
        let report = json.json();
        assert_eq!(report["status"], "error", "{report}");
        assert!(report["issues"][0].as_str().is_some_and(|i| i.starts_with("usage: ")), "{report}");
        assert_eq!(report["summary"]["total"], 0);
    }
    for args in [&["--help"][..], &["--version"][..], &["validate", "--help"][..], &["help", "validate"][..]] {
        let help = run(root, args);
        assert_eq!(help.code, 0, "anton {args:?}:\n{}", help.all());
        assert!(!help.stdout.is_empty());
    }
}

// ---------------------------------------------------------------------------
// Point 8: the smaller ones.

/// A loopback server that answers every request with a web page.
fn html_server() -> (String, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    let handle = std::thread::spawn(move || {
        listener.set_nonblocking(false).ok();
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buffer = [0u8; 4096];
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let _ = stream.read(&mut buffer);
            let body = "<!DOCTYPE html><html><body>Router login</body></html>";
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            if std::time::Instant::now() > deadline {
                break;
            }
        }
    });
    (address, handle)
}

#[test]
fn a_server_that_is_not_kubernetes_is_named_as_such() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let (server, _handle) = html_server();
    let kubeconfig = dir.path().join("config");
    std::fs::write(
        &kubeconfig,
        format!("apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {server}\ncontexts:\n- name: ctx\n  context: {{cluster: c, user: u}}\ncurrent-context: ctx\nusers:\n- name: u\n  user: {{token: abc}}\n"),
    )
    .expect("write");
    let kubeconfig = kubeconfig.to_str().expect("UTF-8");
    for args in [&["health", "--kubeconfig", kubeconfig][..], &["flux", "status", "--kubeconfig", kubeconfig][..]] {
        let text = run(dir.path(), args);
        assert_eq!(text.code, 3, "{}", text.all());
        assert!(text.all().contains("not the Kubernetes API"), "anton {args:?}:\n{}", text.all());
    }
}

#[test]
fn a_patch_file_that_is_not_yaml_is_called_so() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path();
    write(
        root,
        "app/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [cm.yaml]\npatches:\n  - path: patch.json\n  - path: notes.txt\n",
    );
    write(root, "app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n");
    write(root, "app/patch.json", "{\"op\": \"replace\", \"path\": \"/data\"\n");
    write(root, "app/notes.txt", "remember to patch the config map\n");
    let json = run(root, &["validate", "app", "--json", "--select", "structural"]).json();
    let issues = json["issues"].to_string();
    assert!(issues.contains("patch `patch.json` is not YAML"), "{issues}");
    assert!(issues.contains("patch `notes.txt` is not YAML: it reads as plain text"), "{issues}");
    assert!(!issues.contains("the patch is empty"), "{issues}");
}

#[test]
fn a_generated_config_map_over_one_mebibyte_is_critical() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path();
    write(
        root,
        "app/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: default\nconfigMapGenerator:\n  - name: dashboards\n    files: [big.json]\n",
    );
    write(root, "app/big.json", &format!("{{\"x\": \"{}\"}}\n", "y".repeat(1_100_000)));
    let run = run(root, &["validate", "app", "--json", "--select", "structural"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stdout.contains("the API server rejects a ConfigMap over 1 MiB"), "{}", run.all());
}

#[test]
fn plaintext_values_in_a_sops_file_invalid_utf8_and_complex_keys_are_reported() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path();
    std::fs::create_dir_all(root.join(".git")).expect(".git");
    write(
        root,
        "k/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: default}\nstringData:\n  token: hunter2-plain\nsops:\n  mac: ENC[AES256_GCM,data:abc,type:str]\n  version: 3.9.0\n",
    );
    std::fs::write(root.join("k/latin1.yaml"), b"apiVersion: v1\nkind: ConfigMap\ndata:\n  a: caf\xe9\n").expect("write");
    write(root, "k/complex.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: default}\ndata:\n  ? [a, b]\n  : x\n");
    let run = run(root, &["validate", "k", "--json"]);
    let issues = run.json()["issues"].to_string();
    assert!(issues.contains("k/secret.yaml:5:10: critical secrets/sops-not-encrypted: `stringData.token` is plain text in a SOPS-encrypted file"), "{issues}");
    assert!(!issues.contains("hunter2-plain"), "{issues}");
    assert!(issues.contains("k/latin1.yaml:4:9: critical yaml/unreadable: file is not UTF-8 text: byte 0xE9 at line 4, column 9"), "{issues}");
    assert!(issues.contains("k/complex.yaml:5:5: critical yaml/syntax: this mapping key is a sequence"), "{issues}");
}
