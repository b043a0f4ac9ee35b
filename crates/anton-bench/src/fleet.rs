//! A fleet: several clusters in one repository, laid out the way
//! multi-cluster Flux repositories are (flux2-kustomize-helm-example,
//! home-ops repositories with a folder per cluster).
//!
//! Shared, once:
//! - `kubernetes/apps/<ns>/<app>/{app,addons}/`: each app's base (the
//!   HelmRelease, plain manifests, the generator input), as in one cluster;
//! - `kubernetes/flux/repos/`: the HelmRepositories;
//! - `kubernetes/components/common`: the Component every namespace uses.
//!
//! Per cluster, under `clusters/<cluster>/`:
//! - `flux/cluster/ks.yaml`: the `cluster-meta` and `cluster-apps` roots,
//!   with the same names in every cluster;
//! - `flux/meta/`: the shared repositories and the cluster's own
//!   `cluster-settings` ConfigMap;
//! - `apps/<ns>/`: the namespace, and per app its `ks.yaml` (the same Flux
//!   Kustomization names in every cluster) and an `app/` overlay of the
//!   shared base that patches the cluster's name into the HelmRelease; the
//!   `-addons` Kustomization builds the shared `addons/` folder itself.

use crate::render::{
    app_files, app_ks, cluster_ks, cluster_settings, common_component, helm_repository, kustomization, namespace_object,
};
use crate::rng::Rng;
use crate::{App, File, Plan};

/// Cluster names as fleets name them; more clusters get `-2`, `-3`, …
const CLUSTERS: &[&str] = &[
    "home", "lab", "edge", "office", "cabin", "garage", "studio", "attic", "barn", "shed", "loft", "den", "dock", "yard",
    "cellar", "tower",
];

/// The folder name of cluster `index` (0-based).
pub(crate) fn cluster_name(index: usize) -> String {
    let base = CLUSTERS[index % CLUSTERS.len()];
    match index / CLUSTERS.len() {
        0 => base.to_owned(),
        round => format!("{base}-{}", round + 1),
    }
}

pub(crate) fn render(plan: &Plan, clusters: usize) -> Vec<File> {
    let mut files = Vec::new();
    let mut add = |path: String, contents: String| files.push(File { path, contents });

    add("kubernetes/components/common/kustomization.yaml".into(), common_component());
    let repo_files: Vec<String> = plan.sources.iter().map(|s| format!("./{}.yaml", s.name)).collect();
    add("kubernetes/flux/repos/kustomization.yaml".into(), kustomization(None, &[], &repo_files, ""));
    for source in &plan.sources {
        add(format!("kubernetes/flux/repos/{}.yaml", source.name), helm_repository(source));
    }
    // The apps' bases: what one cluster's app folders hold, without the ks.yaml
    // (the same random draws as one cluster, so the bases are the same bytes).
    for app in &plan.apps {
        let mut rng = Rng::derive(plan.seed, 1_000 + app.index as u64);
        let source = &plan.sources[app.chart_source];
        for (path, contents) in app_files(app, source, &mut rng) {
            if !path.ends_with("/ks.yaml") {
                add(path, contents);
            }
        }
    }

    for index in 0..clusters {
        let cluster = cluster_name(index);
        let root = format!("clusters/{cluster}");
        add(
            format!("{root}/flux/cluster/ks.yaml"),
            cluster_ks(&format!("./{root}/flux/meta"), &format!("./{root}/apps")),
        );
        add(format!("{root}/flux/cluster/kustomization.yaml"), kustomization(None, &[], &["./ks.yaml".to_owned()], ""));
        add(
            format!("{root}/flux/meta/kustomization.yaml"),
            kustomization(
                Some("flux-system"),
                &[],
                &["../../../../kubernetes/flux/repos".to_owned(), "./cluster-settings.yaml".to_owned()],
                "",
            ),
        );
        add(format!("{root}/flux/meta/cluster-settings.yaml"), cluster_settings(&cluster, index + 1));
        let namespace_dirs: Vec<String> = plan.namespaces.iter().map(|(ns, _)| format!("./{ns}")).collect();
        add(format!("{root}/apps/kustomization.yaml"), kustomization(None, &[], &namespace_dirs, ""));

        for (namespace, members) in &plan.namespaces {
            let mut resources = vec!["./namespace.yaml".to_owned()];
            resources.extend(members.iter().map(|&i| format!("./{}/ks.yaml", plan.apps[i].name)));
            add(
                format!("{root}/apps/{namespace}/kustomization.yaml"),
                kustomization(None, &["../../../../kubernetes/components/common".to_owned()], &resources, ""),
            );
            add(format!("{root}/apps/{namespace}/namespace.yaml"), namespace_object(namespace));
            for &app_index in members {
                let app = &plan.apps[app_index];
                // Each cluster draws its own postBuild values and `wait`s.
                let mut rng = Rng::derive(plan.seed, 100_000 + (index * plan.apps.len() + app.index) as u64);
                let dir = format!("{root}/apps/{namespace}/{}", app.name);
                let ks = app_ks(app, &mut rng, &format!("./{dir}/app"), &format!("./{}/addons", app.dir()));
                add(format!("{dir}/ks.yaml"), ks);
                add(format!("{dir}/app/kustomization.yaml"), overlay(app, &cluster));
            }
        }
    }
    files
}

/// A cluster's `app/` folder: the shared base, with the cluster's name
/// patched into the HelmRelease.
fn overlay(app: &App, cluster: &str) -> String {
    let patch = format!(
        "patches:\n  - target:\n      kind: HelmRelease\n      name: {name}\n    patch: |-\n      - op: add\n        \
         path: /spec/values/controllers/{name}/containers/app/env/CLUSTER\n        value: {cluster}\n",
        name = app.name,
    );
    kustomization(None, &[], &[format!("../../../../../../{}/app", app.dir())], &patch)
}
