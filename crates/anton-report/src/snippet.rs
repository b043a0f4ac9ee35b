//! Code frames: the source line of a finding with a caret under its column,
//! drawn by annotate-snippets.

use std::ops::Range;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use anton_core::{Finding, Location, Severity};

use crate::secrets::Quotable;

/// A rendered code frame.
pub(crate) struct Frame {
    pub(crate) text: String,
    /// Indices into [`Finding::related`] drawn in the frame; the others still
    /// need to be mentioned by the caller.
    pub(crate) related_drawn: Vec<usize>,
}

/// One file's text, indexed for turning `line:column` into byte offsets.
pub(crate) struct SourceFile<'a> {
    text: &'a str,
    /// Byte offset where each line starts; `line_starts[0] == 0`.
    line_starts: Vec<usize>,
    quotable: Quotable,
}

impl<'a> SourceFile<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(at, _)| at + 1));
        // A trailing newline ends the last line; it does not start an empty one.
        if line_starts.len() > 1 && line_starts.last() == Some(&text.len()) {
            line_starts.pop();
        }
        Self {
            text,
            line_starts,
            quotable: Quotable::scan(text),
        }
    }

    fn line_count(&self) -> usize {
        if self.text.is_empty() {
            0
        } else {
            self.line_starts.len()
        }
    }

    /// Byte range of 1-based `line`, without its line break.
    fn line_range(&self, line: usize) -> Option<Range<usize>> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |next| next - 1);
        let end = if self.text[start..end].ends_with('\r') {
            end - 1
        } else {
            end
        };
        Some(start..end)
    }

    /// Where a frame should point for `location`, as (line, byte span of the
    /// character under the caret). The column is 1-based and counts
    /// characters; a column past the end of the line points just after it,
    /// and a position past the end of the file (an unexpected end of input)
    /// points after the last line.
    fn caret(&self, location: &Location) -> Option<(usize, Range<usize>)> {
        let mut line = usize::try_from(location.line).ok()?.max(1);
        let mut column = usize::try_from(location.column).ok()?.max(1);
        if line > self.line_count() {
            line = self.line_count();
            column = usize::MAX;
        }
        let range = self.line_range(line)?;
        let text = &self.text[range.clone()];
        let span = match text.char_indices().nth(column - 1) {
            Some((at, c)) => range.start + at..range.start + at + c.len_utf8(),
            None => range.end..range.end,
        };
        Some((line, span))
    }

    /// The code frame for `finding`, or `None` when it has no position in
    /// this file or its lines may not be quoted (SOPS files, `kind: Secret`).
    pub(crate) fn frame(&self, finding: &Finding, color: bool) -> Option<Frame> {
        let location = finding.location.as_ref()?;
        let (line, span) = self.caret(location)?;
        if !self.quotable.line(line) {
            return None;
        }
        // Folding may show the lines between two annotations, so a related
        // place is drawn only when everything between it and the finding may be quoted.
        let related: Vec<_> = finding
            .related
            .iter()
            .enumerate()
            .filter(|(_, (place, _))| place.file == location.file)
            .filter_map(|(index, (place, label))| {
                let (other, span) = self.caret(place)?;
                let quotable = self.quotable.lines(line.min(other), line.max(other));
                quotable.then_some((index, other, span, label))
            })
            .collect();

        let first = related
            .iter()
            .map(|(_, other, ..)| *other)
            .fold(line, usize::min);
        let last = related
            .iter()
            .map(|(_, other, ..)| *other)
            .fold(line, usize::max);
        let start = self.line_range(first)?.start;
        let end = self.line_range(last)?.end;
        let shift = |span: Range<usize>| span.start - start..span.end - start;

        let mut snippet = Snippet::source(&self.text[start..end])
            .line_start(first)
            .annotation(AnnotationKind::Primary.span(shift(span)));
        let mut related_drawn = Vec::new();
        for (index, _, span, label) in related {
            snippet = snippet.annotation(
                AnnotationKind::Context
                    .span(shift(span))
                    .label(label.as_str()),
            );
            related_drawn.push(index);
        }
        let group = Group::with_level(level(finding.severity)).element(snippet);
        let renderer = if color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        Some(Frame {
            text: renderer.render(&[group]),
            related_drawn,
        })
    }
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Critical => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u32, column: u32) -> Location {
        Location::new("a.yaml", line, column)
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let file = SourceFile::new("name: café\nkey: ✓ value\r\nlast");
        assert_eq!(
            file.caret(&at(2, 6)),
            Some((2, 17..20)),
            "the ✓ is three bytes"
        );
        assert_eq!(file.caret(&at(2, 8)), Some((2, 21..22)));
        assert_eq!(
            file.caret(&at(2, 40)),
            Some((2, 26..26)),
            "past the end, before the \\r"
        );
        assert_eq!(
            file.caret(&at(9, 1)),
            Some((3, 32..32)),
            "past the last line"
        );
        assert_eq!(file.caret(&at(0, 0)), Some((1, 0..1)));
    }

    #[test]
    fn empty_files_have_no_frame() {
        let file = SourceFile::new("");
        let finding = Finding::new("yaml/syntax", Severity::Critical, "empty").at(at(1, 1));
        assert!(file.frame(&finding, false).is_none());
    }

    #[test]
    fn frames_show_the_line_and_related_places() {
        let file = SourceFile::new("a: 1\nb: 2\nc: 3\na: 4\n");
        let finding = Finding::new(
            "yaml/duplicate-key",
            Severity::Critical,
            "duplicate key `a`",
        )
        .at(at(4, 1))
        .related(at(1, 1), "first defined here")
        .related(Location::new("other.yaml", 1, 1), "elsewhere");
        let Frame {
            text: frame,
            related_drawn,
        } = file.frame(&finding, false).unwrap();
        assert_eq!(related_drawn, [0]);
        assert!(frame.contains("1 | a: 1"), "{frame}");
        assert!(frame.contains("first defined here"), "{frame}");
        assert!(frame.contains("4 | a: 4"), "{frame}");
        assert!(!frame.contains("elsewhere"), "{frame}");
        assert!(!frame.contains('\u{1b}'), "{frame}");
        assert!(file.frame(&finding, true).unwrap().text.contains('\u{1b}'));
    }

    #[test]
    fn no_frame_quotes_a_secret() {
        let source = "kind: Secret\nstringData:\n  password: hunter2\n  password: hunter3\n";
        let finding = Finding::new(
            "yaml/duplicate-key",
            Severity::Critical,
            "duplicate key `password`",
        )
        .at(at(4, 3))
        .related(at(3, 3), "first defined here");
        assert!(SourceFile::new(source).frame(&finding, false).is_none());
    }

    #[test]
    fn no_frame_quotes_a_sops_file() {
        let source =
            "kind: ConfigMap\ndata:\n  a: ENC[AES256_GCM,data:abc]\n  a: x\nsops:\n  age: []\n";
        let finding = Finding::new(
            "yaml/duplicate-key",
            Severity::Critical,
            "duplicate key `a`",
        )
        .at(at(4, 3));
        assert!(SourceFile::new(source).frame(&finding, false).is_none());
    }

    #[test]
    fn related_places_across_a_secret_are_left_out() {
        let source = "a: 1\n---\nkind: Secret\ndata:\n  p: aHVudGVyMg==\n---\na: 1\na: 2\n";
        let finding = Finding::new("yaml/duplicate-key", Severity::Critical, "dup")
            .at(at(8, 1))
            .related(at(1, 1), "across the secret")
            .related(at(7, 1), "first defined here");
        let Frame {
            text: frame,
            related_drawn,
        } = SourceFile::new(source).frame(&finding, false).unwrap();
        assert_eq!(related_drawn, [1]);
        assert!(!frame.contains("across the secret"), "{frame}");
        assert!(!frame.contains("aHVudGVyMg"), "{frame}");
        assert!(frame.contains("first defined here"), "{frame}");
    }
}
