//! The text of every file of a [`Plan`].

use std::fmt::Write as _;

use crate::rng::Rng;
use crate::{App, ConfigFile, File, HelmSource, Plan};

/// `writeln!` into a `String` cannot fail.
macro_rules! line {
    ($out:expr) => { $out.push('\n') };
    ($out:expr, $($arg:tt)*) => {{ let _ = writeln!($out, $($arg)*); }};
}

const KS_SCHEMA: &str =
    "# yaml-language-server: $schema=https://kubernetes-schemas.pages.dev/kustomize.toolkit.fluxcd.io/kustomization_v1.json";
const HR_SCHEMA: &str =
    "# yaml-language-server: $schema=https://kubernetes-schemas.pages.dev/helm.toolkit.fluxcd.io/helmrelease_v2.json";
const KUSTOMIZE_SCHEMA: &str = "# yaml-language-server: $schema=https://json.schemastore.org/kustomization";

pub(crate) fn render(plan: &Plan) -> Vec<File> {
    let mut files = Vec::new();
    let mut add = |path: String, contents: String| files.push(File { path, contents });

    add("kubernetes/flux/cluster/ks.yaml".into(), cluster_ks("./kubernetes/flux/meta", "./kubernetes/apps"));
    add(
        "kubernetes/flux/cluster/kustomization.yaml".into(),
        kustomization(None, &[], &["./ks.yaml".to_owned()], ""),
    );
    add(
        "kubernetes/flux/meta/kustomization.yaml".into(),
        kustomization(Some("flux-system"), &[], &["./repos".to_owned(), "./cluster-settings.yaml".to_owned()], ""),
    );
    add("kubernetes/flux/meta/cluster-settings.yaml".into(), cluster_settings("bench", 1));
    let repo_files: Vec<String> = plan.sources.iter().map(|s| format!("./{}.yaml", s.name)).collect();
    add("kubernetes/flux/meta/repos/kustomization.yaml".into(), kustomization(None, &[], &repo_files, ""));
    for source in &plan.sources {
        add(format!("kubernetes/flux/meta/repos/{}.yaml", source.name), helm_repository(source));
    }
    let namespace_dirs: Vec<String> = plan.namespaces.iter().map(|(ns, _)| format!("./{ns}")).collect();
    add("kubernetes/apps/kustomization.yaml".into(), kustomization(None, &[], &namespace_dirs, ""));
    add("kubernetes/components/common/kustomization.yaml".into(), common_component());

    for (namespace, members) in &plan.namespaces {
        let mut resources = vec!["./namespace.yaml".to_owned()];
        resources.extend(members.iter().map(|&i| format!("./{}/ks.yaml", plan.apps[i].name)));
        add(
            format!("kubernetes/apps/{namespace}/kustomization.yaml"),
            kustomization(None, &["../../components/common".to_owned()], &resources, ""),
        );
        add(format!("kubernetes/apps/{namespace}/namespace.yaml"), namespace_object(namespace));
        for &index in members {
            let app = &plan.apps[index];
            let mut rng = Rng::derive(plan.seed, 1_000 + app.index as u64);
            let source = &plan.sources[app.chart_source];
            for (path, contents) in app_files(app, source, &mut rng) {
                add(path, contents);
            }
        }
    }
    files
}

