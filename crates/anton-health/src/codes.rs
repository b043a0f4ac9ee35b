//! The registry of live finding codes: one line per code, the single list the
//! checks, the docs and `--help` agree on (a test keeps it in step with the checks).

/// One live finding code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    pub id: &'static str,
    /// The severity, or how it is decided.
    pub severity: &'static str,
    pub summary: &'static str,
}

const fn code(id: &'static str, severity: &'static str, summary: &'static str) -> Code {
    Code { id, severity, summary }
}

pub const CODES: &[Code] = &[
    code("node/not-ready", "critical", "a node's Ready condition is False or Unknown"),
    code("node/pressure", "warning", "MemoryPressure, DiskPressure or PIDPressure is True"),
    code("node/network-unavailable", "critical", "NetworkUnavailable is True (the CNI has not set up the node)"),
    code("node/cordoned", "warning", "spec.unschedulable: the node takes no new pods"),
    code("node/version-skew", "critical outside the skew policy, info within it", "kubelet version against the API server's"),
    code("controlplane/quorum", "critical below ⌊n/2⌋+1 Ready, warning at exactly that", "control-plane nodes Ready against etcd quorum"),
    code("workload/progress-deadline", "critical", "a Deployment's Progressing condition says ProgressDeadlineExceeded"),
    code("workload/unavailable", "critical with none available, else warning (critical in critical namespaces)", "a Deployment, StatefulSet or DaemonSet has fewer available replicas than desired"),
    code("job/failed", "warning (critical in critical namespaces)", "a Job not owned by a CronJob has Failed=True"),
    code("cronjob/last-run-failed", "warning (critical in critical namespaces)", "the newest Job of a CronJob failed"),
    code("pod/crashloop", "warning (critical in critical namespaces)", "a container waits in CrashLoopBackOff"),
    code("pod/image-pull", "warning (critical in critical namespaces)", "ImagePullBackOff, ErrImagePull, InvalidImageName"),
    code("pod/config-error", "warning (critical in critical namespaces)", "CreateContainerConfigError, CreateContainerError, RunContainerError"),
    code("pod/oom-killed", "warning (critical in critical namespaces)", "the last termination was OOMKilled, within --oom-window"),
    code("pod/unschedulable", "warning (critical in critical namespaces)", "Pending with PodScheduled=False/Unschedulable beyond --unschedulable-grace"),
    code("pod/restart-rate", "warning (critical in critical namespaces)", "about --restart-threshold restarts or more within --restart-window"),
    code("storage/no-default-class", "warning", "no StorageClass is annotated as the default"),
    code("storage/multiple-default-classes", "warning", "more than one StorageClass is annotated as the default"),
    code("pvc/pending", "critical when it cannot bind (no default class, missing class, ProvisioningFailed), warning beyond the grace period (critical in critical namespaces); WaitForFirstConsumer without a pod is fine", "a PersistentVolumeClaim is Pending"),
    code("pvc/lost", "critical", "a PersistentVolumeClaim is Lost: its PersistentVolume is gone"),
    code("pvc/usage-high", "warning from --pvc-warning (80 %), critical from --pvc-critical (90 %)", "a volume's used bytes against its capacity (kubelet stats)"),
    code("pvc/inodes-high", "warning from --pvc-warning, critical from --pvc-critical", "a volume's used inodes against its inodes (kubelet stats)"),
    code("pv/released", "info (kept by reclaimPolicy Retain), warning with reclaimPolicy Delete", "a PersistentVolume is Released: its claim was deleted"),
    code("pv/failed", "warning", "a PersistentVolume's automatic reclamation Failed"),
    code("volume/attach-error", "critical (attach), warning (detach)", "a VolumeAttachment reports attachError or detachError"),
    code("volume/mount-stuck", "warning (critical in critical namespaces)", "a scheduled pod waits beyond the grace period with FailedMount/FailedAttachVolume events"),
    code("usage/unavailable", "info", "volume use not read: no nodes/proxy permission, or a kubelet did not answer"),
    code("ceph/health", "warning for HEALTH_WARN checks, critical for HEALTH_ERR", "Ceph's own health (.status.ceph), each check named (OSD_DOWN, MON_DOWN, PG_DEGRADED, …)"),
    code("ceph/status-stale", "warning", ".status.ceph.lastChecked is old: the Rook operator stopped reporting"),
    code("ceph/capacity", "info from 50 % (plan), warning from 70 % (order hardware) and 80 % (expand), critical from 85 % (nearfull)", "Ceph raw capacity used (bytesUsed/bytesTotal)"),
    code("ceph/mixed-versions", "info during an upgrade, warning after", "Ceph daemons run more than one version"),
    code("ceph/pool-not-ready", "critical in phase Failure, else warning", "a CephBlockPool, CephFilesystem or CephObjectStore is not Ready"),
    code("ceph/bucket-unbound", "critical when Failed, else warning", "an ObjectBucketClaim is not Bound"),
    code("ceph/daemon-unavailable", "critical with none available, else warning (critical in critical namespaces)", "the Rook operator, mon, mgr or OSD Deployments are not available"),
    code("backup/overdue", "warning beyond 2 schedule intervals, critical beyond 3 or beyond 48 h once late", "a VolSync ReplicationSource's lastSyncTime against its cron schedule"),
    code("backup/failing", "warning (critical in critical namespaces)", "a ReplicationSource condition reports an Error, or its last mover run Failed"),
    code("backup/paused", "info", "a ReplicationSource is paused"),
    code("backup/invalid-schedule", "warning", "a ReplicationSource's cron schedule cannot be read"),
    code("backup/unprotected", "info", "PersistentVolumeClaims of Ceph or Retain classes that no ReplicationSource backs up"),
    code("provisioner/missing-driver", "critical for the default class, warning for others, info for in-tree provisioners", "--check-provisioner: a StorageClass's provisioner has no CSIDriver"),
    code("provisioner/unavailable", "critical", "--check-provisioner: local-path-provisioner's Deployment is missing or unavailable"),
    code("connect/unavailable", "critical; warning when `anton secrets onepassword setup` could not wait for it", "a 1Password Connect Deployment has fewer available replicas than desired, or no connect-sync container; or the wait after writing its Secrets failed"),
    code("connect/credentials-missing", "critical", "the Secret Connect reads its credentials from (OP_SESSION) does not exist"),
    code("connect/token-missing", "critical", "the Connect token Secret a onepassword store authenticates with does not exist"),
    code("connect/not-found", "critical", "a onepassword store points at an in-cluster Connect, but no Deployment runs Connect"),
    code("connect/health", "critical", "Connect's /health (through the API server's service proxy) reports a dependency that is not ACTIVE"),
    code("connect/health-unchecked", "info", "Connect's /health was not read: no services/proxy permission, or no answer"),
    code("connect/restart-needed", "warning", "`anton secrets onepassword setup` changed the credentials of a running Connect, which reads them only at start"),
    code("secrets/write-failed", "critical", "`anton secrets onepassword setup` or `rotate-token` could not write a Secret after writing others: the report lists what was written"),
    code("secrets/flux-managed", "warning", "`anton secrets onepassword setup` wrote a Secret a Flux Kustomization also applies (its committed value comes back)"),
    code("store/not-ready", "critical when Ready=False (ValidationFailed, InvalidProviderConfig), warning without a Ready condition", "a SecretStore or ClusterSecretStore is not Ready"),
    code("store/unused", "info", "a SecretStore or ClusterSecretStore that no ExternalSecret, ClusterExternalSecret or PushSecret uses"),
    code("externalsecret/not-ready", "critical when Ready=False (SecretSyncedError, with the provider's message), warning without a Ready condition", "an ExternalSecret is not synced"),
    code("externalsecret/store-missing", "critical", "an ExternalSecret, ClusterExternalSecret or PushSecret names a store that does not exist"),
    code("externalsecret/stale", "warning", "status.refreshTime is older than twice spec.refreshInterval (default 1h)"),
    code("externalsecret/target-missing", "critical", "the Secret an ExternalSecret makes (spec.target.name) does not exist"),
    code("externalsecret/target-not-owned", "warning", "creationPolicy Owner, but the target Secret is not owned by the ExternalSecret"),
    code("clusterexternalsecret/not-ready", "critical", "a ClusterExternalSecret is not Ready or lists failedNamespaces"),
    code("pushsecret/not-ready", "critical", "a PushSecret's Ready condition is False (Errored)"),
    code("onepassworditem/not-ready", "critical", "a OnePasswordItem's Ready condition is not True (the 1Password operator)"),
    code("pod/missing-secret", "critical", "a pod uses a Secret (env, envFrom, volume) that does not exist; names the ExternalSecret that should make it"),
    code("metrics/unavailable", "info", "metrics.k8s.io is not served; resource use was not checked"),
    code("metrics/cpu-high", "warning", "node CPU use over --cpu-threshold of allocatable"),
    code("metrics/memory-high", "warning", "node memory use over --memory-threshold of allocatable"),
    code("flux/not-ready", "critical when Ready=False, warning while waiting on a dependency, reconciling too long, or never reconciled", "a Flux object is not Ready"),
    code("flux/stalled", "critical", "Stalled=True (e.g. a HelmRelease with RetriesExceeded)"),
    code("flux/suspended", "info, warning beyond --suspended-max-age", "spec.suspend is true"),
    code("flux/stale-generation", "warning", "status.observedGeneration is behind metadata.generation"),
    code("flux/revision-lag", "warning", "a Kustomization's lastAppliedRevision is behind its source's artifact revision"),
    code("flux/controller-unavailable", "critical (warning when no controllers are found)", "a Flux controller Deployment has unavailable replicas"),
    code("flux/reconcile-failed", "critical", "`anton flux reconcile`/`resume`: the controller handled the request and Ready is False"),
    code("flux/crd-missing", "critical for Kustomization/GitRepository, else info", "a Flux CRD is not installed"),
];

/// The registry entry of `id`.
pub fn lookup(id: &str) -> Option<&'static Code> {
    CODES.iter().find(|c| c.id == id)
}
