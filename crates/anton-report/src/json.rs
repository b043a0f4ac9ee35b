//! The report's JSON contract, exactly as `anton-core` serialises it.

use std::io;

use anton_core::Report;

pub(crate) fn render(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    writeln!(out, "{}", report.to_json_pretty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_the_contract_plus_a_newline() {
        let report = Report::new(Vec::new(), Vec::new());
        let mut out = Vec::new();
        render(&report, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("{}\n", report.to_json_pretty())
        );
    }
}