pub(crate) fn app_files(app: &App, source: &HelmSource, rng: &mut Rng) -> Vec<(String, String)> {
    let dir = app.dir();
    let mut files = Vec::new();
    let ks = app_ks(app, rng, &format!("./{dir}/app"), &format!("./{dir}/addons"));
    files.push((format!("{dir}/ks.yaml"), ks));

    let mut resources = vec!["./helmrelease.yaml".to_owned()];
    let extras = &app.extras;
    if extras.deployment {
        resources.push("./deployment.yaml".into());
        files.push((format!("{dir}/app/deployment.yaml"), deployment(app, rng)));
    }
    if extras.service {
        resources.push("./service.yaml".into());
        files.push((format!("{dir}/app/service.yaml"), service(app)));
    }
    if extras.config_map {
        resources.push("./configmap.yaml".into());
        files.push((format!("{dir}/app/configmap.yaml"), config_map(&format!("{}-settings", app.name), app, rng)));
    }
    if extras.external_secret {
        resources.push("./externalsecret.yaml".into());
        files.push((format!("{dir}/app/externalsecret.yaml"), external_secret(&format!("{}-secret", app.name), app)));
    }
    for k in 1..=extras.padding {
        resources.push(format!("./configmap-extra-{k}.yaml"));
        files.push((
            format!("{dir}/app/configmap-extra-{k}.yaml"),
            config_map(&format!("{}-extra-{k}", app.name), app, rng),
        ));
    }
    let config_name = app.config_file.file_name();
    let generator = format!(
        "configMapGenerator:\n  - name: {name}-config\n    files:\n      - {config_name}=./resources/{config_name}\n\
         generatorOptions:\n  disableNameSuffixHash: true\n  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n",
        name = app.name,
    );
    files.push((format!("{dir}/app/kustomization.yaml"), kustomization(Some(&app.namespace), &[], &resources, &generator)));
    files.push((format!("{dir}/app/helmrelease.yaml"), helm_release(app, source, rng)));
    files.push((format!("{dir}/app/resources/{config_name}"), config_input(app, rng)));

    if app.addons {
        let resources = vec!["./prometheusrule.yaml".to_owned(), "./externalsecret.yaml".to_owned()];
        files.push((format!("{dir}/addons/kustomization.yaml"), kustomization(Some(&app.namespace), &[], &resources, "")));
        files.push((format!("{dir}/addons/prometheusrule.yaml"), prometheus_rule(app)));
        files.push((
            format!("{dir}/addons/externalsecret.yaml"),
            external_secret(&format!("{}-addons", app.name), app),
        ));
    }
    files
}

pub(crate) fn kustomization(namespace: Option<&str>, components: &[String], resources: &[String], tail: &str) -> String {
    let mut y = String::new();
    line!(y, "---");
    line!(y, "{KUSTOMIZE_SCHEMA}");
    line!(y, "apiVersion: kustomize.config.k8s.io/v1beta1");
    line!(y, "kind: Kustomization");
    if let Some(namespace) = namespace {
        line!(y, "namespace: {namespace}");
    }
    if !components.is_empty() {
        line!(y, "components:");
        for c in components {
            line!(y, "  - {c}");
        }
    }
    line!(y, "resources:");
    for r in resources {
        line!(y, "  - {r}");
    }
    y.push_str(tail);
    y
}

/// The `cluster-meta` and `cluster-apps` roots, building `meta` and `apps`.
pub(crate) fn cluster_ks(meta: &str, apps: &str) -> String {
    let mut y = String::new();
    let root = |y: &mut String, name: &str, path: &str, depends_on: Option<&str>| {
        line!(y, "---");
        line!(y, "{KS_SCHEMA}");
        line!(y, "apiVersion: kustomize.toolkit.fluxcd.io/v1");
        line!(y, "kind: Kustomization");
        line!(y, "metadata:");
        line!(y, "  name: {name}");
        line!(y, "  namespace: flux-system");
        line!(y, "spec:");
        line!(y, "  interval: 30m");
        line!(y, "  retryInterval: 1m");
        line!(y, "  timeout: 10m");
        line!(y, "  path: {path}");
        line!(y, "  prune: true");
        line!(y, "  wait: false");
        line!(y, "  deletionPolicy: Orphan");
        if let Some(dependency) = depends_on {
            line!(y, "  dependsOn:");
            line!(y, "    - name: {dependency}");
            line!(y, "      namespace: flux-system");
        }
        line!(y, "  sourceRef:");
        line!(y, "    kind: GitRepository");
        line!(y, "    name: flux-system");
        line!(y, "    namespace: flux-system");
        line!(y, "  decryption:");
        line!(y, "    provider: sops");
        line!(y, "    secretRef:");
        line!(y, "      name: sops-age");
    };
    root(&mut y, "cluster-meta", meta, None);
    root(&mut y, "cluster-apps", apps, Some("cluster-meta"));
    // Cluster policy pushed into every app Kustomization, as in the Anton cluster.
    y.push_str(
        "  patches:
    - target:
        group: kustomize.toolkit.fluxcd.io
        kind: Kustomization
      patch: |-
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata:
          name: not-used
        spec:
          decryption:
            provider: sops
            secretRef:
              name: sops-age
          postBuild:
            substituteFrom:
              - kind: ConfigMap
                name: cluster-settings
",
    );
    y
}

