//! Tables for people, fitted to a width: columns aligned like `kubectl get`.
//!
//! Given a width, a table wider than it gives up width in the columns that
//! may be shortened, widest first, and a shortened cell ends (or, for a
//! path, starts) with `…`. Names, namespaces and flags are never shortened.
//! Without a width (`-o wide`, a pipe, a file) every cell is printed in full:
//! what a script reads must be the whole value.

use std::io::Write;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Spaces between two columns, as kubectl prints them.
const GAP: usize = 2;
/// A shortened column keeps at least this many cells of width (or its
/// header's width, if wider): fewer would say nothing.
const MIN_SHORTENED: usize = 8;

/// How a column may give up width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Never shortened: names, namespaces, kinds, flags.
    Keep,
    /// Shortened at the end: `flux-system/cert-manager,flux-sys…`.
    End,
    /// Shortened at the start, keeping the tail that tells paths apart:
    /// `…/apps/media/plex/ks.yaml:2`.
    Start,
}

pub struct Table {
    headers: Vec<String>,
    fits: Vec<Fit>,
    rows: Vec<Vec<String>>,
    /// Columns (by index) left out, in this order, when even every
    /// shortened column at its floor is wider than the terminal.
    drop_order: Vec<usize>,
    /// Columns (by index) aligned to the right: numbers.
    right_aligned: Vec<usize>,
}

/// How a table is laid out: each column's width, `None` for a column left out.
struct Layout {
    widths: Vec<Option<usize>>,
}

