//! API groups of the operators GitOps homelabs commonly run.
//!
//! An object of one of these groups, with no schema from any source, is a
//! kind anton knows to exist: it is counted (`details.schemas.withoutSchema`)
//! rather than reported, so a repository full of cert-manager and External
//! Secrets objects does not drown in `schema/unknown-kind` notes. Objects of
//! any other group without a schema — a typo such as `cert-manger.io`, an
//! operator anton has never heard of — are reported, at info level.
//! `--strict-kinds` reports both, as errors.

const GROUPS: &[&str] = &[
    "cert-manager.io",
    "acme.cert-manager.io",
    "trust.cert-manager.io",
    "external-secrets.io",
    "generators.external-secrets.io",
    "monitoring.coreos.com",
    "cilium.io",
    "ceph.rook.io",
    "objectbucket.io",
    "volsync.backube",
    "gateway.networking.k8s.io",
    "gateway.envoyproxy.io",
    "snapshot.storage.k8s.io",
    "groupsnapshot.storage.k8s.io",
    "postgresql.cnpg.io",
    "barmancloud.cnpg.io",
    "keda.sh",
    "kyverno.io",
    "wgpolicyk8s.io",
    "traefik.io",
    "traefik.containo.us",
    "metallb.io",
    "longhorn.io",
    "onepassword.com",
    "bitnami.com",
    "grafana.integreatly.org",
    "upgrade.cattle.io",
    "tailscale.com",
    "nfd.k8s-sigs.io",
    "image.toolkit.fluxcd.io",
    "source.extensions.fluxcd.io",
    "fluxcd.controlplane.io",
    "autoscaling.k8s.io",
    "k8s.mariadb.com",
    "dragonflydb.io",
    "minio.min.io",
    "rabbitmq.com",
    "opentelemetry.io",
    "loki.grafana.com",
    "tempo.grafana.com",
    "velero.io",
    "k8up.io",
    "secrets-store.csi.x-k8s.io",
    "cluster.x-k8s.io",
    "infrastructure.cluster.x-k8s.io",
    "bootstrap.cluster.x-k8s.io",
    "controlplane.cluster.x-k8s.io",
    "talos.dev",
    "tuppr.home-operations.com",
    "externaldns.k8s.io",
    "kubevirt.io",
    "cdi.kubevirt.io",
    "nvidia.com",
    "policy.sigstore.dev",
    "vpa.k8s.io",
    "argoproj.io",
    "notification.toolkit.fluxcd.io",
    "kustomize.toolkit.fluxcd.io",
    "helm.toolkit.fluxcd.io",
    "source.toolkit.fluxcd.io",
];

/// Whether `group` belongs to a well-known operator.
pub(crate) fn is_well_known(group: &str) -> bool {
    GROUPS.contains(&group)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_the_usual_operators_and_not_typos() {
        assert!(is_well_known("cert-manager.io"));
        assert!(is_well_known("monitoring.coreos.com"));
        assert!(!is_well_known("cert-manger.io"));
        assert!(!is_well_known("example.com"));
    }
}
