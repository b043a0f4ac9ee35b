//! What a new user sees in the first five minutes must never mislead
//! (issue 25): an empty target is an error that says where the manifests
//! are, YAML without objects is a warning, `anton get hr` shows the chart of
//! a `chartRef`, and tables fit the terminal they are printed on.
//!
//! Regenerate the snapshots with `INSTA_UPDATE=always cargo test -p anton-cli --test first_run`.

mod common;

use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use common::{Repo, anton, anton_in, fixture};
use serde_json::{Value, json};
use unicode_width::UnicodeWidthStr;

/// A git repository with manifests in `clusters/`, `deploy/kubernetes/` and
/// a YAML file that is no Kubernetes object in `talos/`, and an empty `empty/`.
fn repository_with_manifests_elsewhere() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path().canonicalize().expect("canonical temp path").join("repo");
    let write = |relative: &str, text: &str| {
        let path = root.join(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("create folder");
        std::fs::write(path, text).expect("write");
    };
    std::fs::create_dir_all(root.join(".git")).expect("create .git");
    std::fs::create_dir_all(root.join("empty/apps")).expect("create empty/");
    write("empty/apps/README.md", "manifests go here after `task render`\n");
    write("clusters/home/apps.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: apps\n  namespace: default\n");
    write("deploy/kubernetes/app.yml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: default\n");
    write("talos/talconfig.yaml", "clusterName: home\nnodes:\n  - hostname: k8s-1\n    ipAddress: 192.168.1.98\n");
    write("talos/patches/kubelet.yaml", "machine:\n  kubelet:\n    extraArgs:\n      rotate-server-certificates: true\n");
    (dir, root)
}

fn path_filters(root: &Path) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(&regex_escape(root.to_str().expect("UTF-8 path")), "[repo]");
    settings.add_filter(r#""timestamp": "[^"]+""#, r#""timestamp": "[timestamp]""#);
    settings
}

fn regex_escape(text: &str) -> String {
    text.chars().fold(String::new(), |mut out, c| {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
        out
    })
}

// ---------------------------------------------------------------------------
// Part 1: an empty target fails; YAML without objects warns.

#[test]
fn an_empty_target_is_a_tool_error_that_names_the_folder_and_where_manifests_are() {
    let (_dir, root) = repository_with_manifests_elsewhere();
    let run = anton_in(&root, &["validate", "empty"]);
    assert_eq!(run.code, 3, "{}", run.stdout);
    assert!(
        run.stdout.contains("no Kubernetes manifests under empty (looked for *.yaml, *.yml)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("./clusters, ./deploy/kubernetes"), "{}", run.stdout);
    assert!(run.stdout.contains("`anton validate ./clusters`"), "{}", run.stdout);
    path_filters(&root).bind(|| insta::assert_snapshot!("empty_target_text", run.stdout));

    let run = anton_in(&root, &["validate", "empty", "--json"]);
    assert_eq!(run.code, 3, "{}", run.stdout);
    let report = run.json();
    common::assert_contract(&report);
    assert_eq!(report["status"], "error");
    assert_eq!(report["details"]["searched"], json!(root.join("empty").to_str()));
    assert_eq!(report["details"]["suggestions"], json!(["./clusters", "./deploy/kubernetes"]));
    let issue = report["issues"][0].as_str().expect("one issue");
    assert!(issue.starts_with("no Kubernetes manifests under empty (looked for *.yaml, *.yml)"), "{issue}");

    // The other commands that read a repository say the same.
    let run = anton_in(&root, &["get", "ks", "empty"]);
    assert_eq!(run.code, 3, "{}", run.stdout);
    assert!(run.stdout.contains("`anton get ks ./clusters`"), "{}", run.stdout);
    let run = anton_in(&root, &["build", "--all", "--summary", "--repo", "empty"]);
    assert_eq!(run.code, 3, "{}", run.stdout);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("no Kubernetes manifests under empty"), "{}", run.stderr);
    assert!(run.stderr.contains("`anton build --all --repo ./clusters`"), "{}", run.stderr);
}

#[test]
fn an_empty_target_from_another_folder_suggests_paths_that_work_from_there() {
    let (_dir, root) = repository_with_manifests_elsewhere();
    let run = anton_in(&root.join("empty"), &["validate", ".", "--json"]);
    assert_eq!(run.code, 3, "{}", run.stdout);
    let report = run.json();
    // Not below the current folder: absolute paths, which work from anywhere.
    let expected: Vec<String> =
        ["clusters", "deploy/kubernetes"].iter().map(|p| root.join(p).display().to_string()).collect();
    assert_eq!(report["details"]["suggestions"], json!(expected));
}

#[test]
fn without_a_path_in_a_repository_without_manifests_the_default_is_explained() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path().canonicalize().expect("canonical").join("template");
    std::fs::create_dir_all(root.join(".git")).expect("create .git");
    std::fs::write(root.join("README.md"), "# a template repository before rendering\n").expect("write");
    let run = anton_in(&root, &["validate"]);
    assert_eq!(run.code, 3, "{}", run.stdout);
    assert!(run.stdout.contains(&format!("no Kubernetes manifests under {}", root.display())), "{}", run.stdout);
    assert!(run.stdout.contains("with no path given anton reads the kubernetes/ folder of the git repository, and this repository has none"), "{}", run.stdout);
    assert!(run.stdout.contains("Pass the folder your Flux Kustomizations and manifests are in: `anton validate PATH`"), "{}", run.stdout);
}

