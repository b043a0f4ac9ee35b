//! Folded scalars (`>`, `>-`) as kustomize hands them on.
//!
//! kustomize keeps a folded scalar folded and writes it back with go-yaml v3
//! before the object is read again (kubectl's output, kustomize-controller's
//! apply). go-yaml v3's folded writer decides whether a line break needs an
//! extra empty line by looking at the start of the whole value instead of the
//! line after the break (`k := 0` in `yaml_emitter_write_folded_scalar`), so a
//! break before a more-indented line gains an empty line, and reads back as
//! one more `\n`. `kubectl kustomize` shows it:
//!
//! ```yaml
//! text: >        # YAML reads "a\n  b\n", kustomize gives "a\n\n  b\n"
//!   a
//!     b
//! ```

/// The value kustomize gives a folded scalar that YAML reads as `value`;
/// `None` when it is the same.
pub(crate) fn as_kustomize_writes_it(value: &str) -> Option<String> {
    // go-yaml writes these double-quoted, never folded: nothing changes.
    if value.contains(" \n") || value.ends_with(' ') || value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return None;
    }
    let chars: Vec<char> = value.chars().collect();
    let is_blank = |c: char| c == ' ' || c == '\t';
    // What the writer checks for every break: the first character after the
    // breaks that open the value.
    let writer_adds_empty_line = chars.iter().find(|c| **c != '\n').is_some_and(|c| !is_blank(*c));
    let mut out = String::with_capacity(value.len() + 8);
    let mut changed = false;
    let mut line_started = false;
    let mut line_leading_blank = true;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '\n' {
            if !line_started {
                line_leading_blank = is_blank(c);
            }
            line_started = true;
            out.push(c);
            i += 1;
            continue;
        }
        if line_started && !line_leading_blank {
            let run_end = (i..chars.len()).find(|j| chars[*j] != '\n').unwrap_or(chars.len());
            let run = run_end - i;
            // What a correct writer does: an empty line only before a line
            // that folding would join.
            let needs_empty_line = run_end < chars.len() && !is_blank(chars[run_end]);
            match (writer_adds_empty_line, needs_empty_line) {
                // Before a more-indented line the extra empty line is one
                // more break; at the end only a kept (`>+`) tail shows it.
                (true, false) if run_end < chars.len() || run >= 2 => {
                    out.push('\n');
                    changed = true;
                }
                (false, true) => {
                    // The missing empty line lets the reader fold this break.
                    changed = true;
                    if run == 1 {
                        out.push(' ');
                    } else {
                        out.extend(std::iter::repeat_n('\n', run - 1));
                    }
                    line_started = false;
                    i = run_end;
                    continue;
                }
                _ => {}
            }
        }
        out.push('\n');
        line_started = false;
        i += 1;
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The values `kubectl kustomize` (kustomize v5.8.1) printed for these
    /// folded scalars.
    #[test]
    fn a_break_before_a_more_indented_line_is_doubled() {
        for (yaml_reads, kustomize_gives) in [
            ("first line continued\n  more indented\n  still more\nback\n", "first line continued\n\n  more indented\n  still more\nback\n"),
            ("a\n\n  b\n\nc\n", "a\n\n\n  b\n\nc\n"),
            ("a\n  b\nc", "a\n\n  b\nc"),
            ("a\n\tb\nc\n", "a\n\n\tb\nc\n"),
            ("a\n  b\nc\n\n\n", "a\n\n  b\nc\n\n\n\n"),
            ("a\n\n\n", "a\n\n\n\n"),
        ] {
            assert_eq!(as_kustomize_writes_it(yaml_reads).as_deref(), Some(kustomize_gives), "{yaml_reads:?}");
        }
    }

    #[test]
    fn plain_folding_is_kept() {
        for value in ["a b c\n", "a\nb\n", "a b", "a\n\nb\n", "trailing space \n  b\n", "a\n"] {
            assert_eq!(as_kustomize_writes_it(value), None, "{value:?}");
        }
    }
}
