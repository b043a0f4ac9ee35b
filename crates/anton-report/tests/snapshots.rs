//! What each format prints for the same reports. Review changes to the
//! `.snap` files as a user would read the output.

use std::collections::HashMap;

use anton_core::{Finding, Location, Report, Severity};
use anton_report::{Format, RenderOptions, render};

const TIMESTAMP: &str = "2025-01-01T00:00:00Z";

const BROKEN: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: media
data:
  mode: \"fast
  level: 3
";

const APP: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: jellyfin
  namespace: media
spec:
  template:
    spec:
      containers:
        - name: jellyfin
          image: ghcr.io/jellyfin/jellyfin:10.10.3
          ports:
            - containerPort: 8096
          image: ghcr.io/jellyfin/jellyfin:10.10.6
";

const KS: &str = "\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./kubernetes/apps
  prune: true
  wait: yes
";

const SECRET: &str = "\
apiVersion: v1
kind: Secret
metadata:
  name: jellyfin-api
  namespace: media
stringData:
  api-key: super-secret-value
  api-key: another-secret-value
";

fn sources() -> HashMap<String, String> {
    [
        ("apps/media/settings.yaml", BROKEN),
        ("apps/media/jellyfin.yaml", APP),
        ("clusters/main/apps.yaml", KS),
        ("apps/media/secret.yaml", SECRET),
    ]
    .into_iter()
    .map(|(path, text)| (path.to_owned(), text.to_owned()))
    .collect()
}

fn findings_report() -> Report {
    let checked = (1..=12).map(|n| format!("ConfigMap/media/object-{n}"));
    let findings = vec![
        Finding::new("yaml/syntax", Severity::Critical, "found unexpected end of stream while scanning a quoted scalar")
            .at(Location::new("apps/media/settings.yaml", 7, 9))
            .hint("fix the YAML here; the rest of this document was not checked"),
        Finding::new("yaml/duplicate-key", Severity::Critical, "duplicate key `image`")
            .at(Location::new("apps/media/jellyfin.yaml", 14, 11))
            .object("Deployment/media/jellyfin")
            .hint("remove one of the two entries; the API server rejects duplicate keys")
            .related(Location::new("apps/media/jellyfin.yaml", 11, 11), "first defined here"),
        Finding::new("flux/wait-without-timeout", Severity::Warning, "`wait: true` without `timeout`: a stuck rollout blocks every later reconcile for the default 10m interval")
            .at(Location::new("clusters/main/apps.yaml", 10, 3))
            .object("Kustomization/flux-system/apps")
            .hint("set spec.timeout, e.g. `timeout: 5m`"),
        Finding::new("yaml/ambiguous-scalar", Severity::Info, "`yes` reads as the boolean true in YAML 1.1")
            .at(Location::new("clusters/main/apps.yaml", 10, 9))
            .object("Kustomization/flux-system/apps")
            .hint("write `true`"),
        Finding::new("yaml/duplicate-key", Severity::Critical, "duplicate key `api-key`")
            .at(Location::new("apps/media/secret.yaml", 8, 3))
            .object("Secret/media/jellyfin-api")
            .related(Location::new("apps/media/secret.yaml", 7, 3), "first defined here"),
        Finding::new("repo/no-renovate", Severity::Info, "no Renovate configuration found")
            .hint("add `.renovaterc.json5` so image tags are kept current"),
    ];
    Report::new(checked, findings).with_timestamp(TIMESTAMP)
}

fn healthy_report() -> Report {
    Report::new(
        (1..=412).map(|n| format!("ConfigMap/default/object-{n}")),
        Vec::new(),
    )
    .with_timestamp(TIMESTAMP)
}

fn error_report() -> Report {
    Report::tool_error(
        "no such directory: ./kubernetes (run anton from the repository root or pass --path)",
    )
    .with_detail("path", serde_json::json!("./kubernetes"))
    .with_timestamp(TIMESTAMP)
}

fn options() -> RenderOptions {
    RenderOptions {
        color: false,
        verbose: false,
        quiet: false,
        title: "anton validate".to_owned(),
        width: None,
    }
}

fn rendered(report: &Report, format: Format, options: &RenderOptions) -> String {
    let mut out = Vec::new();
    render(report, format, options, &sources(), &mut out).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("renderers write UTF-8")
}

#[test]
fn text() {
    insta::assert_snapshot!(rendered(&findings_report(), Format::Text, &options()));
}

#[test]
fn text_verbose() {
    let options = RenderOptions {
        verbose: true,
        ..options()
    };
    insta::assert_snapshot!(rendered(&findings_report(), Format::Text, &options));
}

#[test]
fn text_quiet() {
    let options = RenderOptions {
        quiet: true,
        ..options()
    };
    insta::assert_snapshot!(rendered(&findings_report(), Format::Text, &options));
}

