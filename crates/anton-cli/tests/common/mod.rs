//! Helpers shared by the CLI test binaries: copying a fixture repository to a
//! temporary folder, running the built `anton` binary on it, and reading the
//! JSON report contract.
//!
//! Each test binary uses only part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

/// The folder holding one fixture repository per case.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A fixture repository copied to a temporary folder.
///
/// The fixtures live inside anton's own git checkout, so scanning them in
/// place would make the checkout the repository root and every Flux
/// `spec.path` would resolve against it. The copy gets an empty `.git/`
/// folder, which pins the root to the copy wherever the temporary folder is.
pub struct Repo {
    _dir: TempDir,
    pub root: PathBuf,
}

impl Repo {
    /// A path inside the repository, e.g. `repo.path("kubernetes")`.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// Overwrites (or creates) a file of the copy.
    pub fn write(&self, relative: &str, contents: &str) {
        let path = self.path(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent folder");
        }
        std::fs::write(path, contents).expect("write file");
    }

    pub fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.path(relative)).expect("read file")
    }

    pub fn remove(&self, relative: &str) {
        std::fs::remove_file(self.path(relative)).expect("remove file");
    }
}

/// Copies `tests/fixtures/<name>` to a fresh temporary git repository.
pub fn fixture(name: &str) -> Repo {
    let source = fixtures_dir().join(name);
    assert!(source.is_dir(), "no fixture {}", source.display());
    let dir = tempfile::tempdir().expect("temporary folder");
    // Canonical, so it compares equal to the paths anton reports (macOS /tmp is a symlink).
    let root = dir.path().canonicalize().expect("canonical temp path").join("repo");
    copy_dir(&source, &root);
    std::fs::create_dir_all(root.join(".git")).expect("create .git");
    // These fixtures are minimal repositories for one structural problem or
    // one parsing trap; the best-practice rules have fixtures of their own
    // (anton-lint's, and tests/lint_cli.rs), so here only the structural
    // checks run unless a fixture brings its own configuration.
    let config = root.join(".anton.toml");
    if !config.exists() {
        std::fs::write(&config, "[rules]\nselect = [\"structural\"]\n").expect("write .anton.toml");
    }
    Repo { _dir: dir, root }
}

/// Copies `tests/fixtures/<name>` like [`fixture`], with every rule enabled
/// (the default configuration).
pub fn fixture_with_all_rules(name: &str) -> Repo {
    let repo = fixture(name);
    std::fs::remove_file(repo.path(".anton.toml")).expect("remove .anton.toml");
    repo
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read fixture folder") {
        let entry = entry.expect("fixture entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy fixture file");
        }
    }
}

/// What one run of the binary gave.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("stdout is not JSON ({error}):\n{}", self.stdout))
    }
}

/// Runs `anton <args> --color never` in `cwd`.
pub fn anton_in(cwd: &Path, args: &[&str]) -> Run {
    let mut args = args.to_vec();
    args.extend(["--color", "never"]);
    run_in(cwd, &args)
}

/// Runs `anton <args>` in `cwd`, exactly as given.
pub fn run_in(cwd: &Path, args: &[&str]) -> Run {
    let output = Command::cargo_bin("anton")
        .expect("the anton binary is built")
        .current_dir(cwd)
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("run anton");
    Run {
        // A signal (a crash) has no code: report it as -1 so assertions fail loudly.
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// Runs `anton <args>` with the repository root as the current folder.
pub fn anton(repo: &Repo, args: &[&str]) -> Run {
    anton_in(&repo.root, args)
}

/// `anton validate <root> --json`, checked against the report contract.
pub fn validate_json(repo: &Repo) -> (i32, Value) {
    let root = repo.root.to_str().expect("UTF-8 path");
    let run = anton(repo, &["validate", root, "--json"]);
    let json = run.json();
    assert_contract(&json);
    (run.code, json)
}

/// One finding as `file:line:col severity rule`, the part tests pin exactly.
pub fn finding_keys(report: &Value) -> Vec<String> {
    findings(report)
        .iter()
        .map(|f| {
            format!(
                "{}:{}:{} {} {}",
                f["file"].as_str().unwrap_or("-"),
                f["line"],
                f["column"],
                f["severity"].as_str().unwrap_or("-"),
                f["rule"].as_str().unwrap_or("-"),
            )
        })
        .collect()
}

pub fn findings(report: &Value) -> &Vec<Value> {
    report["details"]["findings"].as_array().expect("details.findings is an array")
}

/// The one finding with this rule; fails when there is not exactly one.
pub fn the_finding<'a>(report: &'a Value, rule: &str) -> &'a Value {
    let matching: Vec<&Value> = findings(report).iter().filter(|f| f["rule"] == rule).collect();
    assert_eq!(matching.len(), 1, "expected one {rule} finding, got {matching:#?}");
    matching[0]
}

