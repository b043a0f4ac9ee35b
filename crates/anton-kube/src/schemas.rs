//! `anton schemas pull`: the cluster's OpenAPI v3 documents and every CRD's
//! schema, saved for offline validation.
//!
//! Layout under the output folder (one folder per cluster):
//!
//! ```text
//! index.json                              what was pulled: server, version, time, files
//! openapi/v3/index.json                   the server's /openapi/v3 discovery document
//! openapi/v3/api/v1.json                  core group
//! openapi/v3/apis/<group>/<version>.json  every other group-version (CRDs included)
//! crds/<crd-name>.json                    each CustomResourceDefinition object (every
//!                                         version's openAPIV3Schema), managedFields dropped
//! ```
//!
//! The OpenAPI documents are stored as the server serves them (kinds are found
//! by `x-kubernetes-group-version-kind`); this is the layout `anton-schema`
//! reads as a `--schema-location` folder. `index.json` lists every file with
//! its group, version and kind.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::Api;
use serde_json::{Value, json};

use crate::client::Cluster;
use crate::error::{LiveError, Op};
use crate::fetch::list_all;

/// Where `anton schemas pull` writes by default:
/// `$XDG_CACHE_HOME/anton/schemas/<cluster-host>/` (`~/.cache/…` without XDG_CACHE_HOME).
pub fn default_schema_dir(server: &str) -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("anton").join("schemas").join(cluster_folder(server)))
}

/// `https://192.168.1.97:6443` → `192.168.1.97_6443`: a folder name that is
/// the same for every context of one cluster.
pub fn cluster_folder(server: &str) -> String {
    let rest = server.split_once("://").map_or(server, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or(rest);
    authority
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' })
        .collect()
}

#[derive(Debug, Clone)]
pub struct PullSummary {
    pub dir: PathBuf,
    pub openapi_documents: usize,
    /// CRD versions saved (a CRD with two versions counts twice).
    pub crd_schemas: usize,
    pub crds: usize,
    pub requests: u64,
    pub elapsed: Duration,
    pub kubernetes_version: String,
    /// Set when listing CRDs was forbidden: what was refused.
    pub crds_refused: Option<String>,
}

/// Downloads everything and writes it under `dir` (replacing what a previous pull wrote).
pub async fn pull(cluster: &Cluster, dir: &Path) -> Result<PullSummary, LiveError> {
    let started = Instant::now();
    let before = cluster.requests();
    let version_op = Op::new("get", "/version", None);
    let version = cluster.call(&version_op, cluster.client.apiserver_version()).await?.git_version;

    let index: Value = cluster.get_json("/openapi/v3").await?;
    let paths: Vec<(String, String)> = index
        .get("paths")
        .and_then(Value::as_object)
        .map(|paths| {
            paths
                .iter()
                .filter(|(path, _)| path.starts_with("api/") || path.starts_with("apis/"))
                // Asked for without the index's `?hash=`: when a CRD changes
                // between reading the index and reading its group, the server
                // answers a stale hash with a 301 and an empty body.
                .filter(|(_, entry)| entry.get("serverRelativeURL").is_some())
                .map(|(path, _)| (path.clone(), format!("/openapi/v3/{path}")))
                .collect()
        })
        .unwrap_or_default();

    let crds_api: Api<CustomResourceDefinition> = Api::all(cluster.client.clone());
    let crds_future = list_all(
        cluster,
        crds_api,
        Op::new("list", "customresourcedefinitions.apiextensions.k8s.io", None),
        None,
    );
    let documents_future = futures::stream::iter(paths.into_iter().map(|(path, url)| async move {
        let document: Value = cluster.get_json(&url).await?;
        Ok::<_, LiveError>((path, document))
    }))
    .buffer_unordered(8)
    .collect::<Vec<_>>();
    let (crds, documents) = tokio::join!(crds_future, documents_future);
    // The OpenAPI documents already hold every served CRD version's schema;
    // the CRD objects add the versions that are not served. A user who may
    // not list CRDs still gets the documents.
    let (crds, crds_refused) = match crds {
        Ok(crds) => (crds, None),
        Err(LiveError::Forbidden { op, detail, .. }) => (Vec::new(), Some(format!("{op}: {detail}"))),
        Err(other) => return Err(other),
    };
    let documents: Vec<(String, Value)> = documents.into_iter().collect::<Result<_, _>>()?;

    let write_err = |path: &Path, e: std::io::Error| LiveError::Other(format!("cannot write {}: {e}", path.display()));
    let openapi_dir = dir.join("openapi").join("v3");
    let crds_dir = dir.join("crds");
    for old in [&openapi_dir, &crds_dir] {
        if old.exists() {
            std::fs::remove_dir_all(old).map_err(|e| write_err(old, e))?;
        }
    }
    let write = |path: &Path, value: &Value| -> Result<(), LiveError> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| write_err(parent, e))?;
        }
        let text = serde_json::to_string_pretty(value).unwrap_or_default();
        std::fs::write(path, text).map_err(|e| write_err(path, e))
    };

    write(&openapi_dir.join("index.json"), &index)?;
    let mut openapi_files = BTreeMap::new();
    for (path, document) in &documents {
        let relative = format!("openapi/v3/{path}.json");
        write(&dir.join(&relative), document)?;
        openapi_files.insert(path.clone(), relative);
    }

    let mut crd_entries = Vec::new();
    for crd in &crds {
        let Some(name) = crd.metadata.name.as_deref() else { continue };
        let relative = format!("crds/{name}.json");
        let mut object = crd.clone();
        object.metadata.managed_fields = None;
        let mut value = serde_json::to_value(&object).unwrap_or(Value::Null);
        if let Some(map) = value.as_object_mut() {
            map.insert("apiVersion".into(), json!("apiextensions.k8s.io/v1"));
            map.insert("kind".into(), json!("CustomResourceDefinition"));
        }
        write(&dir.join(&relative), &value)?;
        let spec = &crd.spec;
        for version in &spec.versions {
            crd_entries.push(json!({
                "group": spec.group,
                "version": version.name,
                "kind": spec.names.kind,
                "plural": spec.names.plural,
                "scope": spec.scope,
                "served": version.served,
                "storage": version.storage,
                "hasSchema": version.schema.as_ref().and_then(|s| s.open_api_v3_schema.as_ref()).is_some(),
                "file": relative,
            }));
        }
    }
    let pulled_at = k8s_openapi::jiff::Timestamp::now().to_string();
    let summary_index = json!({
        "layout": 1,
        "server": cluster.server(),
        "context": cluster.context(),
        "kubernetesVersion": version,
        "pulledAt": pulled_at,
        "openapi": openapi_files,
        "crds": crd_entries,
    });
    write(&dir.join("index.json"), &summary_index)?;
    Ok(PullSummary {
        dir: dir.to_path_buf(),
        openapi_documents: documents.len(),
        crd_schemas: crd_entries.len(),
        crds: crds.len(),
        requests: cluster.requests() - before,
        elapsed: started.elapsed(),
        kubernetes_version: version,
        crds_refused,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_folders_are_safe_names() {
        assert_eq!(cluster_folder("https://192.168.1.97:6443"), "192.168.1.97_6443");
        assert_eq!(cluster_folder("https://k8s.example.org/"), "k8s.example.org");
        assert_eq!(cluster_folder("https://[::1]:6443/prefix"), "___1__6443");
    }
}