/// The `cluster-settings` ConfigMap of cluster `name`; `subnet` tells the clusters' networks apart.
pub(crate) fn cluster_settings(name: &str, subnet: usize) -> String {
    format!(
        "---
# Substituted into every app Kustomization as ${{NAME}}.
apiVersion: v1
kind: ConfigMap
metadata:
  name: cluster-settings
  namespace: flux-system
data:
  CLUSTER_NAME: {name}
  TIMEZONE: Etc/UTC
  SECRET_DOMAIN: example.invalid
  NODE_CIDR: 192.168.{subnet}.0/24
  CLUSTER_POD_CIDR: 10.244.0.0/16
  CLUSTER_SERVICE_CIDR: 10.96.0.0/12
  STORAGE_CLASS: ceph-block
"
    )
}

pub(crate) fn helm_repository(source: &HelmSource) -> String {
    let mut y = String::new();
    line!(y, "---");
    line!(y, "apiVersion: source.toolkit.fluxcd.io/v1");
    line!(y, "kind: HelmRepository");
    line!(y, "metadata:");
    line!(y, "  name: {}", source.name);
    line!(y, "  namespace: flux-system");
    line!(y, "spec:");
    if source.oci {
        line!(y, "  type: oci");
    }
    line!(y, "  interval: 2h");
    line!(y, "  url: {}", source.url);
    y
}

pub(crate) fn common_component() -> String {
    "---
# Shared pieces for every kubernetes/apps/<namespace>/ folder.
apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
patches:
  - target:
      kind: Namespace
    patch: |-
      apiVersion: v1
      kind: Namespace
      metadata:
        name: not-used
        labels:
          app.kubernetes.io/part-of: bench
        annotations:
          kustomize.toolkit.fluxcd.io/prune: disabled
"
    .to_owned()
}

pub(crate) fn namespace_object(namespace: &str) -> String {
    let mut y = String::new();
    line!(y, "---");
    line!(y, "apiVersion: v1");
    line!(y, "kind: Namespace");
    line!(y, "metadata:");
    line!(y, "  name: {namespace}");
    line!(y, "  labels:");
    line!(y, "    pod-security.kubernetes.io/enforce: restricted");
    line!(y, "    pod-security.kubernetes.io/audit: restricted");
    line!(y, "    pod-security.kubernetes.io/warn: restricted");
    y
}

fn flux_ks_common(y: &mut String, app: &App) {
    line!(y, "  interval: 1h");
    line!(y, "  prune: true");
    line!(y, "  retryInterval: 2m");
    line!(y, "  sourceRef:");
    line!(y, "    kind: GitRepository");
    line!(y, "    name: flux-system");
    line!(y, "    namespace: flux-system");
    line!(y, "  targetNamespace: {}", app.namespace);
    line!(y, "  timeout: 5m");
}

/// The app's Flux Kustomization (and its `-addons` one), building `app_path` (and `addons_path`).
pub(crate) fn app_ks(app: &App, rng: &mut Rng, app_path: &str, addons_path: &str) -> String {
    let mut y = String::new();
    line!(y, "---");
    line!(y, "{KS_SCHEMA}");
    line!(y, "apiVersion: kustomize.toolkit.fluxcd.io/v1");
    line!(y, "kind: Kustomization");
    line!(y, "metadata:");
    line!(y, "  name: &app {}", app.name);
    line!(y, "  namespace: flux-system");
    line!(y, "spec:");
    line!(y, "  commonMetadata:");
    line!(y, "    labels:");
    line!(y, "      app.kubernetes.io/name: *app");
    if !app.depends_on.is_empty() {
        line!(y, "  dependsOn:");
        for dependency in &app.depends_on {
            line!(y, "    - name: {dependency}");
            line!(y, "      namespace: flux-system");
        }
    }
    line!(y, "  path: {app_path}");
    line!(y, "  postBuild:");
    line!(y, "    substitute:");
    line!(y, "      APP: *app");
    if rng.percent(40) {
        line!(y, "      VOLSYNC_CAPACITY: {}Gi", rng.pick(&[1, 2, 5, 10, 20, 50]));
    }
    flux_ks_common(&mut y, app);
    line!(y, "  wait: {}", rng.percent(30));
    if app.addons {
        line!(y, "---");
        line!(y, "{KS_SCHEMA}");
        line!(y, "apiVersion: kustomize.toolkit.fluxcd.io/v1");
        line!(y, "kind: Kustomization");
        line!(y, "metadata:");
        line!(y, "  name: {}-addons", app.name);
        line!(y, "  namespace: flux-system");
        line!(y, "spec:");
        line!(y, "  dependsOn:");
        line!(y, "    - name: {}", app.name);
        line!(y, "      namespace: flux-system");
        line!(y, "  path: {addons_path}");
        flux_ks_common(&mut y, app);
        line!(y, "  wait: true");
    }
    y
}

