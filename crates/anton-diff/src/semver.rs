//! The size of a version bump: `1.2.3 → 1.3.0` is a minor bump. Chart and
//! image versions are often semver with a `v` in front, sometimes two parts,
//! sometimes not semver at all (`latest`, dates); those get no size.

use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Version {
    core: [u64; 3],
    pre: Option<String>,
}

fn parse(text: &str) -> Option<Version> {
    let text = text.trim();
    let text = text.strip_prefix(['v', 'V']).unwrap_or(text);
    let text = text.split_once('+').map_or(text, |(version, _build)| version);
    let (core, pre) = match text.split_once('-') {
        Some((core, pre)) if !pre.is_empty() => (core, Some(pre.to_owned())),
        Some(_) => return None,
        None => (text, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let mut numbers = [0u64; 3];
    for (slot, part) in numbers.iter_mut().zip(&parts) {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *slot = part.parse().ok()?;
    }
    // A bare number (`2024`, `7`) is too ambiguous to call a version.
    if parts.len() == 1 {
        return None;
    }
    Some(Version { core: numbers, pre })
}

fn compare(a: &Version, b: &Version) -> Ordering {
    a.core.cmp(&b.core).then_with(|| match (&a.pre, &b.pre) {
        (None, None) => Ordering::Equal,
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (Some(x), Some(y)) => compare_pre(x, y),
    })
}

/// Pre-release identifiers compare numerically when both are numbers.
fn compare_pre(a: &str, b: &str) -> Ordering {
    for (x, y) in a.split('.').zip(b.split('.')) {
        let order = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            (Ok(_), Err(_)) => Ordering::Less,
            (Err(_), Ok(_)) => Ordering::Greater,
            (Err(_), Err(_)) => x.cmp(y),
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    a.split('.').count().cmp(&b.split('.').count())
}

/// `major`, `minor`, `patch`, `pre-release`, or `downgrade`; `None` when
/// either side is not a version or nothing changed.
pub(crate) fn bump(before: &str, after: &str) -> Option<&'static str> {
    let (old, new) = (parse(before)?, parse(after)?);
    match compare(&old, &new) {
        Ordering::Equal => None,
        Ordering::Greater => Some("downgrade"),
        Ordering::Less if old.core[0] != new.core[0] => Some("major"),
        Ordering::Less if old.core[1] != new.core[1] => Some("minor"),
        Ordering::Less if old.core[2] != new.core[2] => Some("patch"),
        Ordering::Less => Some("pre-release"),
    }
}

/// An image reference split into repository and tag (`None` when only a digest or nothing).
pub(crate) fn split_image(image: &str) -> (&str, Option<&str>) {
    let without_digest = image.split_once('@').map_or(image, |(name, _)| name);
    let last_slash = without_digest.rfind('/').map_or(0, |i| i + 1);
    match without_digest[last_slash..].rfind(':') {
        Some(colon) => {
            let at = last_slash + colon;
            (&without_digest[..at], Some(&without_digest[at + 1..]))
        }
        None => (without_digest, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_bumps() {
        assert_eq!(bump("1.2.3", "1.3.0"), Some("minor"));
        assert_eq!(bump("1.2.3", "1.2.4"), Some("patch"));
        assert_eq!(bump("v1.2.3", "v2.0.0"), Some("major"));
        assert_eq!(bump("1.2.3", "v1.2.4"), Some("patch"));
        assert_eq!(bump("1.2", "1.3"), Some("minor"));
        assert_eq!(bump("1.3.0", "1.2.9"), Some("downgrade"));
        assert_eq!(bump("1.0.0-rc.1", "1.0.0"), Some("pre-release"));
        assert_eq!(bump("1.0.0-rc.2", "1.0.0-rc.10"), Some("pre-release"));
        assert_eq!(bump("1.0.0+build.1", "1.0.0+build.2"), None);
    }

    #[test]
    fn not_versions_get_no_size() {
        assert_eq!(bump("latest", "1.0.0"), None);
        assert_eq!(bump("2024", "2025"), None);
        assert_eq!(bump("1.x", "2.x"), None);
        assert_eq!(bump("1.2.3.4", "1.2.3.5"), None);
        assert_eq!(bump("", "1.0.0"), None);
    }

    #[test]
    fn splits_images_with_registries_ports_and_digests() {
        assert_eq!(split_image("ghcr.io/a/b:1.2.3"), ("ghcr.io/a/b", Some("1.2.3")));
        assert_eq!(split_image("registry:5000/b"), ("registry:5000/b", None));
        assert_eq!(split_image("registry:5000/b:v1@sha256:abc"), ("registry:5000/b", Some("v1")));
        assert_eq!(split_image("nginx"), ("nginx", None));
    }
}