impl Table {
    pub fn new<'a>(columns: impl IntoIterator<Item = (&'a str, Fit)>) -> Self {
        let (headers, fits) = columns.into_iter().map(|(header, fit)| (header.to_owned(), fit)).unzip();
        Self { headers, fits, rows: Vec::new(), drop_order: Vec::new(), right_aligned: Vec::new() }
    }

    /// The columns that may be left out on a terminal too narrow for all of
    /// them, least useful first; a line under the table names them.
    pub fn droppable(mut self, headers: &[&str]) -> Self {
        self.drop_order = headers.iter().filter_map(|h| self.headers.iter().position(|x| x == h)).collect();
        self
    }

    /// Aligns these columns (by index) to the right, as numbers are.
    pub fn right_aligned(mut self, columns: &[usize]) -> Self {
        self.right_aligned = columns.to_vec();
        self
    }

    /// Adds a row; missing cells are blank, extra ones are dropped. Line
    /// breaks become spaces: a row is one line.
    pub fn row(&mut self, cells: impl IntoIterator<Item = String>) {
        let mut cells: Vec<String> = cells
            .into_iter()
            .map(|cell| if cell.contains(['\n', '\r']) { cell.replace("\r\n", " ").replace(['\n', '\r'], " ") } else { cell })
            .collect();
        cells.resize(self.headers.len(), String::new());
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The width of each column: as wide as its widest cell, unless that
    /// makes the table wider than `width`. Then the columns that may be
    /// shortened give up width, widest first, down to a floor; if even the
    /// floors do not fit, droppable columns are left out until they do.
    fn layout(&self, width: Option<usize>) -> Layout {
        let natural: Vec<usize> = (0..self.headers.len())
            .map(|col| {
                std::iter::once(&self.headers[col]).chain(self.rows.iter().map(|r| &r[col])).map(|c| c.width()).max().unwrap_or(0)
            })
            .collect();
        let Some(width) = width else { return Layout { widths: natural.into_iter().map(Some).collect() } };
        let floor: Vec<usize> = (0..natural.len())
            .map(|col| match self.fits[col] {
                Fit::Keep => natural[col],
                _ => natural[col].min(self.headers[col].width().max(MIN_SHORTENED)),
            })
            .collect();
        let total = |widths: &[Option<usize>]| {
            let shown: Vec<usize> = widths.iter().flatten().copied().collect();
            shown.iter().sum::<usize>() + GAP * shown.len().saturating_sub(1)
        };
        let mut kept: Vec<bool> = vec![true; natural.len()];
        let at = |values: &[usize], kept: &[bool]| -> Vec<Option<usize>> {
            values.iter().zip(kept).map(|(w, k)| k.then_some(*w)).collect()
        };
        if total(&at(&natural, &kept)) <= width {
            return Layout { widths: at(&natural, &kept) };
        }
        for &col in &self.drop_order {
            if total(&at(&floor, &kept)) <= width {
                break;
            }
            kept[col] = false;
        }
        // The largest cap on shortenable columns that fits; without one,
        // every such column at its floor (the line then wraps, as kubectl's do).
        let capped = |cap: usize| -> Vec<Option<usize>> {
            let widths: Vec<usize> = (0..natural.len())
                .map(|col| if self.fits[col] == Fit::Keep { natural[col] } else { natural[col].min(cap).max(floor[col]) })
                .collect();
            at(&widths, &kept)
        };
        let widest = natural.iter().copied().max().unwrap_or(0);
        let Some(cap) = (0..=widest).rev().find(|&cap| total(&capped(cap)) <= width) else {
            return Layout { widths: at(&floor, &kept) };
        };
        let mut widths = capped(cap);
        // What the cap left over goes to the columns it shortened, left to right.
        let mut spare = width - total(&widths);
        for (col, slot) in widths.iter_mut().enumerate() {
            if spare == 0 {
                break;
            }
            if let Some(w) = slot
                && self.fits[col] != Fit::Keep
                && *w < natural[col]
            {
                *w += 1;
                spare -= 1;
            }
        }
        Layout { widths }
    }

    /// Writes the table, fitted to `width` (`None`: every cell in full).
    pub fn write(&self, out: &mut dyn Write, width: Option<usize>) -> std::io::Result<()> {
        self.write_painted(out, width, |_, _, _, padded| padded)
    }

    /// [`Table::write`], with `paint(row, column, value, padded)` styling
    /// each padded cell (`row`: `None` for the header line; `value`: the
    /// cell in full, for deciding the style).
    pub fn write_painted(
        &self,
        out: &mut dyn Write,
        width: Option<usize>,
        paint: impl Fn(Option<usize>, usize, &str, String) -> String,
    ) -> std::io::Result<()> {
        let layout = self.layout(width);
        let last = layout.widths.iter().rposition(Option::is_some).unwrap_or(0);
        let lines = std::iter::once((None, &self.headers)).chain(self.rows.iter().enumerate().map(|(i, r)| (Some(i), r)));
        for (row, cells) in lines {
            let mut line = String::new();
            for (col, cell) in cells.iter().enumerate() {
                let Some(column_width) = layout.widths[col] else { continue };
                let shown = shorten(cell, column_width, self.fits[col]);
                let fill = column_width.saturating_sub(shown.width());
                let padded = match (self.right_aligned.contains(&col), col == last) {
                    (true, true) => format!("{}{shown}", " ".repeat(fill)),
                    (true, false) => format!("{}{shown}{}", " ".repeat(fill), " ".repeat(GAP)),
                    (false, true) => shown.into_owned(),
                    (false, false) => format!("{shown}{}", " ".repeat(fill + GAP)),
                };
                line.push_str(&paint(row, col, cell, padded));
            }
            writeln!(out, "{}", line.trim_end())?;
        }
        let left_out: Vec<&str> =
            self.headers.iter().zip(&layout.widths).filter(|(_, w)| w.is_none()).map(|(h, _)| h.as_str()).collect();
        if !left_out.is_empty() {
            writeln!(
                out,
                "({} not shown to fit {} columns; -o wide prints every column in full)",
                left_out.join(", "),
                width.unwrap_or_default()
            )?;
        }
        Ok(())
    }
}