/// The optional parts of a HelmRelease, chosen to land on `app.release_lines`.
#[derive(Default)]
struct ReleaseParts {
    comment: bool,
    remediation: bool,
    annotations: bool,
    probes: bool,
    security_context: bool,
    pod_options: bool,
    route: bool,
    persistence: bool,
    service_monitor: bool,
}

impl ReleaseParts {
    /// Lines of the parts every release has: header, chart, `values:`,
    /// the controller without its optional parts, one env line, the service.
    const BASE: usize = 15 + 1 + 15 + 6;

    fn choose(app: &App, rng: &mut Rng) -> (Self, usize) {
        let mut parts = Self::default();
        let mut used = Self::BASE + if app.release_depends_on.is_some() { 3 } else { 0 };
        let mut order: Vec<usize> = (0..9).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        for part in order {
            let (flag, cost) = match part {
                0 => (&mut parts.comment, 1),
                1 => (&mut parts.remediation, 8),
                2 => (&mut parts.annotations, 2),
                3 => (&mut parts.probes, 12),
                4 => (&mut parts.security_context, 5),
                5 => (&mut parts.pod_options, 7),
                6 => (&mut parts.route, 12),
                7 => (&mut parts.persistence, 15),
                _ => (&mut parts.service_monitor, 9),
            };
            if used + cost <= app.release_lines && rng.percent(70) {
                *flag = true;
                used += cost;
            }
        }
        (parts, app.release_lines.saturating_sub(used))
    }
}