#[test]
fn yaml_without_kubernetes_objects_is_a_warning_that_says_so() {
    let (_dir, root) = repository_with_manifests_elsewhere();
    let run = anton_in(&root, &["validate", "talos"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    path_filters(&root).bind(|| insta::assert_snapshot!("yaml_without_objects_text", run.stdout));

    let run = anton_in(&root, &["validate", "talos", "--json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let report = run.json();
    common::assert_contract(&report);
    assert_eq!(report["status"], "warning");
    assert_eq!(report["summary"], json!({"total": 1, "healthy": 0, "warnings": 1, "critical": 0}));
    let finding = common::the_finding(&report, "yaml/no-objects");
    assert_eq!(finding["severity"], "warning");
    assert_eq!(finding["file"], "talos/patches/kubelet.yaml");
    assert_eq!(
        finding["message"],
        "2 YAML files under talos/, but no Kubernetes object in them: no document has apiVersion and kind, so nothing was checked"
    );
    assert!(finding["hint"].as_str().is_some_and(|h| h.contains("`anton validate ./clusters`")), "{finding}");

    // It is a rule like any other: documented, and switched off by id.
    let run = anton_in(&root, &["validate", "talos", "--ignore", "yaml/no-objects"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let explain = anton_in(&root, &["rules", "explain", "yaml/no-objects"]);
    assert_eq!(explain.code, 0, "{}", explain.stderr);
    assert!(explain.stdout.contains("no Kubernetes object"), "{}", explain.stdout);
    let rules = anton_in(&root, &["rules"]);
    assert!(rules.stdout.lines().any(|l| l.starts_with("yaml/no-objects") && l.contains("warning")), "{}", rules.stdout);
}

#[test]
fn a_repository_with_objects_gets_no_such_warning() {
    let repo = fixture("non-objects");
    let run = anton(&repo, &["validate", repo.path("kubernetes").to_str().expect("UTF-8"), "--json"]);
    let report = run.json();
    assert!(
        common::findings(&report).iter().all(|f| f["rule"] != "yaml/no-objects"),
        "{report:#}"
    );
}

// ---------------------------------------------------------------------------
// Part 2: the chart of a chartRef.

fn get_hr(repo: &Repo, extra: &[&str]) -> common::Run {
    let target = repo.path("kubernetes");
    let mut args = vec!["get", "hr", target.to_str().expect("UTF-8 path")];
    args.extend_from_slice(extra);
    anton(repo, &args)
}

/// Splits a table line into its cells (columns are separated by two or more spaces).
fn cells(line: &str) -> Vec<&str> {
    line.split("  ").map(str::trim).filter(|cell| !cell.is_empty()).collect()
}

#[test]
fn get_hr_shows_chart_and_version_of_every_chart_ref() {
    let repo = fixture("helmrelease-chartref");
    let run = get_hr(&repo, &[]);
    // The chartRef to a source not in Git is reported (flux/source-missing).
    assert_eq!(run.code, 2, "{}", run.stdout);
    let charts: Vec<(String, String)> = run
        .stdout
        .lines()
        .skip(1)
        .take_while(|line| !line.is_empty())
        .map(|line| {
            let cells = cells(line);
            (cells[1].to_owned(), cells[2].to_owned())
        })
        .collect();
    let expected = [
        ("by-tag", "app-template@4.1.2"),
        ("by-semver", "podinfo@>=6.5.0 <7.0.0"),
        ("by-digest", "podinfo@sha256:6ca1d018a562caa81bfee3c56c41d255b085bbdb30da79e09849559680df8675"),
        ("unpinned", "unpinned@latest"),
        ("same-namespace", "cilium@1.20.1"),
        ("by-helmchart", "podinfo@6.5.*"),
        ("not-in-git", "-"),
        ("by-chart-spec", "cert-manager@v1.16.2"),
    ];
    let mut expected: Vec<(String, String)> = expected.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect();
    expected.sort();
    let mut charts = charts;
    charts.sort();
    assert_eq!(charts, expected, "{}", run.stdout);
    insta::assert_snapshot!("get_hr_chart_refs", run.stdout);
}

#[test]
fn get_hr_json_has_the_chart_of_every_chart_ref() {
    let repo = fixture("helmrelease-chartref");
    let run = get_hr(&repo, &["--json"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    let report = run.json();
    common::assert_contract(&report);
    let items = report["details"]["items"].as_array().expect("items");
    let item = |name: &str| -> &Value {
        items.iter().find(|i| i["name"] == name).unwrap_or_else(|| panic!("no item {name}: {items:#?}"))
    };
    assert_eq!(item("by-tag")["target"], "app-template@4.1.2");
    assert_eq!(
        item("by-tag")["chart"],
        json!({
            "name": "app-template",
            "version": "4.1.2",
            "versionFrom": "spec.ref.tag",
            "url": "oci://ghcr.io/bjw-s-labs/helm/app-template"
        })
    );
    assert_eq!(item("by-semver")["chart"]["versionFrom"], "spec.ref.semver");
    assert_eq!(item("by-semver")["chart"]["version"], ">=6.5.0 <7.0.0");
    assert_eq!(item("by-digest")["chart"]["versionFrom"], "spec.ref.digest");
    assert_eq!(item("unpinned")["chart"]["versionFrom"], "default");
    assert_eq!(item("unpinned")["chart"]["version"], "latest");
    assert_eq!(item("same-namespace")["chart"]["version"], "1.20.1");
    assert_eq!(
        item("by-helmchart")["chart"],
        json!({ "name": "podinfo", "version": "6.5.*", "versionFrom": "spec.version" })
    );
    assert_eq!(item("not-in-git")["chart"], Value::Null);
    assert_eq!(item("not-in-git")["target"], "");
    assert_eq!(item("not-in-git")["source"], "OCIRepository/flux-system/not-in-git");
    assert_eq!(
        item("by-chart-spec")["chart"],
        json!({ "name": "cert-manager", "version": "v1.16.2", "versionFrom": "spec.chart.spec.version" })
    );
    // Only HelmReleases have a chart.
    let run = anton(&repo, &["get", "sources", repo.path("kubernetes").to_str().expect("UTF-8"), "--json"]);
    assert!(run.json()["details"]["items"].as_array().expect("items").iter().all(|i| i.get("chart").is_none()));
}

// ---------------------------------------------------------------------------
// Part 3: tables fitted to the terminal.

/// Runs `anton <args> --color never` with stdout on a pseudo-terminal
/// `columns` wide, as a person at a terminal runs it; returns the exit code
/// and what the terminal showed.
fn in_terminal(cwd: &Path, args: &[&str], columns: u16) -> (i32, String) {
    let size = libc::winsize { ws_row: 50, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0 };
    let (mut leader, mut follower) = (-1, -1);
    // SAFETY: openpty writes two new descriptors into the out-parameters;
    // the name buffer and termios are optional (null).
    let rc = unsafe { libc::openpty(&mut leader, &mut follower, std::ptr::null_mut(), std::ptr::null(), &size) };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just opened and are owned by nobody else.
    let (leader, follower) = unsafe { (OwnedFd::from_raw_fd(leader), OwnedFd::from_raw_fd(follower)) };
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("anton"))
        .current_dir(cwd)
        .args(args)
        .args(["--color", "never"])
        .env_remove("COLUMNS")
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .stdout(Stdio::from(follower))
        .stderr(Stdio::null())
        .spawn()
        .expect("run anton");
    // The child holds the only other end now: reading ends (EIO) when it exits.
    let mut terminal = std::fs::File::from(leader);
    let mut shown = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match terminal.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => shown.extend_from_slice(&buffer[..n]),
            Err(error) if error.raw_os_error() == Some(libc::EIO) => break,
            Err(error) => panic!("reading the terminal: {error}"),
        }
    }
    let status = child.wait().expect("wait for anton");
    // The terminal turns every \n into \r\n.
    let text = String::from_utf8(shown).expect("UTF-8").replace("\r\n", "\n");
    (status.code().unwrap_or(-1), text)
}

fn widest_line(text: &str) -> usize {
    text.lines().map(UnicodeWidthStr::width).max().unwrap_or(0)
}

#[test]
fn get_ks_fits_an_80_column_terminal_and_prints_everything_when_piped_or_wide() {
    let repo = fixture("wide-tables");
    let target = repo.path("kubernetes");
    let target = target.to_str().expect("UTF-8 path");
    let piped = anton(&repo, &["get", "ks", target]);
    assert_eq!(piped.code, 0, "{}", piped.stdout);
    // Dependencies in the row's own namespace are printed by name.
    let all_dependencies = "rook-ceph-cluster,external-secrets-stores,cert-manager-issuers,cloudnative-pg-cluster,volsync-operator,snapshot-controller,kube-prometheus-stack,ingress-nginx-internal";
    assert!(piped.stdout.contains(all_dependencies), "piped output is in full:\n{}", piped.stdout);
    assert!(!piped.stdout.contains('…'), "{}", piped.stdout);
    assert!(widest_line(&piped.stdout) > 200);

    let (code, shown) = in_terminal(&repo.root, &["get", "ks", target], 80);
    assert_eq!(code, 0, "{shown}");
    assert!(widest_line(&shown) <= 80, "wider than the terminal:\n{shown}");
    assert!(shown.contains('…'), "{shown}");
    // Columns left out to fit are named, with the way to see them.
    assert!(shown.contains("not shown to fit 80 columns; -o wide prints every column in full"), "{shown}");
    // Names are never shortened; every row is there.
    for name in ["home-assistant", "rook-ceph-cluster", "ingress-nginx-internal", "snapshot-controller"] {
        assert!(shown.lines().any(|line| cells(line).get(1) == Some(&name)), "{name} in\n{shown}");
    }
    insta::assert_snapshot!("get_ks_80_columns", shown);

    // -o wide: every cell in full, however narrow the terminal.
    let (code, wide) = in_terminal(&repo.root, &["get", "ks", target, "-o", "wide"], 80);
    assert_eq!(code, 0, "{wide}");
    assert_eq!(wide, piped.stdout);

    // JSON is never shortened.
    let (_, json) = in_terminal(&repo.root, &["get", "ks", target, "--json"], 80);
    let report: Value = serde_json::from_str(&json).expect("JSON");
    let home = report["details"]["items"].as_array().expect("items").iter().find(|i| i["name"] == "home-assistant").cloned();
    assert_eq!(home.map(|h| h["dependsOn"].as_array().map_or(0, Vec::len)), Some(8));
}

#[test]
fn every_table_fits_the_terminal() {
    let wide = fixture("wide-tables");
    let charts = fixture("helmrelease-chartref");
    let target = |repo: &Repo| repo.path("kubernetes").to_str().expect("UTF-8 path").to_owned();
    let (wide_target, charts_target) = (target(&wide), target(&charts));
    let recorded = Path::new(env!("CARGO_MANIFEST_DIR")).join("../anton-health/tests/fixtures/cluster.json");
    let recorded = recorded.to_str().expect("UTF-8 path");
    for (repo, args, columns) in [
        (&charts, vec!["get", "hr", charts_target.as_str()], 60),
        (&charts, vec!["get", "sources", charts_target.as_str()], 70),
        (&wide, vec!["build", "--all", "--summary", "--repo", wide_target.as_str()], 60),
        (&wide, vec!["rules"], 80),
        (&wide, vec!["flux", "status", "--from-snapshot", recorded], 100),
    ] {
        let (code, shown) = in_terminal(&repo.root, &args, columns);
        assert_ne!(code, 3, "{args:?}:\n{shown}");
        // The table: from its header line to the first blank line (findings
        // and verdicts below it are prose, which the terminal wraps).
        let table: Vec<&str> = shown
            .lines()
            .skip_while(|line| !["NAMESPACE ", "KIND ", "RULE "].iter().any(|h| line.starts_with(h)))
            .take_while(|line| !line.is_empty())
            .collect();
        assert!(table.len() > 2, "{args:?}: no table in\n{shown}");
        // The line naming columns left out is prose too.
        for line in table.iter().filter(|line| !line.starts_with('(')) {
            assert!(line.width() <= usize::from(columns), "{args:?}: {line:?} is wider than {columns}:\n{shown}");
        }
        assert!(shown.contains('…') || shown.contains("not shown to fit"), "{args:?}: nothing fitted at {columns} columns:\n{shown}");
        // Piped, the same command prints every cell in full.
        let piped = common::anton_in(&repo.root, &args);
        assert!(!piped.stdout.contains('…'), "{args:?} piped:\n{}", piped.stdout);
    }
}

#[test]
fn rules_with_long_summaries_are_shortened_on_a_narrow_terminal_only() {
    let (code, shown) = in_terminal(Path::new(env!("CARGO_MANIFEST_DIR")), &["rules"], 70);
    assert_eq!(code, 0);
    assert!(shown.lines().filter(|l| l.contains('/')).all(|l| l.width() <= 70), "{shown}");
    assert!(shown.contains('…'), "{shown}");
    let piped = common::anton_in(Path::new(env!("CARGO_MANIFEST_DIR")), &["rules"]);
    assert!(!piped.stdout.contains('…'), "{}", piped.stdout);
}
