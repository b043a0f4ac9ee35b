//! Small readers shared by rules: Go durations, versions, Flux substitutions.

use std::fmt;

/// `major.minor`, enough to compare Kubernetes and Flux releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
}

impl Version {
    pub const fn new(major: u32, minor: u32) -> Self {
        Self { major, minor }
    }

    /// `1.33`, `v1.33.2`, `1.33.0+k3s1`: the patch level and suffixes are ignored.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim().trim_start_matches(['v', 'V']);
        let mut parts = text.split(['.', '-', '+']);
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        Some(Self { major, minor })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// A Go duration (`1h30m`, `5m`, `30s`, `500ms`) in seconds.
pub fn parse_duration(text: &str) -> Option<f64> {
    let text = text.trim();
    if text == "0" {
        return Some(0.0);
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut total = 0.0;
    let mut any = false;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
            i += 1;
        }
        let number: f64 = text[start..i].parse().ok()?;
        let unit_start = i;
        while i < bytes.len() && !(bytes[i].is_ascii_digit() || bytes[i] == b'.') {
            i += 1;
        }
        let factor = match &text[unit_start..i] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += number * factor;
        any = true;
    }
    any.then_some(total)
}

/// Whether a value comes (in whole or in part) from Flux's postBuild
/// substitution, so its final value is not in the file.
pub fn is_substituted(text: &str) -> bool {
    text.contains("${")
}

/// A human-readable duration for messages: `30s`, `5m`, `1h30m`.
pub fn format_seconds(seconds: f64) -> String {
    if seconds < 1.0 {
        return format!("{}ms", (seconds * 1000.0).round());
    }
    let total = seconds.round() as u64;
    let (h, m, s) = (total / 3600, (total % 3600) / 60, total % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

/// Decodes standard base64 (with or without padding); `None` on anything else.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    fn value(byte: u8) -> Option<u32> {
        Some(match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32)
    }
    let clean: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace() && *b != b'=').collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let mut buffer = 0u32;
        for (i, byte) in chunk.iter().enumerate() {
            buffer |= value(*byte)? << (18 - 6 * i);
        }
        let bytes = [(buffer >> 16) as u8, (buffer >> 8) as u8, buffer as u8];
        match chunk.len() {
            4 => out.extend_from_slice(&bytes),
            3 => out.extend_from_slice(&bytes[..2]),
            2 => out.push(bytes[0]),
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_duration("1m"), Some(60.0));
        assert_eq!(parse_duration("1h30m"), Some(5400.0));
        assert_eq!(parse_duration("30s"), Some(30.0));
        assert_eq!(parse_duration("500ms"), Some(0.5));
        assert_eq!(parse_duration("1.5h"), Some(5400.0));
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration("${INTERVAL}"), None);
        assert_eq!(format_seconds(5400.0), "1h30m");
        assert_eq!(format_seconds(30.0), "30s");
    }

    #[test]
    fn versions() {
        assert_eq!(Version::parse("1.33"), Some(Version::new(1, 33)));
        assert_eq!(Version::parse("v1.31.4+k3s1"), Some(Version::new(1, 31)));
        assert!(Version::new(1, 9) < Version::new(1, 22));
        assert_eq!(Version::parse("latest"), None);
    }

    #[test]
    fn base64() {
        assert_eq!(decode_base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(decode_base64("aGVsbG8").unwrap(), b"hello");
        assert_eq!(decode_base64("not base64!"), None);
    }
}