fn helm_release(app: &App, source: &HelmSource, rng: &mut Rng) -> String {
    let (parts, mut env_lines) = ReleaseParts::choose(app, rng);
    let name = &app.name;
    let chart = source.chart.unwrap_or(name.as_str());
    let chart_version = if source.chart.is_some() { "4.4.0".to_owned() } else { rng.version() };
    let mut y = String::new();
    line!(y, "---");
    if parts.comment {
        line!(y, "{HR_SCHEMA}");
    }
    line!(y, "apiVersion: helm.toolkit.fluxcd.io/v2");
    line!(y, "kind: HelmRelease");
    line!(y, "metadata:");
    line!(y, "  name: &app {name}");
    line!(y, "spec:");
    line!(y, "  interval: 1h");
    line!(y, "  chart:");
    line!(y, "    spec:");
    line!(y, "      chart: {chart}");
    line!(y, "      version: {chart_version}");
    line!(y, "      sourceRef:");
    line!(y, "        kind: HelmRepository");
    line!(y, "        name: {}", source.name);
    line!(y, "        namespace: flux-system");
    if let Some(dependency) = &app.release_depends_on {
        line!(y, "  dependsOn:");
        line!(y, "    - name: {dependency}");
        line!(y, "      namespace: {}", app.namespace);
    }
    if parts.remediation {
        line!(y, "  install:");
        line!(y, "    remediation:");
        line!(y, "      retries: -1");
        line!(y, "  upgrade:");
        line!(y, "    cleanupOnFail: true");
        line!(y, "    remediation:");
        line!(y, "      retries: 3");
        line!(y, "      strategy: rollback");
    }
    line!(y, "  values:");
    line!(y, "    controllers:");
    line!(y, "      {name}:");
    if parts.annotations {
        line!(y, "        annotations:");
        line!(y, "          reloader.stakater.com/auto: \"true\"");
    }
    line!(y, "        containers:");
    line!(y, "          app:");
    line!(y, "            image:");
    line!(y, "              repository: ghcr.io/home-operations/{name}");
    line!(y, "              tag: {}@sha256:{}", rng.version(), rng.hex(64));
    line!(y, "            env:");
    line!(y, "              TZ: ${{TIMEZONE}}");
    while env_lines > 0 {
        let n = env_lines;
        if n >= 5 && rng.percent(15) {
            let key = env_key(rng);
            line!(y, "              {key}_API_KEY:");
            line!(y, "                valueFrom:");
            line!(y, "                  secretKeyRef:");
            line!(y, "                    name: {name}-secret");
            line!(y, "                    key: {}_API_KEY", app.name.to_uppercase().replace('-', "_"));
            env_lines -= 5;
            continue;
        }
        let key = env_key(rng);
        match rng.below(5) {
            0 => line!(y, "              {key}_PORT: \"{}\"", rng.between(1024, 65000)),
            1 => line!(y, "              {key}_ENABLED: \"{}\"", rng.percent(50)),
            2 => line!(y, "              {key}_URL: http://{}.{}.svc.cluster.local:{}", name, app.namespace, rng.between(80, 9999)),
            3 => line!(y, "              {key}_LOG_LEVEL: {}", rng.pick(&["info", "debug", "warn"])),
            _ => line!(y, "              {key}_PATH: /config/{}", rng.hex(8)),
        }
        env_lines -= 1;
    }
    if parts.probes {
        line!(y, "            probes:");
        line!(y, "              liveness: &probes");
        line!(y, "                enabled: true");
        line!(y, "                custom: true");
        line!(y, "                spec:");
        line!(y, "                  httpGet:");
        line!(y, "                    path: /healthz");
        line!(y, "                    port: 8080");
        line!(y, "                  initialDelaySeconds: 0");
        line!(y, "                  periodSeconds: 10");
        line!(y, "                  failureThreshold: 3");
        line!(y, "              readiness: *probes");
    }
    if parts.security_context {
        line!(y, "            securityContext:");
        line!(y, "              allowPrivilegeEscalation: false");
        line!(y, "              readOnlyRootFilesystem: true");
        line!(y, "              capabilities: {{ drop: [\"ALL\"] }}");
        line!(y, "              seccompProfile: {{ type: RuntimeDefault }}");
    }
    line!(y, "            resources:");
    line!(y, "              requests:");
    line!(y, "                cpu: {}m", rng.pick(&[5, 10, 25, 50, 100, 250]));
    line!(y, "                memory: {}Mi", rng.pick(&[64, 128, 256, 512]));
    line!(y, "              limits:");
    line!(y, "                memory: {}Mi", rng.pick(&[256, 512, 1024, 2048, 4096]));
    if parts.pod_options {
        line!(y, "    defaultPodOptions:");
        line!(y, "      securityContext:");
        line!(y, "        runAsNonRoot: true");
        line!(y, "        runAsUser: 1000");
        line!(y, "        runAsGroup: 1000");
        line!(y, "        fsGroup: 1000");
        line!(y, "        fsGroupChangePolicy: OnRootMismatch");
    }
    line!(y, "    service:");
    line!(y, "      app:");
    line!(y, "        controller: *app");
    line!(y, "        ports:");
    line!(y, "          http:");
    line!(y, "            port: 8080");
    if parts.route {
        line!(y, "    route:");
        line!(y, "      app:");
        line!(y, "        hostnames:");
        line!(y, "          - \"{{{{ .Release.Name }}}}.${{SECRET_DOMAIN}}\"");
        line!(y, "        parentRefs:");
        line!(y, "          - name: envoy-{}", rng.pick(&["internal", "external"]));
        line!(y, "            namespace: network");
        line!(y, "            sectionName: https");
        line!(y, "        rules:");
        line!(y, "          - backendRefs:");
        line!(y, "              - identifier: app");
        line!(y, "                port: 8080");
    }
    if parts.persistence {
        line!(y, "    persistence:");
        line!(y, "      config:");
        line!(y, "        existingClaim: *app");
        line!(y, "        globalMounts:");
        line!(y, "          - path: /config");
        line!(y, "      tmp:");
        line!(y, "        type: emptyDir");
        line!(y, "      config-file:");
        line!(y, "        type: configMap");
        line!(y, "        name: {name}-config");
        line!(y, "        globalMounts:");
        line!(y, "          - path: /app/{}", app.config_file.file_name());
        line!(y, "            subPath: {}", app.config_file.file_name());
        line!(y, "            readOnly: true");
        line!(y, "      media: {{ type: nfs, server: nas.internal, path: /volume1/{name} }}");
    }
    if parts.service_monitor {
        line!(y, "    serviceMonitor:");
        line!(y, "      app:");
        line!(y, "        serviceName: *app");
        line!(y, "        endpoints:");
        line!(y, "          - port: http");
        line!(y, "            scheme: http");
        line!(y, "            path: /metrics");
        line!(y, "            interval: 1m");
        line!(y, "            scrapeTimeout: 10s");
    }
    y
}

