//! JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure
//! Pipelines). One `<testsuite>` per rule family, one `<testcase>` per
//! finding; warnings and critical findings are `<failure>`s, information
//! passes. A clean run is one suite with one passing case, so the CI shows
//! that the check ran.

use std::collections::BTreeMap;
use std::io;

use anton_core::{Finding, Report, Severity, Status};

use crate::summary::verdict;
use crate::RenderOptions;

pub(crate) fn render(report: &Report, options: &RenderOptions, out: &mut dyn io::Write) -> io::Result<()> {
    let name = if options.title.is_empty() { "anton" } else { options.title.as_str() };
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    let failures = report.findings.iter().filter(|f| f.severity != Severity::Info).count();
    let errors = usize::from(report.status == Status::Error);
    let tests = report.findings.len().max(1);
    writeln!(
        out,
        r#"<testsuites name="{}" tests="{tests}" failures="{failures}" errors="{errors}" time="0">"#,
        escape(name)
    )?;
    if report.status == Status::Error {
        let reason = report.issues.first().map_or("anton could not run", String::as_str);
        writeln!(out, r#"  <testsuite name="anton" tests="1" failures="0" errors="1" skipped="0" time="0">"#)?;
        writeln!(out, r#"    <testcase name="{}" classname="anton" time="0">"#, escape(name))?;
        writeln!(out, r#"      <error message="{}" type="error">{}</error>"#, escape(reason), escape(reason))?;
        writeln!(out, "    </testcase>")?;
        writeln!(out, "  </testsuite>")?;
        return writeln!(out, "</testsuites>");
    }
    if report.findings.is_empty() {
        writeln!(out, r#"  <testsuite name="anton" tests="1" failures="0" errors="0" skipped="0" time="0">"#)?;
        writeln!(
            out,
            r#"    <testcase name="{}" classname="anton" time="0"/>"#,
            escape(&verdict(report, &options.title))
        )?;
        writeln!(out, "  </testsuite>")?;
        return writeln!(out, "</testsuites>");
    }
    let mut families: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for finding in &report.findings {
        let family = finding.rule.split_once('/').map_or(finding.rule.as_str(), |(family, _)| family);
        families.entry(family).or_default().push(finding);
    }
    for (family, findings) in families {
        let failed = findings.iter().filter(|f| f.severity != Severity::Info).count();
        writeln!(
            out,
            r#"  <testsuite name="{}" tests="{}" failures="{failed}" errors="0" skipped="0" time="0">"#,
            escape(family),
            findings.len()
        )?;
        for finding in findings {
            testcase(finding, out)?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

/// One part of a run made of several (`anton check`'s suites): its name,
/// its report, how long it took, or why it did not run.
pub struct JunitSuite<'a> {
    pub name: &'a str,
    /// `None`: left out, for `skipped` (the reason).
    pub report: Option<&'a Report>,
    pub seconds: f64,
    pub skipped: Option<&'a str>,
}

/// JUnit XML with one `<testsuite>` per part: a part that could not run is
/// an `<error>`, a clean part one passing case, a part left out a
/// `<skipped>` case; findings are cases as in [`crate::render`].
pub fn render_suites(suites: &[JunitSuite<'_>], title: &str, out: &mut dyn io::Write) -> io::Result<()> {
    let name = if title.is_empty() { "anton" } else { title };
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    let reports = || suites.iter().filter_map(|s| s.report);
    let failures: usize = reports().map(|r| r.findings.iter().filter(|f| f.severity != Severity::Info).count()).sum();
    let errors = reports().filter(|r| r.status == Status::Error).count();
    let tests: usize = suites.iter().map(|s| s.report.map_or(1, |r| r.findings.len().max(1))).sum();
    let time: f64 = suites.iter().map(|s| s.seconds).sum();
    writeln!(
        out,
        r#"<testsuites name="{}" tests="{tests}" failures="{failures}" errors="{errors}" time="{time:.3}">"#,
        escape(name)
    )?;
    for suite in suites {
        let suite_name = escape(suite.name);
        let time = suite.seconds;
        match suite.report {
            None => {
                let reason = escape(suite.skipped.unwrap_or("not run"));
                writeln!(out, r#"  <testsuite name="{suite_name}" tests="1" failures="0" errors="0" skipped="1" time="0">"#)?;
                writeln!(out, r#"    <testcase name="{suite_name}" classname="{suite_name}" time="0">"#)?;
                writeln!(out, r#"      <skipped message="{reason}"/>"#)?;
                writeln!(out, "    </testcase>")?;
            }
            Some(report) if report.status == Status::Error => {
                let reason = escape(report.issues.first().map_or("could not run", String::as_str));
                writeln!(out, r#"  <testsuite name="{suite_name}" tests="1" failures="0" errors="1" skipped="0" time="{time:.3}">"#)?;
                writeln!(out, r#"    <testcase name="{suite_name}" classname="{suite_name}" time="{time:.3}">"#)?;
                writeln!(out, r#"      <error message="{reason}" type="error">{reason}</error>"#)?;
                writeln!(out, "    </testcase>")?;
            }
            Some(report) if report.findings.is_empty() => {
                writeln!(out, r#"  <testsuite name="{suite_name}" tests="1" failures="0" errors="0" skipped="0" time="{time:.3}">"#)?;
                writeln!(
                    out,
                    r#"    <testcase name="{}" classname="{suite_name}" time="{time:.3}"/>"#,
                    escape(&verdict(report, suite.name))
                )?;
            }
            Some(report) => {
                let failed = report.findings.iter().filter(|f| f.severity != Severity::Info).count();
                writeln!(
                    out,
                    r#"  <testsuite name="{suite_name}" tests="{}" failures="{failed}" errors="0" skipped="0" time="{time:.3}">"#,
                    report.findings.len()
                )?;
                for finding in &report.findings {
                    testcase(finding, out)?;
                }
            }
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

fn testcase(finding: &Finding, out: &mut dyn io::Write) -> io::Result<()> {
    let place = finding.location.as_ref().map(ToString::to_string);
    let name = match (&finding.object, &place) {
        (Some(object), Some(place)) => format!("{object} ({place})"),
        (Some(object), None) => object.clone(),
        (None, Some(place)) => place.clone(),
        (None, None) => finding.rule.clone(),
    };
    let file = finding.location.as_ref().map(|l| format!(r#" file="{}" line="{}""#, escape(&l.file), l.line)).unwrap_or_default();
    writeln!(
        out,
        r#"    <testcase name="{}" classname="{}"{file} time="0">"#,
        escape(&name),
        escape(&finding.rule)
    )?;
    let mut body = finding.issue_line();
    if let Some(hint) = &finding.hint {
        body.push_str("\nhint: ");
        body.push_str(hint);
    }
    if finding.severity == Severity::Info {
        writeln!(out, "      <system-out>{}</system-out>", escape(&body))?;
    } else {
        writeln!(
            out,
            r#"      <failure message="{}" type="{}">{}</failure>"#,
            escape(&finding.message),
            finding.severity,
            escape(&body)
        )?;
    }
    writeln!(out, "    </testcase>")
}

/// Text for XML 1.0 attributes and content: markup escaped, characters XML
/// cannot hold replaced.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use anton_core::Location;

    fn render_to_string(report: &Report) -> String {
        let mut out = Vec::new();
        render(report, &RenderOptions { title: "anton validate".into(), ..RenderOptions::default() }, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn one_suite_per_family_and_failures_for_warnings() {
        let report = Report::new(
            Vec::new(),
            vec![
                Finding::new("flux/no-timeout", Severity::Info, "no timeout").at(Location::new("ks.yaml", 1, 1)),
                Finding::new("flux/infinite-retries", Severity::Warning, "retries <-1>").at(Location::new("hr.yaml", 9, 7)),
                Finding::new("k8s/latest-tag", Severity::Critical, "latest").object("Deployment/default/web"),
            ],
        );
        let xml = render_to_string(&report);
        assert!(xml.contains(r#"<testsuite name="flux" tests="2" failures="1""#), "{xml}");
        assert!(xml.contains(r#"<testsuite name="k8s" tests="1" failures="1""#), "{xml}");
        assert!(xml.contains("retries &lt;-1&gt;"), "{xml}");
        assert!(xml.contains("<system-out>"), "{xml}");
        assert_eq!(xml.matches("<testcase").count(), 3);
    }

    #[test]
    fn a_clean_run_still_shows_a_passing_case() {
        let xml = render_to_string(&Report::new(["A".to_owned()], Vec::new()));
        assert!(xml.contains(r#"tests="1" failures="0""#), "{xml}");
        assert!(xml.contains("<testcase"), "{xml}");
    }

    #[test]
    fn one_testsuite_per_part_of_a_check() {
        let clean = Report::new(["A".to_owned()], Vec::new());
        let broken = Report::tool_error("cannot reach the API server");
        let found = Report::new(Vec::new(), vec![Finding::new("pod/crashloop", Severity::Critical, "web crashes").object("Pod/a/web")]);
        let suites = [
            JunitSuite { name: "validate", report: Some(&clean), seconds: 0.5, skipped: None },
            JunitSuite { name: "health", report: Some(&found), seconds: 1.0, skipped: None },
            JunitSuite { name: "flux", report: Some(&broken), seconds: 0.0, skipped: None },
            JunitSuite { name: "storage", report: None, seconds: 0.0, skipped: Some("no cluster <ci>") },
        ];
        let mut out = Vec::new();
        render_suites(&suites, "anton check", &mut out).unwrap();
        let xml = String::from_utf8(out).unwrap();
        assert_eq!(xml.matches("<testsuite ").count(), 4, "{xml}");
        assert!(xml.contains(r#"<testsuites name="anton check" tests="4" failures="1" errors="1" time="1.500">"#), "{xml}");
        assert!(xml.contains(r#"<testsuite name="health" tests="1" failures="1""#), "{xml}");
        assert!(xml.contains(r#"<error message="cannot reach the API server""#), "{xml}");
        assert!(xml.contains(r#"<skipped message="no cluster &lt;ci&gt;"/>"#), "{xml}");
    }

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(escape("a<b>&\"c'\u{1}"), "a&lt;b&gt;&amp;&quot;c&apos;\u{FFFD}");
    }
}
