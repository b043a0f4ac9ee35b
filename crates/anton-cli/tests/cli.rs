//! The command line as users and scripts see it: the JSON contract, the other
//! output formats, help and version, `anton get`, and the default target.

mod common;

use common::{Repo, anton, anton_in, fixture, validate_json};
use serde_json::{Value, json};

/// Fixtures that cover every status a report can have.
const CONTRACT_FIXTURES: [&str; 6] = [
    "layout-anton",
    "kustomize-orphan-file",
    "yaml-syntax",
    "flux-dependson-missing",
    "kustomize-missing-resource",
    "flux-dependson-cycle",
];

#[test]
fn json_report_follows_the_contract_for_healthy_warning_and_critical_repositories() {
    let mut statuses = Vec::new();
    for name in CONTRACT_FIXTURES {
        let repo = fixture(name);
        // validate_json checks keys, summary arithmetic, timestamp, issue lines and finding fields.
        let (code, report) = validate_json(&repo);
        let expected_code = match report["status"].as_str() {
            Some("healthy") => 0,
            Some("warning") => 1,
            Some("critical") => 2,
            other => panic!("{name}: unexpected status {other:?}"),
        };
        assert_eq!(code, expected_code, "{name}: exit code matches status");
        let repository = &report["details"]["repository"];
        assert_eq!(repository["root"], repo.root.to_str().expect("UTF-8 path"), "{name}");
        assert_eq!(repository["scanned"], repo.root.to_str().expect("UTF-8 path"), "{name}");
        statuses.push(report["status"].as_str().unwrap_or_default().to_owned());
    }
    statuses.sort();
    statuses.dedup();
    assert_eq!(statuses, ["critical", "healthy", "warning"]);
}

#[test]
fn json_shorthand_and_format_json_print_the_same_report() {
    let repo = fixture("flux-dependson-cycle");
    let root = repo.root.to_str().expect("UTF-8 path");
    let mut shorthand = anton(&repo, &["validate", root, "--json"]).json();
    let mut long = anton(&repo, &["validate", root, "--format", "json"]).json();
    shorthand["timestamp"] = Value::Null;
    long["timestamp"] = Value::Null;
    assert_eq!(shorthand, long);
}

#[test]
fn issue_lines_have_path_line_col_severity_rule_and_message() {
    let repo = fixture("flux-dependson-missing");
    let (_, report) = validate_json(&repo);
    assert_eq!(
        report["issues"],
        json!(["kubernetes/apps/media/plex/ks.yaml:14:7: critical flux/dependson-missing: dependsOn `cert-manager`: \
             no Kustomization named cert-manager in namespace media (the namespace defaults to this object's own)"])
    );
}

#[test]
fn summary_counts_each_object_by_its_worst_finding() {
    let repo = fixture("flux-dependson-cycle");
    let (_, report) = validate_json(&repo);
    // Three Kustomizations and three Namespaces; one finding on one Kustomization.
    assert_eq!(report["summary"], json!({"total": 6, "healthy": 5, "warnings": 0, "critical": 1}));
}

#[test]
fn github_format_prints_one_annotation_per_finding_with_file_line_col_and_rule() {
    let repo = fixture("flux-dependson-missing");
    let run = anton(&repo, &["validate", repo.root.to_str().expect("UTF-8 path"), "--format", "github"]);
    assert_eq!(run.code, 2);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(
        lines[0].starts_with(
            "::error file=kubernetes/apps/media/plex/ks.yaml,line=14,col=7,title=flux/dependson-missing::\
             dependsOn `cert-manager`: no Kustomization named cert-manager in namespace media"
        ),
        "{}",
        lines[0]
    );
    // The hint follows after an escaped blank line: a raw newline would end the command.
    assert!(lines[0].ends_with("%0A%0Aadd `namespace: flux-system` to this dependsOn entry"), "{}", lines[0]);
    assert_eq!(lines[1], "anton validate: 1 critical finding across 5 objects checked (status: critical)");
}

