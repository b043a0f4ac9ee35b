//! The `format`s whose violations the API server rejects: numbers that do
//! not fit, timestamps and base64 that do not decode, quantities and
//! durations that do not parse. Other formats (`uri`, `email` …) are
//! documentation to the API server and are not checked.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Int32,
    Int64,
    DateTime,
    Date,
    Byte,
    /// A Go `time.Duration` string (`30s`, `1h30m`), as Flux and most
    /// controllers take it.
    Duration,
    /// A Kubernetes resource quantity (`500m`, `1.5Gi`, `2`).
    Quantity,
}

impl Format {
    pub fn parse(name: &str) -> Option<Format> {
        Some(match name {
            "int32" => Format::Int32,
            "int64" => Format::Int64,
            "date-time" | "datetime" => Format::DateTime,
            "date" => Format::Date,
            "byte" => Format::Byte,
            "duration" => Format::Duration,
            "quantity" => Format::Quantity,
            _ => return None,
        })
    }

    /// How a person would name a valid value, for messages.
    pub fn expectation(self) -> &'static str {
        match self {
            Format::Int32 => "a 32-bit integer",
            Format::Int64 => "a 64-bit integer",
            Format::DateTime => "an RFC 3339 timestamp such as 2024-01-31T12:00:00Z",
            Format::Date => "a date such as 2024-01-31",
            Format::Byte => "base64-encoded data",
            Format::Duration => "a duration such as 30s, 5m or 1h30m",
            Format::Quantity => "a quantity such as 500m, 2, 1.5Gi or 512Mi",
        }
    }

    pub fn accepts_integer(self, value: i64) -> bool {
        match self {
            Format::Int32 => i32::try_from(value).is_ok(),
            _ => true,
        }
    }

    pub fn accepts_string(self, text: &str) -> bool {
        match self {
            Format::Int32 | Format::Int64 => true,
            Format::DateTime => is_date_time(text),
            Format::Date => is_date(text),
            Format::Byte => is_base64(text),
            Format::Duration => is_duration(text),
            Format::Quantity => is_quantity(text),
        }
    }
}

/// `2024-01-31T12:00:00Z`, `2024-01-31T12:00:00.5+02:00` (RFC 3339; Go also
/// takes a lowercase `t`/`z`).
pub(crate) fn is_date_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() < 20 || !is_date(&text[..10]) || !matches!(bytes[10], b'T' | b't' | b' ') {
        return false;
    }
    let time = &text[11..];
    let two = |s: &str, max: u32| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u32>().is_ok_and(|v| v <= max);
    if time.len() < 9 || !two(&time[..2], 23) || &time[2..3] != ":" || !two(&time[3..5], 59) || &time[5..6] != ":" || !two(&time[6..8], 60) {
        return false;
    }
    let mut rest = &time[8..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        rest = &fraction[digits..];
    }
    match rest {
        "Z" | "z" => true,
        offset if offset.len() == 6 => {
            matches!(&offset[..1], "+" | "-") && two(&offset[1..3], 23) && &offset[3..4] == ":" && two(&offset[4..6], 59)
        }
        _ => false,
    }
}

pub(crate) fn is_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let [year, month, day] = parts.as_slice() else { return false };
    let digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(year, 4) || !digits(month, 2) || !digits(day, 2) {
        return false;
    }
    let (month, day): (u32, u32) = (month.parse().unwrap_or(0), day.parse().unwrap_or(0));
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// Standard base64 with padding, as Go's `encoding/json` decodes `[]byte`
/// (line breaks are skipped).
pub(crate) fn is_base64(text: &str) -> bool {
    let cleaned: Vec<u8> = text.bytes().filter(|b| !matches!(b, b'\r' | b'\n')).collect();
    if cleaned.len() % 4 != 0 {
        return false;
    }
    let padding = cleaned.iter().rev().take_while(|b| **b == b'=').count();
    if padding > 2 {
        return false;
    }
    cleaned[..cleaned.len() - padding]
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/'))
}

/// Go's `time.ParseDuration`: `[-+]` then one or more `<number><unit>`,
/// units `ns us µs ms s m h`; `0` alone is allowed.
pub(crate) fn is_duration(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    if body == "0" {
        return true;
    }
    if body.is_empty() {
        return false;
    }
    let mut rest = body;
    while !rest.is_empty() {
        let int_digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let mut consumed = int_digits;
        let mut digits = int_digits;
        if rest[consumed..].starts_with('.') {
            consumed += 1;
            let frac = rest[consumed..].bytes().take_while(u8::is_ascii_digit).count();
            consumed += frac;
            digits += frac;
        }
        if digits == 0 {
            return false;
        }
        rest = &rest[consumed..];
        let unit = ["ns", "us", "µs", "μs", "ms", "s", "m", "h"].iter().find(|unit| rest.starts_with(**unit));
        match unit {
            // `ms` must win over `m`: the list is ordered so that it does.
            Some(unit) => rest = &rest[unit.len()..],
            None => return false,
        }
    }
    true
}

/// `resource.ParseQuantity`: a signed decimal number, then a binary suffix
/// (`Ki`…`Ei`), a decimal suffix (`n u m k M G T P E`) or an exponent (`e3`).
pub(crate) fn is_quantity(text: &str) -> bool {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let int_digits = body.bytes().take_while(u8::is_ascii_digit).count();
    let mut rest = &body[int_digits..];
    let mut digits = int_digits;
    if let Some(after) = rest.strip_prefix('.') {
        let frac = after.bytes().take_while(u8::is_ascii_digit).count();
        digits += frac;
        rest = &after[frac..];
    }
    if digits == 0 {
        return false;
    }
    match rest {
        "" | "n" | "u" | "m" | "k" | "M" | "G" | "T" | "P" | "E" => true,
        "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" => true,
        exponent if exponent.starts_with(['e', 'E']) => {
            let number = exponent[1..].strip_prefix(['+', '-']).unwrap_or(&exponent[1..]);
            !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        for ok in ["1", "500m", "1.5Gi", "0.5", ".5", "2e3", "128974848", "129e6", "123Mi", "+1k", "1E-3"] {
            assert!(is_quantity(ok), "{ok}");
        }
        for bad in ["", "Gi", "1GB", "1.5 Gi", "one", "1..5", "1mi", "1e"] {
            assert!(!is_quantity(bad), "{bad}");
        }
    }

    #[test]
    fn durations() {
        for ok in ["5m", "1h30m", "30s", "0", "1.5h", "300ms", "2h45m0.5s", "10us"] {
            assert!(is_duration(ok), "{ok}");
        }
        for bad in ["", "5", "1d", "5 minutes", "m", "1h 30m", "PT5M"] {
            assert!(!is_duration(bad), "{bad}");
        }
    }

    #[test]
    fn timestamps_and_base64() {
        assert!(is_date_time("2024-01-31T12:00:00Z"));
        assert!(is_date_time("2024-01-31T12:00:00.123+02:00"));
        assert!(!is_date_time("2024-01-31"));
        assert!(!is_date_time("2024-13-31T12:00:00Z"));
        assert!(!is_date_time("yesterday"));
        assert!(is_base64("aGVsbG8="));
        assert!(is_base64(""));
        assert!(!is_base64("hello world"));
        assert!(!is_base64("aGVsbG8"));
        assert!(Format::Int32.accepts_integer(i32::MAX as i64));
        assert!(!Format::Int32.accepts_integer(i32::MAX as i64 + 1));
    }
}