/// A repository with one warning and 131 info findings prints the warning,
/// one count line per info rule, and the verdict.
#[test]
fn text_counts_info_findings_per_rule() {
    let mut findings: Vec<Finding> = (1..=131)
        .map(|n| {
            Finding::new("flux/no-timeout", Severity::Info, "no `timeout`")
                .at(Location::new(format!("apps/app-{n}/ks.yaml"), 8, 3))
        })
        .collect();
    findings.push(Finding::new("repo/no-renovate", Severity::Info, "no Renovate configuration found"));
    findings.push(
        Finding::new("flux/wait-without-timeout", Severity::Warning, "`wait: true` without `timeout`")
            .at(Location::new("clusters/main/apps.yaml", 10, 3))
            .hint("set spec.timeout, e.g. `timeout: 5m`"),
    );
    let report = Report::new(["Kustomization/flux-system/apps".to_owned()], findings).with_timestamp(TIMESTAMP);
    let text = rendered(&report, Format::Text, &options());
    assert_eq!(
        text,
        "clusters/main/apps.yaml\n  \
         10:3  warning   `wait: true` without `timeout`  [flux/wait-without-timeout]\n    \
         help: set spec.timeout, e.g. `timeout: 5m`\n\n\
         info: flux/no-timeout ×131 — `-v` lists them\n\
         info: repo/no-renovate ×1 — `-v` lists it\n\n\
         ⚠ 1 warning, 132 info across 133 objects checked (status: warning)\n"
    );
    let verbose = rendered(&report, Format::Text, &RenderOptions { verbose: true, ..options() });
    assert_eq!(verbose.matches("[flux/no-timeout]").count(), 131, "{verbose}");
    assert!(!verbose.contains("×"), "{verbose}");
    let quiet = rendered(&report, Format::Text, &RenderOptions { quiet: true, ..options() });
    assert_eq!(
        quiet,
        "clusters/main/apps.yaml:10:3  warning   `wait: true` without `timeout`  [flux/wait-without-timeout]\n    \
         help: set spec.timeout, e.g. `timeout: 5m`\n\n\
         ⚠ 1 warning, 132 info across 133 objects checked (status: warning)\n"
    );
}

#[test]
fn text_healthy() {
    insta::assert_snapshot!(rendered(&healthy_report(), Format::Text, &options()));
}

#[test]
fn text_error() {
    insta::assert_snapshot!(rendered(&error_report(), Format::Text, &options()));
}

#[test]
fn json() {
    insta::assert_snapshot!(rendered(&findings_report(), Format::Json, &options()));
}

#[test]
fn json_healthy() {
    insta::assert_snapshot!(rendered(&healthy_report(), Format::Json, &options()));
}

#[test]
fn json_error() {
    insta::assert_snapshot!(rendered(&error_report(), Format::Json, &options()));
}

#[test]
fn github() {
    insta::assert_snapshot!(rendered(&findings_report(), Format::Github, &options()));
}

#[test]
fn github_healthy() {
    insta::assert_snapshot!(rendered(&healthy_report(), Format::Github, &options()));
}

#[test]
fn github_error() {
    insta::assert_snapshot!(rendered(&error_report(), Format::Github, &options()));
}

#[test]
fn no_output_quotes_a_secret_value() {
    for format in Format::ALL {
        for verbose in [false, true] {
            let options = RenderOptions {
                verbose,
                color: true,
                ..options()
            };
            let out = rendered(&findings_report(), format, &options);
            assert!(
                !out.contains("secret-value"),
                "{format} (verbose: {verbose}) leaked:\n{out}"
            );
        }
    }
}

#[test]
fn colour_only_when_asked() {
    let plain = rendered(&findings_report(), Format::Text, &options());
    assert!(!plain.contains('\u{1b}'));
    let coloured = rendered(
        &findings_report(),
        Format::Text,
        &RenderOptions {
            color: true,
            ..options()
        },
    );
    assert!(
        coloured.contains("\u{1b}[1m\u{1b}[31mcritical"),
        "{coloured}"
    );
    assert!(coloured.contains("\u{1b}[2m[yaml/syntax]"), "{coloured}");
}

#[test]
fn sops_files_get_no_code_frame() {
    let source = "\
apiVersion: v1
kind: ConfigMap
data:
  token: ENC[AES256_GCM,data:c2VjcmV0,tag:x==,type:str]
  token: ENC[AES256_GCM,data:b3RoZXI=,tag:y==,type:str]
sops:
  age:
    - recipient: age1qqq
";
    let sources: HashMap<String, String> = [("apps/cm.sops.yaml".to_owned(), source.to_owned())]
        .into_iter()
        .collect();
    let finding = Finding::new(
        "yaml/duplicate-key",
        Severity::Critical,
        "duplicate key `token`",
    )
    .at(Location::new("apps/cm.sops.yaml", 5, 3))
    .related(
        Location::new("apps/cm.sops.yaml", 4, 3),
        "first defined here",
    );
    let report = Report::new(Vec::new(), vec![finding]).with_timestamp(TIMESTAMP);
    let mut out = Vec::new();
    let options = RenderOptions {
        verbose: true,
        ..options()
    };
    render(&report, Format::Text, &options, &sources, &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(!out.contains("ENC["), "{out}");
    assert!(out.contains("duplicate key `token`"), "{out}");
    assert!(
        out.contains("related: apps/cm.sops.yaml:4:3  first defined here"),
        "{out}"
    );
}