#[test]
fn github_format_uses_warning_for_warnings() {
    let repo = fixture("kustomize-orphan-file");
    let run = anton(&repo, &["validate", repo.root.to_str().expect("UTF-8 path"), "--format", "github"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .starts_with("::warning file=apps/home/mosquitto/app/pvc.yaml,line=1,col=1,title=kustomize/orphan-file::"),
        "{}",
        run.stdout
    );
}

#[test]
fn color_never_writes_no_escape_codes_and_always_does() {
    let repo = fixture("yaml-duplicate-key");
    let root = repo.root.to_str().expect("UTF-8 path");
    let plain = anton(&repo, &["validate", root]);
    assert!(!plain.stdout.contains('\u{1b}'), "{}", plain.stdout);
    let coloured = common::run_in(&repo.root, &["validate", root, "--color", "always"]);
    assert!(coloured.stdout.contains('\u{1b}'), "{}", coloured.stdout);
}

#[test]
fn quiet_prints_one_line_per_finding_with_its_hint_and_the_verdict() {
    let repo = fixture("kustomize-missing-resource");
    let run = anton(&repo, &["validate", repo.root.to_str().expect("UTF-8 path"), "--quiet"]);
    assert_eq!(run.code, 2);
    let lines: Vec<&str> = run.stdout.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 7, "{}", run.stdout);
    assert!(
        lines[0].starts_with("apps/network/cloudflared/app/kustomization.yaml:7:5  critical  resource"),
        "{}",
        lines[0]
    );
    assert_eq!(lines[1], "    help: fix the path, or remove the entry if the file was deleted on purpose");
    assert!(lines[6].starts_with("✗ 3 critical"), "{}", lines[6]);
    assert!(!run.stdout.contains("info"), "-q leaves info findings out: {}", run.stdout);
}

#[test]
fn help_of_every_command_shows_examples() {
    let dir = tempfile::tempdir().expect("temporary folder");
    for (args, example) in [
        (vec!["--help"], "anton validate ./clusters --json"),
        (vec!["-h"], "anton validate ./clusters --json"),
        (vec!["validate", "--help"], "anton validate ./kubernetes --format github"),
        (vec!["validate", "-h"], "anton validate ./kubernetes --format github"),
        (vec!["get", "--help"], "anton get hr ./kubernetes --format json"),
        (vec!["help", "get"], "anton get hr ./kubernetes --format json"),
    ] {
        // Exactly as typed: `anton help get --color never` would ask for help on `--color`.
        let run = common::run_in(dir.path(), &args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(run.stdout.contains("Examples:"), "{args:?}:\n{}", run.stdout);
        assert!(run.stdout.contains(example), "{args:?}:\n{}", run.stdout);
    }
    let top = anton_in(dir.path(), &["--help"]).stdout;
    assert!(
        top.contains("Exit codes: 0 healthy, 1 warnings, 2 critical findings, 3 anton could not do its job"),
        "{top}"
    );
}

#[test]
fn version_prints_the_package_version() {
    let dir = tempfile::tempdir().expect("temporary folder");
    for flag in ["--version", "-V"] {
        let run = anton_in(dir.path(), &[flag]);
        assert_eq!(run.code, 0);
        // The commit it was built from follows (tests/shell.rs checks which).
        let prefix = format!("anton {} (commit ", env!("CARGO_PKG_VERSION"));
        assert!(run.stdout.starts_with(&prefix) && run.stdout.ends_with(")\n"), "{:?}", run.stdout);
    }
}

#[test]
fn unknown_arguments_are_usage_errors_not_reports() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let run = anton_in(dir.path(), &["validate", "--format", "xml"]);
    // clap's usage errors exit 2 on stderr; stdout stays empty so no script mistakes it for a report.
    assert_ne!(run.code, 0);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("xml"), "{}", run.stderr);
}

/// Splits a table line into its cells (columns are separated by two or more spaces).
fn cells(line: &str) -> Vec<&str> {
    line.split("  ").map(str::trim).filter(|cell| !cell.is_empty()).collect()
}

/// `anton get <args> <repo>/kubernetes`.
fn get(repo: &Repo, args: &[&str]) -> common::Run {
    let target = repo.path("kubernetes");
    let mut full = vec!["get"];
    full.extend_from_slice(args);
    full.push(target.to_str().expect("UTF-8 path"));
    anton(repo, &full)
}