/// The report contract of the old scripts, checked field by field.
pub fn assert_contract(report: &Value) {
    let keys: Vec<&str> = report.as_object().expect("report is an object").keys().map(String::as_str).collect();
    assert_eq!(keys, ["status", "timestamp", "summary", "details", "issues"]);

    let status = report["status"].as_str().expect("status is a string");
    assert!(["healthy", "warning", "critical", "error"].contains(&status), "status {status}");

    let timestamp = report["timestamp"].as_str().expect("timestamp is a string");
    assert!(is_rfc3339(timestamp), "timestamp {timestamp:?} is not RFC 3339");

    let summary = &report["summary"];
    let summary_keys: Vec<&str> = summary.as_object().expect("summary").keys().map(String::as_str).collect();
    assert_eq!(summary_keys, ["total", "healthy", "warnings", "critical"]);
    let count = |key: &str| summary[key].as_u64().unwrap_or_else(|| panic!("summary.{key} is a count"));
    assert_eq!(count("total"), count("healthy") + count("warnings") + count("critical"), "summary {summary}");

    assert!(report["details"].is_object(), "details is an object");
    let issues = report["issues"].as_array().expect("issues is an array");
    if status == "error" {
        assert!(!issues.is_empty(), "a tool error says why in issues");
        return;
    }

    let findings = findings(report);
    assert_eq!(issues.len(), findings.len(), "one issue line per finding");
    for (issue, finding) in issues.iter().zip(findings) {
        let keys: Vec<&str> = finding.as_object().expect("finding").keys().map(String::as_str).collect();
        assert_eq!(keys, ["rule", "severity", "message", "file", "line", "column", "object", "hint"]);
        let issue = issue.as_str().expect("issue is a string");
        let parsed = parse_issue_line(issue)
            .unwrap_or_else(|| panic!("issue line {issue:?} is not `path:line:col: severity rule-id: message`"));
        assert_eq!(parsed.file, finding["file"].as_str().expect("file"), "{issue}");
        assert_eq!(parsed.line, finding["line"].as_u64().expect("line"), "{issue}");
        assert_eq!(parsed.column, finding["column"].as_u64().expect("column"), "{issue}");
        assert_eq!(parsed.severity, finding["severity"].as_str().expect("severity"), "{issue}");
        assert_eq!(parsed.rule, finding["rule"].as_str().expect("rule"), "{issue}");
        assert_eq!(parsed.message, finding["message"].as_str().expect("message"), "{issue}");
        assert!(["info", "warning", "critical"].contains(&parsed.severity), "{issue}");
        let (family, slug) =
            parsed.rule.split_once('/').unwrap_or_else(|| panic!("rule id {} is family/slug", parsed.rule));
        assert!(!family.is_empty() && !slug.is_empty(), "{issue}");
        assert!(!parsed.message.is_empty(), "a finding says what is wrong: {issue}");
    }
}

pub struct IssueLine<'a> {
    pub file: &'a str,
    pub line: u64,
    pub column: u64,
    pub severity: &'a str,
    pub rule: &'a str,
    pub message: &'a str,
}

/// Reads `path:line:col: severity rule-id: message`.
pub fn parse_issue_line(issue: &str) -> Option<IssueLine<'_>> {
    let (location, rest) = issue.split_once(": ")?;
    let mut parts = location.rsplitn(3, ':');
    let column = parts.next()?.parse().ok()?;
    let line = parts.next()?.parse().ok()?;
    let file = parts.next()?;
    let (severity, rest) = rest.split_once(' ')?;
    let (rule, message) = rest.split_once(": ")?;
    if file.is_empty() || rule.contains(' ') || line == 0 || column == 0 {
        return None;
    }
    Some(IssueLine { file, line, column, severity, rule, message })
}

/// `2025-01-31T23:59:60.123456Z` or with a `+02:00` offset, as RFC 3339 §5.6 has it.
pub fn is_rfc3339(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        if part.bytes().all(|b| b.is_ascii_digit()) { part.parse().ok() } else { None }
    };
    let (Some(_year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) =
        (digits(0..4), digits(5..7), digits(8..10), digits(11..13), digits(14..16), digits(17..19))
    else {
        return false;
    };
    if bytes.get(4) != Some(&b'-')
        || bytes.get(7) != Some(&b'-')
        || bytes.get(13) != Some(&b':')
        || bytes.get(16) != Some(&b':')
    {
        return false;
    }
    if !matches!(bytes.get(10), Some(b'T' | b't')) {
        return false;
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return false;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        rest = &fraction[digits..];
    }
    match rest.as_bytes() {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            [h1, h2, m1, m2].iter().all(|b| b.is_ascii_digit())
                && rest[1..3].parse::<u32>().is_ok_and(|h| h <= 23)
                && rest[4..6].parse::<u32>().is_ok_and(|m| m <= 59)
        }
        _ => false,
    }
}
