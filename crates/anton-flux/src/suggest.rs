//! What a reference that names nothing most likely meant: the same name in
//! another namespace, or the nearest existing name. A hint built from it
//! points at an object that exists, never at one that does not.

/// A correction of a `namespace`/`name` reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Suggestion {
    /// The named object exists in this namespace.
    Namespace(String),
    /// An object with a similar name exists in the namespace searched.
    Name(String),
    /// An object with a similar name exists in another namespace.
    NameIn { namespace: String, name: String },
}

/// The correction for `namespace/name` among `existing` (namespace, name)
/// pairs, best first (callers put objects of the same cluster first); `None`
/// when nothing is close enough to be meant.
pub fn suggest<'a>(namespace: &str, name: &str, existing: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<Suggestion> {
    let existing: Vec<(&str, &str)> = existing.into_iter().collect();
    if let Some((ns, _)) = existing.iter().find(|(ns, n)| *n == name && *ns != namespace) {
        return Some(Suggestion::Namespace((*ns).to_owned()));
    }
    let nearest = |in_namespace: bool| {
        existing
            .iter()
            .filter(|(ns, _)| !in_namespace || *ns == namespace)
            .filter_map(|&(ns, n)| similarity(name, n).map(|distance| (distance, ns, n)))
            .min_by_key(|(distance, _, _)| *distance)
    };
    if let Some((_, _, n)) = nearest(true) {
        return Some(Suggestion::Name(n.to_owned()));
    }
    nearest(false).map(|(_, ns, n)| Suggestion::NameIn { namespace: ns.to_owned(), name: n.to_owned() })
}

/// How far `candidate` is from `wanted`, when close enough to be a typo or
/// the same words in another order (`ingress-nginx-internal` for
/// `internal-ingress-nginx`); `None` otherwise.
fn similarity(wanted: &str, candidate: &str) -> Option<usize> {
    if wanted == candidate {
        return None;
    }
    fn words(s: &str) -> Vec<&str> {
        let mut words: Vec<&str> = s.split(['-', '_', '.']).filter(|w| !w.is_empty()).collect();
        words.sort_unstable();
        words
    }
    if words(wanted).len() > 1 && words(wanted) == words(candidate) {
        return Some(0);
    }
    // One edit in four characters; short names are too alike to guess at.
    let distance = strsim::levenshtein(wanted, candidate);
    let allowed = wanted.chars().count().max(candidate.chars().count()) / 4;
    (distance <= allowed).then_some(distance)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_name_elsewhere_wins() {
        let existing = [("flux-system", "cert-manager"), ("media", "cert-manage")];
        assert_eq!(suggest("media", "cert-manager", existing), Some(Suggestion::Namespace("flux-system".into())));
    }

    #[test]
    fn the_nearest_name_in_the_namespace_searched_comes_next() {
        let existing = [("network", "ingress-nginx"), ("flux-system", "internal-ingress-nginx"), ("flux-system", "external-ingress-nginx")];
        assert_eq!(
            suggest("flux-system", "ingress-nginx-internal", existing),
            Some(Suggestion::Name("internal-ingress-nginx".into()))
        );
        assert_eq!(suggest("flux-system", "cert-manger", [("flux-system", "cert-manager")]), Some(Suggestion::Name("cert-manager".into())));
    }

    #[test]
    fn a_near_name_in_another_namespace_names_both() {
        assert_eq!(
            suggest("media", "rook-ceph-clustr", [("storage", "rook-ceph-cluster")]),
            Some(Suggestion::NameIn { namespace: "storage".into(), name: "rook-ceph-cluster".into() })
        );
    }

    #[test]
    fn nothing_close_suggests_nothing() {
        assert_eq!(suggest("flux-system", "k8s-at-home", [("flux-system", "bjw-s"), ("flux-system", "flux-system")]), None);
        assert_eq!(suggest("apps", "db", [("apps", "dc")]), None);
    }
}