#[test]
fn get_ks_prints_a_flux_style_table() {
    let repo = fixture("layout-anton");
    let run = get(&repo, &["ks"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(cells(lines[0]), ["NAMESPACE", "NAME", "PATH", "SOURCE", "DEPENDS ON", "INTERVAL", "SUSPENDED", "FILE"]);
    let rows: Vec<Vec<&str>> = lines[1..].iter().map(|line| cells(line)).collect();
    assert_eq!(
        rows,
        [
            vec![
                "flux-system",
                "cluster-meta",
                "./kubernetes/flux/meta",
                "GitRepository/flux-system/flux-system",
                "-",
                "30m",
                "false",
                "kubernetes/flux/cluster/ks.yaml:2"
            ],
            vec![
                "flux-system",
                "cluster-apps",
                "./kubernetes/apps",
                "GitRepository/flux-system/flux-system",
                "cluster-meta",
                "30m",
                "false",
                "kubernetes/flux/cluster/ks.yaml:17"
            ],
            vec![
                "flux-system",
                "cert-manager",
                "./kubernetes/apps/cert-manager/cert-manager/app",
                "GitRepository/flux-system/flux-system",
                "-",
                "15m",
                "false",
                "kubernetes/apps/cert-manager/cert-manager/ks.yaml:2"
            ],
            vec![
                "flux-system",
                "plex",
                "./kubernetes/apps/media/plex/app",
                "GitRepository/flux-system/flux-system",
                "cert-manager",
                "1h",
                "false",
                "kubernetes/apps/media/plex/ks.yaml:2"
            ],
        ]
    );
    // Columns line up: every cell of a column starts at the same offset.
    let offset = |line: &str, cell: &str| line.find(cell).expect("cell in line");
    assert_eq!(offset(lines[0], "PATH"), offset(lines[1], "./kubernetes/flux/meta"));
    assert_eq!(offset(lines[0], "FILE"), offset(lines[4], "kubernetes/apps/media/plex/ks.yaml:2"));
}

#[test]
fn get_hr_prints_chart_and_source_columns() {
    let repo = fixture("layout-anton");
    let run = get(&repo, &["hr"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        cells(lines[0]),
        ["NAMESPACE", "NAME", "CHART", "SOURCE", "DEPENDS ON", "INTERVAL", "SUSPENDED", "FILE"]
    );
    assert_eq!(
        cells(lines[1]),
        [
            "cert-manager",
            "cert-manager",
            "cert-manager@v1.16.2",
            "HelmRepository/flux-system/jetstack",
            "-",
            "30m",
            "false",
            "kubernetes/apps/cert-manager/cert-manager/app/helmrelease.yaml:2"
        ]
    );
    // A chartRef: the chart and version of the OCIRepository it names.
    assert_eq!(
        cells(lines[2]),
        [
            "media",
            "plex",
            "app-template@3.7.3",
            "OCIRepository/flux-system/app-template",
            "-",
            "1h",
            "false",
            "kubernetes/apps/media/plex/app/helmrelease.yaml:2"
        ]
    );
    assert_eq!(lines.len(), 3);
}

#[test]
fn get_sources_prints_kind_url_and_ref_columns() {
    let repo = fixture("layout-anton");
    let run = get(&repo, &["sources"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(cells(lines[0]), ["KIND", "NAMESPACE", "NAME", "URL", "REF", "INTERVAL", "SUSPENDED", "FILE"]);
    assert_eq!(
        cells(lines[1]),
        [
            "OCIRepository",
            "flux-system",
            "app-template",
            "oci://ghcr.io/bjw-s-labs/helm/app-template",
            "tag=3.7.3",
            "2h",
            "false",
            "kubernetes/flux/meta/repos/app-template.yaml:2"
        ]
    );
    assert_eq!(
        cells(lines[2]),
        [
            "HelmRepository",
            "flux-system",
            "jetstack",
            "https://charts.jetstack.io",
            "2h",
            "false",
            "kubernetes/flux/meta/repos/jetstack.yaml:2"
        ]
    );
}

#[test]
fn get_json_lists_items_under_details() {
    let repo = fixture("layout-anton");
    for (what, expected) in [
        (
            "ks",
            json!({
                "kind": "Kustomization",
                "namespace": "flux-system",
                "name": "plex",
                "target": "./kubernetes/apps/media/plex/app",
                "source": "GitRepository/flux-system/flux-system",
                "dependsOn": ["flux-system/cert-manager"],
                "interval": "1h",
                "suspended": false,
                "location": "kubernetes/apps/media/plex/ks.yaml:2",
                "cluster": "kubernetes/flux/cluster"
            }),
        ),
        (
            "hr",
            json!({
                "kind": "HelmRelease",
                "namespace": "media",
                "name": "plex",
                "target": "app-template@3.7.3",
                "source": "OCIRepository/flux-system/app-template",
                "dependsOn": [],
                "interval": "1h",
                "suspended": false,
                "location": "kubernetes/apps/media/plex/app/helmrelease.yaml:2",
                "cluster": "kubernetes/flux/cluster",
                "chart": {
                    "name": "app-template",
                    "version": "3.7.3",
                    "versionFrom": "spec.ref.tag",
                    "url": "oci://ghcr.io/bjw-s-labs/helm/app-template"
                }
            }),
        ),
        (
            "sources",
            json!({
                "kind": "HelmRepository",
                "namespace": "flux-system",
                "name": "jetstack",
                "target": "https://charts.jetstack.io",
                "source": "",
                "dependsOn": [],
                "interval": "2h",
                "suspended": false,
                "location": "kubernetes/flux/meta/repos/jetstack.yaml:2",
                "cluster": "kubernetes/flux/cluster"
            }),
        ),
    ] {
        let run = get(&repo, &[what, "--json"]);
        assert_eq!(run.code, 0, "{}", run.stdout);
        let report = run.json();
        common::assert_contract(&report);
        let items = report["details"]["items"].as_array().expect("details.items");
        assert_eq!(report["summary"]["total"], items.len(), "get {what}: one subject per listed item");
        assert!(items.contains(&expected), "get {what}: {items:#?}");
    }
    let counts: Vec<usize> = ["ks", "hr", "sources"]
        .iter()
        .map(|what| get(&repo, &[what, "--json"]).json()["details"]["items"].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(counts, [4, 2, 2]);
}

#[test]
fn get_aliases_match_the_short_names() {
    let repo = fixture("layout-anton");
    for (alias, short) in [("kustomizations", "ks"), ("helmreleases", "hr"), ("source", "sources")] {
        let mut by_alias = get(&repo, &[alias, "--json"]).json();
        let mut by_short = get(&repo, &[short, "--json"]).json();
        by_alias["timestamp"] = Value::Null;
        by_short["timestamp"] = Value::Null;
        assert_eq!(by_alias, by_short, "{alias}");
    }
}

#[test]
fn get_reports_findings_on_listed_objects_and_exits_with_their_severity() {
    let repo = fixture("flux-dependson-missing");
    let run = anton(&repo, &["get", "ks", repo.root.to_str().expect("UTF-8 path")]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stdout.contains("1 finding(s) on these objects; run `anton validate` for details."), "{}", run.stdout);
}

#[test]
fn validate_without_a_path_checks_the_kubernetes_folder_of_the_git_repository() {
    let repo = fixture("layout-anton");
    let kubernetes = repo.path("kubernetes");
    for cwd in [repo.root.clone(), kubernetes.join("apps/media")] {
        let run = anton_in(&cwd, &["validate", "--json"]);
        assert_eq!(run.code, 0, "{}", run.stdout);
        let report = run.json();
        common::assert_contract(&report);
        let repository = &report["details"]["repository"];
        assert_eq!(repository["root"], repo.root.to_str().expect("UTF-8 path"), "from {}", cwd.display());
        assert_eq!(repository["scanned"], kubernetes.to_str().expect("UTF-8 path"), "from {}", cwd.display());
        assert_eq!(repository["flux"]["kustomizations"], 4);
    }
    // anton get has the same default.
    let run = anton_in(&repo.root, &["get", "ks", "--json"]);
    assert_eq!(run.json()["details"]["items"].as_array().map(Vec::len), Some(4));
}

#[test]
fn validate_without_a_path_outside_a_kubernetes_layout_checks_the_current_folder() {
    let repo = fixture("kustomize-orphan-file");
    let run = anton_in(&repo.path("apps"), &["validate", "--json"]);
    let report = run.json();
    common::assert_contract(&report);
    assert_eq!(report["details"]["repository"]["scanned"], repo.path("apps").to_str().expect("UTF-8 path"));
    assert_eq!(report["details"]["repository"]["root"], repo.root.to_str().expect("UTF-8 path"));
}