/// `cell` in at most `width` columns, with `…` where it was cut.
fn shorten(cell: &str, width: usize, fit: Fit) -> std::borrow::Cow<'_, str> {
    if fit == Fit::Keep || cell.width() <= width {
        return std::borrow::Cow::Borrowed(cell);
    }
    let room = width.saturating_sub(1);
    let mut used = 0;
    let fits = |c: &char, used: &mut usize| {
        *used += c.width().unwrap_or(0);
        *used <= room
    };
    let shortened = match fit {
        Fit::Start => {
            let tail: Vec<char> = cell.chars().rev().take_while(|c| fits(c, &mut used)).collect();
            std::iter::once('…').chain(tail.into_iter().rev()).collect()
        }
        _ => cell.chars().take_while(|c| fits(c, &mut used)).chain(std::iter::once('…')).collect(),
    };
    std::borrow::Cow::Owned(shortened)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut table = Table::new([("NAME", Fit::Keep), ("DEPENDS ON", Fit::End), ("FILE", Fit::Start)]);
        table.row(["plex".into(), "flux-system/cert-manager,flux-system/rook-ceph-cluster".into(), "kubernetes/apps/media/plex/ks.yaml:2".into()]);
        table.row(["cilium".into(), "-".into(), "kubernetes/apps/kube-system/cilium/ks.yaml:2".into()]);
        table
    }

    fn render(table: &Table, width: Option<usize>) -> String {
        let mut out = Vec::new();
        table.write(&mut out, width).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_table_that_fits_is_printed_in_full_and_aligned() {
        let text = render(&sample(), Some(200));
        assert_eq!(text, render(&sample(), None));
        assert_eq!(
            text,
            "NAME    DEPENDS ON                                              FILE\n\
             plex    flux-system/cert-manager,flux-system/rook-ceph-cluster  kubernetes/apps/media/plex/ks.yaml:2\n\
             cilium  -                                                       kubernetes/apps/kube-system/cilium/ks.yaml:2\n"
        );
    }

    #[test]
    fn a_wide_table_is_fitted_to_the_terminal_shortening_the_widest_columns() {
        for width in [100, 80, 60, 40] {
            let text = render(&sample(), Some(width));
            for line in text.lines() {
                assert!(line.width() <= width, "{width}: {line:?} is {} wide", line.width());
            }
            // Names are never shortened.
            assert!(text.contains("plex  ") && text.contains("cilium  "), "{text}");
        }
        // 60 columns: NAME keeps its 6, the two others share the rest.
        let text = render(&sample(), Some(60));
        assert_eq!(
            text,
            "NAME    DEPENDS ON                 FILE\n\
             plex    flux-system/cert-manager…  …pps/media/plex/ks.yaml:2\n\
             cilium  -                          …-system/cilium/ks.yaml:2\n"
        );
    }

    #[test]
    fn a_table_too_wide_for_any_fit_keeps_its_floors() {
        // A shortened column keeps its header's width, and at least 8.
        let text = render(&sample(), Some(10));
        assert_eq!(text, "NAME    DEPENDS ON  FILE\nplex    flux-syst…  ….yaml:2\ncilium  -           ….yaml:2\n");
    }

    #[test]
    fn on_a_terminal_too_narrow_for_every_floor_droppable_columns_are_left_out_and_named() {
        let table = sample().droppable(&["FILE"]);
        let text = render(&table, Some(20));
        assert_eq!(
            text,
            "NAME    DEPENDS ON\n\
             plex    flux-system…\n\
             cilium  -\n\
             (FILE not shown to fit 20 columns; -o wide prints every column in full)\n"
        );
        // Wide enough for the floors: nothing is left out.
        assert!(!render(&sample().droppable(&["FILE"]), Some(40)).contains("not shown"));
    }

    #[test]
    fn shortening_counts_display_width_and_marks_the_cut() {
        assert_eq!(shorten("abcdef", 4, Fit::End), "abc…");
        assert_eq!(shorten("abcdef", 4, Fit::Start), "…def");
        assert_eq!(shorten("abcdef", 6, Fit::End), "abcdef");
        assert_eq!(shorten("abcdef", 2, Fit::Keep), "abcdef");
        // Wide characters take two cells each.
        assert_eq!(shorten("日本語テキスト", 5, Fit::End), "日本…");
    }

    #[test]
    fn a_cell_with_line_breaks_stays_on_one_line() {
        let mut table = Table::new([("NAME", Fit::Keep), ("MESSAGE", Fit::End)]);
        table.row(["a".into(), "first\nsecond\r\nthird".into()]);
        assert_eq!(render(&table, None), "NAME  MESSAGE\na     first second third\n");
    }
}
