//! Small pure helpers: durations, Kubernetes timestamps and quantities, conditions.

use std::time::Duration;

use k8s_openapi::jiff::Timestamp;

/// How long ago `then` was, seen from `now`; zero when `then` is in the future
/// (clock skew between the nodes and this machine must not produce negative ages).
pub fn age(now: Timestamp, then: Timestamp) -> Duration {
    let seconds = now.as_second().saturating_sub(then.as_second());
    if seconds <= 0 { Duration::ZERO } else { Duration::from_secs(seconds as u64) }
}

/// An RFC 3339 timestamp as Kubernetes writes it (`2026-11-26T14:20:41Z`).
pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    text.parse::<Timestamp>().ok()
}

/// `3d4h`, `25m`, `40s`: the two largest units, like kubectl's AGE column.
pub fn human_duration(duration: Duration) -> String {
    let total = duration.as_secs();
    let (days, hours, minutes, seconds) = (total / 86_400, total / 3_600 % 24, total / 60 % 60, total % 60);
    if days > 0 {
        if hours > 0 { format!("{days}d{hours}h") } else { format!("{days}d") }
    } else if hours > 0 {
        if minutes > 0 { format!("{hours}h{minutes}m") } else { format!("{hours}h") }
    } else if minutes > 0 {
        if seconds > 0 && minutes < 10 { format!("{minutes}m{seconds}s") } else { format!("{minutes}m") }
    } else {
        format!("{seconds}s")
    }
}

/// Parses `90s`, `15m`, `1h30m`, `7d`, `2w` (a bare number means seconds).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration; use e.g. 30s, 15m, 1h, 7d".into());
    }
    // Longer than any window a check could mean, and far from the limits of
    // the time arithmetic that follows (a `Duration` near u64::MAX overflows
    // the first deadline it is added to).
    const MAX_SECONDS: u64 = 100 * 365 * 86_400;
    let too_long = || format!("`{text}` is longer than 100 years; use e.g. 30s, 15m, 1h, 7d");
    if let Ok(seconds) = text.parse::<u64>() {
        return if seconds > MAX_SECONDS { Err(too_long()) } else { Ok(Duration::from_secs(seconds)) };
    }
    let mut total = 0u64;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(format!("`{text}` is not a duration; use e.g. 30s, 15m, 1h, 7d")),
        };
        let value: u64 = number
            .parse()
            .map_err(|_| format!("`{text}` is not a duration; use e.g. 30s, 15m, 1h, 7d"))?;
        total = value.checked_mul(unit).and_then(|seconds| total.checked_add(seconds)).ok_or_else(too_long)?;
        number.clear();
    }
    if !number.is_empty() {
        return Err(format!("`{text}` has a number without a unit; use e.g. 30s, 15m, 1h, 7d"));
    }
    if total > MAX_SECONDS {
        return Err(too_long());
    }
    Ok(Duration::from_secs(total))
}

/// A Kubernetes quantity (`250m`, `4`, `16Gi`, `1e3`) as a plain number of
/// base units (cores, bytes). `None` for anything that is not a quantity.
pub fn parse_quantity(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_digit() || c == '.' || ((c == '+' || c == '-') && i == 0))
        })
        .map_or(text.len(), |(i, _)| i);
    let (number, suffix) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        exponent if exponent.starts_with(['e', 'E']) => 10f64.powi(exponent[1..].parse().ok()?),
        _ => return None,
    };
    Some(number * factor)
}

/// `v1.37.2` / `v1.31.0+k3s1` → (1, 37).
pub fn minor_version(version: &str) -> Option<(u32, u32)> {
    let version = version.trim().trim_start_matches('v');
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor: String = parts.next()?.chars().take_while(char::is_ascii_digit).collect();
    Some((major, minor.parse().ok()?))
}

/// `Talos (v1.10.3)` → `v1.10.3`.
pub fn talos_version(os_image: &str) -> Option<String> {
    let rest = os_image.strip_prefix("Talos")?.trim();
    let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
    Some(inner.trim().to_owned())
}

/// `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects.
pub fn object_id(kind: &str, namespace: Option<&str>, name: &str) -> String {
    match namespace.filter(|ns| !ns.is_empty()) {
        Some(ns) => format!("{kind}/{ns}/{name}"),
        None => format!("{kind}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_trip_through_the_flag_syntax() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5_400));
        assert_eq!(parse_duration("7d").unwrap(), Duration::from_secs(604_800));
        assert_eq!(parse_duration("45").unwrap(), Duration::from_secs(45));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5").is_ok());
        assert!(parse_duration("1h5").is_err());
        // Huge values are refused, never saturated into an overflow later.
        assert!(parse_duration("18446744073709551615s").unwrap_err().contains("longer than 100 years"));
        assert!(parse_duration("18446744073709551615").is_err());
        assert!(parse_duration("9999999999999999999w").is_err());
        assert_eq!(human_duration(Duration::from_secs(93_600)), "1d2h");
        assert_eq!(human_duration(Duration::from_secs(5_400)), "1h30m");
        assert_eq!(human_duration(Duration::from_secs(125)), "2m5s");
        assert_eq!(human_duration(Duration::from_secs(42)), "42s");
    }

    #[test]
    fn quantities_use_kubernetes_suffixes() {
        assert_eq!(parse_quantity("250m"), Some(0.25));
        assert_eq!(parse_quantity("4"), Some(4.0));
        assert_eq!(parse_quantity("16Gi"), Some(16.0 * 1024.0 * 1024.0 * 1024.0));
        assert_eq!(parse_quantity("1500000n"), Some(0.0015));
        assert_eq!(parse_quantity("1e3"), Some(1000.0));
        assert_eq!(parse_quantity("2k"), Some(2000.0));
        assert_eq!(parse_quantity("lots"), None);
    }

    #[test]
    fn versions_and_talos_images() {
        assert_eq!(minor_version("v1.37.2"), Some((1, 37)));
        assert_eq!(minor_version("v1.31.0+k3s1"), Some((1, 31)));
        assert_eq!(talos_version("Talos (v1.10.3)").as_deref(), Some("v1.10.3"));
        assert_eq!(talos_version("Ubuntu 24.04 LTS"), None);
    }

    #[test]
    fn ages_never_go_negative() {
        let then: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let now: Timestamp = "2026-01-01T01:00:00Z".parse().unwrap();
        assert_eq!(age(now, then), Duration::from_secs(3_600));
        assert_eq!(age(then, now), Duration::ZERO);
    }
}
