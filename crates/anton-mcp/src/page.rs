//! Turning a report into a tool answer: redact every string, page the long
//! lists (saying so), and write the short text an agent can quote.

use anton_core::Report;
use anton_core::secrets::redact;
use serde_json::{Map, Value, json};

const DEFAULT_PAGE_SIZE: usize = 50;
const MAX_PAGE_SIZE: usize = 500;
/// Issues quoted in the text answer; the rest are in the structured content.
const ISSUES_IN_TEXT: usize = 10;

/// Which page of every long list to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Paging {
    /// From 1.
    pub page: usize,
    pub page_size: usize,
}

impl Default for Paging {
    fn default() -> Self {
        Self { page: 1, page_size: DEFAULT_PAGE_SIZE }
    }
}

impl Paging {
    pub fn new(page: Option<usize>, page_size: Option<usize>) -> Result<Self, String> {
        let page = page.unwrap_or(1);
        let page_size = page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        if page == 0 {
            return Err("page counts from 1".into());
        }
        if page_size == 0 || page_size > MAX_PAGE_SIZE {
            return Err(format!("page_size must be between 1 and {MAX_PAGE_SIZE}"));
        }
        Ok(Self { page, page_size })
    }
}

/// The structured content: the report as JSON, every string redacted, each
/// list longer than a page (in `issues` and anywhere in `details` outside
/// other lists) cut to the page asked for, and `details.page` saying what
/// was cut. Returns the content and the note for the text (`None`: all of
/// it is there).
pub(crate) fn structured(report: &Report, paging: Paging) -> (Value, Option<String>) {
    let mut value = serde_json::to_value(report).unwrap_or_else(|_| json!({}));
    redact_strings(&mut value);
    let mut lists = Map::new();
    if let Some(issues) = value.get_mut("issues") {
        cut(issues, "issues", paging, &mut lists);
    }
    if let Some(details) = value.get_mut("details") {
        cut_within(details, "details", paging, &mut lists);
    }
    let longest = lists.values().filter_map(Value::as_u64).max().unwrap_or(0) as usize;
    if longest <= paging.page_size && paging.page == 1 {
        return (value, None);
    }
    let pages = longest.div_ceil(paging.page_size).max(1);
    let note = if paging.page > pages {
        format!("Page {} is past the end: the longest list has {longest} entries, {pages} page(s) of {}.", paging.page, paging.page_size)
    } else {
        let listed = lists.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", ");
        let more = if paging.page < pages { format!("; call again with page: {} for more", paging.page + 1) } else { String::new() };
        format!("Page {} of {pages} ({} per page; in all {listed}){more}.", paging.page, paging.page_size)
    };
    if let Some(Value::Object(details)) = value.get_mut("details") {
        details.insert(
            "page".into(),
            json!({"page": paging.page, "pageSize": paging.page_size, "pages": pages, "lengths": lists, "note": note}),
        );
    }
    (value, Some(note))
}

fn cut_within(value: &mut Value, path: &str, paging: Paging, lists: &mut Map<String, Value>) {
    match value {
        Value::Array(_) => cut(value, path, paging, lists),
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                cut_within(child, &format!("{path}.{key}"), paging, lists);
            }
        }
        _ => {}
    }
}

/// Keeps the page of `list`; records its length when it is longer than a page.
fn cut(list: &mut Value, path: &str, paging: Paging, lists: &mut Map<String, Value>) {
    let Value::Array(entries) = list else { return };
    let length = entries.len();
    if length <= paging.page_size && paging.page == 1 {
        return;
    }
    lists.insert(path.to_owned(), json!(length));
    let start = (paging.page - 1).saturating_mul(paging.page_size).min(length);
    let end = start.saturating_add(paging.page_size).min(length);
    *entries = entries.drain(start..end).collect();
}

fn redact_strings(value: &mut Value) {
    match value {
        Value::String(text) => {
            if let std::borrow::Cow::Owned(redacted) = redact(text) {
                *text = redacted;
            }
        }
        Value::Array(list) => list.iter_mut().for_each(redact_strings),
        Value::Object(map) => map.values_mut().for_each(redact_strings),
        _ => {}
    }
}

/// The text answer: the verdict in one line, `lines` (a line per suite),
/// the first issues, the page note; `lead` (a rule's documentation) comes
/// first. Redacted.
pub(crate) fn text(tool: &str, report: &Report, lead: Option<&str>, lines: &[String], note: Option<&str>) -> String {
    let s = &report.summary;
    let mut out = String::new();
    if let Some(lead) = lead {
        out.push_str(lead.trim_end());
        out.push_str("\n\n");
    }
    out.push_str(&format!(
        "anton {tool}: {} — {} checked, {} healthy, {} warning(s), {} critical.",
        report.status.as_str(),
        s.total,
        s.healthy,
        s.warnings,
        s.critical
    ));
    for line in lines {
        out.push('\n');
        out.push_str(line);
    }
    for issue in report.issues.iter().take(ISSUES_IN_TEXT) {
        out.push_str("\n- ");
        out.push_str(issue);
    }
    if report.issues.len() > ISSUES_IN_TEXT {
        out.push_str(&format!(
            "\n… {} more issue(s) in the structured content (issues, details.findings).",
            report.issues.len() - ISSUES_IN_TEXT
        ));
    }
    if let Some(note) = note {
        out.push('\n');
        out.push_str(note);
    }
    redact(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report_with(issues: usize) -> Report {
        let mut report = Report::tool_error("x");
        report.issues = (0..issues).map(|i| format!("issue {i}")).collect();
        report.details.insert("findings".into(), Value::Array((0..issues).map(|i| json!(i)).collect()));
        report
    }

    #[test]
    fn short_lists_are_whole_and_say_nothing() {
        let (value, note) = structured(&report_with(3), Paging::default());
        assert_eq!(value["issues"].as_array().unwrap().len(), 3);
        assert!(note.is_none());
        assert!(value["details"].get("page").is_none());
    }

    #[test]
    fn long_lists_are_paged_with_a_note() {
        let paging = Paging::new(Some(2), Some(10)).unwrap();
        let (value, note) = structured(&report_with(25), paging);
        assert_eq!(value["issues"][0], "issue 10");
        assert_eq!(value["details"]["findings"].as_array().unwrap().len(), 10);
        assert_eq!(value["details"]["page"]["pages"], 3);
        assert_eq!(value["details"]["page"]["lengths"]["details.findings"], 25);
        assert!(note.unwrap().contains("page: 3"));
        let (last, _) = structured(&report_with(25), Paging::new(Some(3), Some(10)).unwrap());
        assert_eq!(last["issues"].as_array().unwrap().len(), 5);
        let (past, note) = structured(&report_with(25), Paging::new(Some(9), Some(10)).unwrap());
        assert_eq!(past["issues"].as_array().unwrap().len(), 0);
        assert!(note.unwrap().contains("past the end"));
    }

    #[test]
    fn bad_paging_is_refused() {
        assert!(Paging::new(Some(0), None).is_err());
        assert!(Paging::new(None, Some(0)).is_err());
        assert!(Paging::new(None, Some(MAX_PAGE_SIZE + 1)).is_err());
    }

    #[test]
    fn private_keys_in_strings_are_redacted() {
        let key = "-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaC1rZXktdjEAAAAA\\n-----END OPENSSH PRIVATE KEY-----";
        let report = Report::tool_error(format!("found {key}"));
        let (value, _) = structured(&report, Paging::default());
        let shown = value.to_string();
        assert!(!shown.contains("b3BlbnNzaC1rZXktdjEAAAAA"), "{shown}");
    }
}