fn env_key(rng: &mut Rng) -> String {
    const WORDS: &[&str] = &[
        "APP", "SERVER", "DATABASE", "CACHE", "AUTH", "OIDC", "METRICS", "WEB", "API", "WORKER", "STORAGE", "SMTP",
        "REDIS", "POSTGRES", "FEATURE", "UPLOAD", "BACKUP", "NOTIFY",
    ];
    format!("{}_{}_{}", rng.pick(WORDS), rng.pick(WORDS), rng.hex(4).to_uppercase())
}

fn labels(y: &mut String, app: &App, indent: &str) {
    line!(y, "{indent}app.kubernetes.io/name: {}", app.name);
    line!(y, "{indent}app.kubernetes.io/instance: {}", app.name);
}

fn deployment(app: &App, rng: &mut Rng) -> String {
    let name = &app.name;
    let mut y = String::new();
    line!(y, "---");
    line!(y, "apiVersion: apps/v1");
    line!(y, "kind: Deployment");
    line!(y, "metadata:");
    line!(y, "  name: {name}");
    line!(y, "  labels:");
    labels(&mut y, app, "    ");
    line!(y, "spec:");
    line!(y, "  replicas: {}", rng.between(1, 3));
    line!(y, "  revisionHistoryLimit: 3");
    line!(y, "  strategy:");
    line!(y, "    type: RollingUpdate");
    line!(y, "  selector:");
    line!(y, "    matchLabels:");
    labels(&mut y, app, "      ");
    line!(y, "  template:");
    line!(y, "    metadata:");
    line!(y, "      labels:");
    labels(&mut y, app, "        ");
    line!(y, "    spec:");
    line!(y, "      securityContext:");
    line!(y, "        runAsNonRoot: true");
    line!(y, "        runAsUser: 65534");
    line!(y, "      containers:");
    line!(y, "        - name: {name}");
    line!(y, "          image: ghcr.io/home-operations/{name}-sidecar:{}", rng.version());
    line!(y, "          args: [\"--config\", \"/config/{}\"]", app.config_file.file_name());
    line!(y, "          ports:");
    line!(y, "            - name: http");
    line!(y, "              containerPort: 8080");
    line!(y, "          resources:");
    line!(y, "            requests:");
    line!(y, "              cpu: 10m");
    line!(y, "              memory: 32Mi");
    line!(y, "            limits:");
    line!(y, "              memory: 128Mi");
    line!(y, "          volumeMounts:");
    line!(y, "            - name: config");
    line!(y, "              mountPath: /config");
    line!(y, "      volumes:");
    line!(y, "        - name: config");
    line!(y, "          configMap:");
    line!(y, "            name: {name}-config");
    y
}

fn service(app: &App) -> String {
    let mut y = String::new();
    line!(y, "---");
    line!(y, "apiVersion: v1");
    line!(y, "kind: Service");
    line!(y, "metadata:");
    line!(y, "  name: {}", app.name);
    line!(y, "  labels:");
    labels(&mut y, app, "    ");
    line!(y, "spec:");
    line!(y, "  type: ClusterIP");
    line!(y, "  selector:");
    labels(&mut y, app, "    ");
    line!(y, "  ports:");
    line!(y, "    - name: http");
    line!(y, "      port: 8080");
    line!(y, "      targetPort: http");
    line!(y, "      protocol: TCP");
    y
}

