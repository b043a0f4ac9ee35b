//! GitHub Actions workflow commands: each finding becomes an annotation on
//! the pull request's diff (`::error file=…,line=…,col=…,title=…::message`).
//!
//! See <https://docs.github.com/actions/reference/workflow-commands-for-github-actions>.

use std::io;

use anton_core::{Finding, Report, Severity, Status};

use crate::RenderOptions;
use crate::summary::verdict;

pub(crate) fn render(
    report: &Report,
    options: &RenderOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    if report.status == Status::Error {
        let reason = report
            .issues
            .first()
            .map_or("the tool could not run", String::as_str);
        let title = if options.title.is_empty() {
            "anton"
        } else {
            options.title.as_str()
        };
        writeln!(
            out,
            "::error title={}::{}",
            escape_property(title),
            escape_data(reason)
        )?;
    }
    for finding in &report.findings {
        if options.quiet && finding.severity == Severity::Info {
            continue;
        }
        writeln!(out, "{}", command(finding))?;
    }
    let verdict = verdict(report, &options.title);
    if options.title.is_empty() || report.status == Status::Error {
        writeln!(out, "{verdict}")
    } else {
        writeln!(out, "{}: {verdict}", options.title)
    }
}

fn command(finding: &Finding) -> String {
    let name = match finding.severity {
        Severity::Critical => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let mut properties = Vec::new();
    if let Some(location) = &finding.location {
        properties.push(format!("file={}", escape_property(&location.file)));
        properties.push(format!("line={}", location.line));
        properties.push(format!("col={}", location.column));
    }
    properties.push(format!("title={}", escape_property(&finding.rule)));
    let mut message = finding.message.clone();
    if let Some(hint) = &finding.hint {
        message.push_str("\n\n");
        message.push_str(hint);
    }
    format!(
        "::{name} {}::{}",
        properties.join(","),
        escape_data(&message)
    )
}

/// The message part of a command: a line break would end the command early.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: additionally `:` and `,`, which delimit properties.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use anton_core::Location;

    #[test]
    fn escapes_data_and_properties_as_github_does() {
        assert_eq!(
            escape_data("50% done\r\nnext: a,b"),
            "50%25 done%0D%0Anext: a,b"
        );
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn one_command_per_finding_with_the_hint_after_a_blank_line() {
        let finding = Finding::new("flux/path-missing", Severity::Warning, "no folder `apps`")
            .at(Location::new("clusters/main, copy/ks.yaml", 9, 3))
            .hint("fix spec.path");
        assert_eq!(
            command(&finding),
            "::warning file=clusters/main%2C copy/ks.yaml,line=9,col=3,title=flux/path-missing::no folder `apps`%0A%0Afix spec.path"
        );
        let global = Finding::new("repo/no-flux", Severity::Info, "no Flux found");
        assert_eq!(
            command(&global),
            "::notice title=repo/no-flux::no Flux found"
        );
    }
}