fn config_map(object_name: &str, app: &App, rng: &mut Rng) -> String {
    let mut y = String::new();
    line!(y, "---");
    line!(y, "apiVersion: v1");
    line!(y, "kind: ConfigMap");
    line!(y, "metadata:");
    line!(y, "  name: {object_name}");
    line!(y, "  labels:");
    labels(&mut y, app, "    ");
    line!(y, "data:");
    line!(y, "  LOG_LEVEL: {}", rng.pick(&["info", "debug"]));
    line!(y, "  CACHE_SIZE: \"{}\"", rng.between(16, 4096));
    line!(y, "  settings.ini: |");
    line!(y, "    [server]");
    line!(y, "    host = 0.0.0.0");
    line!(y, "    port = {}", rng.between(1024, 65000));
    line!(y, "    [storage]");
    line!(y, "    path = /data/{}", app.name);
    y
}

fn external_secret(object_name: &str, app: &App) -> String {
    let mut y = String::new();
    line!(y, "---");
    line!(y, "apiVersion: external-secrets.io/v1");
    line!(y, "kind: ExternalSecret");
    line!(y, "metadata:");
    line!(y, "  name: {object_name}");
    line!(y, "spec:");
    line!(y, "  refreshInterval: 1h");
    line!(y, "  secretStoreRef:");
    line!(y, "    kind: ClusterSecretStore");
    line!(y, "    name: onepassword");
    line!(y, "  target:");
    line!(y, "    name: {object_name}");
    line!(y, "    template:");
    line!(y, "      data:");
    line!(y, "        {}_API_KEY: \"{{{{ .api_key }}}}\"", app.name.to_uppercase().replace('-', "_"));
    line!(y, "        {}_PASSWORD: \"{{{{ .password }}}}\"", app.name.to_uppercase().replace('-', "_"));
    line!(y, "  dataFrom:");
    line!(y, "    - extract:");
    line!(y, "        key: {}", app.name);
    y
}

fn prometheus_rule(app: &App) -> String {
    let mut y = String::new();
    line!(y, "---");
    line!(y, "apiVersion: monitoring.coreos.com/v1");
    line!(y, "kind: PrometheusRule");
    line!(y, "metadata:");
    line!(y, "  name: {}-rules", app.name);
    line!(y, "spec:");
    line!(y, "  groups:");
    line!(y, "    - name: {}.rules", app.name);
    line!(y, "      rules:");
    line!(y, "        - alert: {}Down", app.name.replace('-', ""));
    line!(y, "          expr: |");
    line!(y, "            absent(up{{job=\"{}\"}} == 1)", app.name);
    line!(y, "          for: 5m");
    line!(y, "          labels:");
    line!(y, "            severity: critical");
    line!(y, "          annotations:");
    line!(y, "            summary: \"{} is down\"", app.name);
    y
}

/// The file a configMapGenerator reads: app configuration, not a manifest.
fn config_input(app: &App, rng: &mut Rng) -> String {
    let mut y = String::new();
    match app.config_file {
        ConfigFile::Yaml => {
            line!(y, "# {} configuration", app.name);
            line!(y, "server:");
            line!(y, "  host: 0.0.0.0");
            line!(y, "  port: {}", rng.between(1024, 65000));
            line!(y, "logging:");
            line!(y, "  level: {}", rng.pick(&["info", "debug", "warn"]));
            line!(y, "  format: json");
            line!(y, "features:");
            for _ in 0..rng.between(2, 8) {
                line!(y, "  - {}", rng.hex(10));
            }
        }
        ConfigFile::Ini => {
            line!(y, "; {} configuration", app.name);
            line!(y, "[server]");
            line!(y, "host = 0.0.0.0");
            line!(y, "port = {}", rng.between(1024, 65000));
            line!(y, "[features]");
            for i in 0..rng.between(2, 8) {
                line!(y, "flag{i} = {}", rng.percent(50));
            }
        }
        ConfigFile::Json => {
            line!(y, "{{");
            line!(y, "  \"name\": \"{}\",", app.name);
            line!(y, "  \"port\": {},", rng.between(1024, 65000));
            line!(y, "  \"features\": [\"{}\", \"{}\"]", rng.hex(6), rng.hex(6));
            line!(y, "}}");
        }
    }
    y
}
