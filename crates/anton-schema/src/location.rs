//! `--schema-location`: kubeconform-compatible templates, local folders, and
//! the cluster schema cache.
//!
//! A location is one of:
//! * `default` — kubeconform's name for its own catalog; accepted, and stands for
//!   anton's built-in schemas (always searched first);
//! * a template with kubeconform's variables, a file path or an `http(s)://` URL:
//!   `{{.Group}}`, `{{.ResourceKind}}` (lower case), `{{.ResourceAPIVersion}}`,
//!   `{{.NormalizedKubernetesVersion}}` (`v1.33.0`, or `master` without
//!   `--kubernetes-version`), `{{.StrictSuffix}}` (`-strict`: anton is always
//!   strict) and `{{.KindSuffix}}` (`-apps-v1`). As in kubeconform, a location that
//!   does not end in `json` gets `/{{.NormalizedKubernetesVersion}}-standalone{{.StrictSuffix}}/{{.ResourceKind}}{{.KindSuffix}}.json`
//!   appended, and for the core group `{{.Group}}` is `v1`;
//! * a folder, searched in these layouts:
//!   - the cluster schema cache (what `anton schemas pull` writes; see the crate docs):
//!     `openapi/v3/api/<version>.json`, `openapi/v3/apis/<group>/<version>.json`, `crds/*.{yaml,yml,json}`;
//!   - `<group>/<kind>_<version>.json` (the CRDs-catalog layout);
//!   - `<kind>_<version>.json` and `<kind><KindSuffix>.json` (flat catalogs);
//!   - `<NormalizedKubernetesVersion>-standalone-strict/<kind><KindSuffix>.json` and
//!     `…-standalone/…` (a copy of kubeconform's default catalog).

use foldhash::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::remote::{Fetched, Remote};
use crate::sources::{Gvk, KindSchema, read_schema_file};

const KUBECONFORM_SUFFIX: &str = "/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json";

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Location {
    Builtin,
    Template { template: String, remote: bool },
    Folder(PathBuf),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LocationError {
    #[error("--schema-location {0}: no such folder or file template; give a folder, a template such as './schemas/{{{{.Group}}}}/{{{{.ResourceKind}}}}_{{{{.ResourceAPIVersion}}}}.json', a URL, or `default`")]
    Missing(String),
    #[error("--schema-location {location}: unknown template variable `{variable}`; known: .Group, .ResourceKind, .ResourceAPIVersion, .NormalizedKubernetesVersion, .StrictSuffix, .KindSuffix")]
    UnknownVariable { location: String, variable: String },
}

impl Location {
    pub fn parse(text: &str) -> Result<Location, LocationError> {
        if text == "default" {
            return Ok(Location::Builtin);
        }
        let remote = text.starts_with("http://") || text.starts_with("https://");
        let has_template = text.contains("{{");
        if !remote && !has_template {
            let path = Path::new(text);
            if path.is_dir() {
                return Ok(Location::Folder(path.to_path_buf()));
            }
            // One file of CRDs or an OpenAPI document: its kinds say what it covers.
            if path.is_file() {
                return Ok(Location::Template { template: text.to_owned(), remote: false });
            }
            if !text.ends_with("json") {
                return Err(LocationError::Missing(text.to_owned()));
            }
        }
        let mut template = text.to_owned();
        if !template.ends_with("json") {
            template = format!("{}{KUBECONFORM_SUFFIX}", template.trim_end_matches('/'));
        }
        // Fail on a typo now rather than miss every schema silently.
        render(&template, &crate::sources::gvk("apps", "v1", "Deployment"), "master")
            .map_err(|variable| LocationError::UnknownVariable { location: text.to_owned(), variable })?;
        Ok(Location::Template { template, remote })
    }
}

/// Fills a kubeconform template. Returns the unknown variable on error.
pub(crate) fn render(template: &str, key: &Gvk, normalized_version: &str) -> Result<String, String> {
    let (group, version, kind) = key;
    let kubeconform_group = if group.is_empty() { version.as_str() } else { group.as_str() };
    let first_label = kubeconform_group.split('.').next().unwrap_or_default().to_lowercase();
    let kind_suffix = if group.is_empty() { format!("-{first_label}") } else { format!("-{first_label}-{}", version.to_lowercase()) };
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find("}}") else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let variable = rest[start + 2..start + end].trim();
        let value = match variable {
            ".Group" => kubeconform_group.to_owned(),
            ".ResourceKind" => kind.to_lowercase(),
            ".ResourceAPIVersion" => version.clone(),
            ".NormalizedKubernetesVersion" => normalized_version.to_owned(),
            ".StrictSuffix" => "-strict".to_owned(),
            ".KindSuffix" => kind_suffix.clone(),
            other => return Err(other.to_owned()),
        };
        out.push_str(&value);
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// What a location answered for one kind.
pub(crate) enum Answer {
    Found(KindSchema, String),
    NotHere,
    /// The location could not be asked (offline, server failing).
    Failed(String),
}

/// Looks kinds up in locations, reading and parsing each file once.
pub(crate) struct Locator {
    remote: Remote,
    normalized_version: String,
    files: Mutex<HashMap<String, Option<Vec<(Gvk, KindSchema)>>>>,
    cluster_crds: Mutex<HashMap<PathBuf, Vec<(Gvk, KindSchema, String)>>>,
}

impl Locator {
    pub fn new(remote: Remote, normalized_version: String) -> Self {
        Self { remote, normalized_version, files: Mutex::default(), cluster_crds: Mutex::default() }
    }

    pub fn lookup(&self, location: &Location, key: &Gvk) -> Answer {
        match location {
            Location::Builtin => Answer::NotHere,
            Location::Template { template, remote } => {
                let Ok(target) = render(template, key, &self.normalized_version) else { return Answer::NotHere };
                // Without variables the same file answers for every kind: only
                // what names its own kinds (CRDs, OpenAPI documents) counts.
                let assume = template.contains("{{").then_some(key);
                if *remote {
                    match self.remote.fetch(&target) {
                        Fetched::Body(body) => self.parsed(&target, &body, assume, key),
                        Fetched::NotFound => Answer::NotHere,
                        Fetched::Failed(reason) => Answer::Failed(reason),
                    }
                } else {
                    self.local_file(Path::new(&target), assume, key)
                }
            }
            Location::Folder(dir) => self.folder(dir, key),
        }
    }

    fn folder(&self, dir: &Path, key: &Gvk) -> Answer {
        let (group, version, kind) = key;
        let openapi = if group.is_empty() {
            dir.join("openapi/v3/api").join(format!("{version}.json"))
        } else {
            dir.join("openapi/v3/apis").join(group).join(format!("{version}.json"))
        };
        if let found @ Answer::Found(..) = self.local_file(&openapi, None, key) {
            return found;
        }
        if let Some(found) = self.cluster_crd(&dir.join("crds"), key) {
            return found;
        }
        let lower = kind.to_lowercase();
        let kubeconform_group = if group.is_empty() { version.as_str() } else { group.as_str() };
        let suffix = render("{{.KindSuffix}}", key, "").unwrap_or_default();
        let candidates = [
            dir.join(kubeconform_group).join(format!("{lower}_{version}.json")),
            dir.join(format!("{lower}_{version}.json")),
            dir.join(format!("{lower}{suffix}.json")),
            dir.join(format!("{}-standalone-strict/{lower}{suffix}.json", self.normalized_version)),
            dir.join(format!("{}-standalone/{lower}{suffix}.json", self.normalized_version)),
        ];
        for candidate in candidates {
            if let found @ Answer::Found(..) = self.local_file(&candidate, Some(key), key) {
                return found;
            }
        }
        Answer::NotHere
    }

    /// A schema file; a plain JSON Schema in it describes `assume`.
    fn local_file(&self, path: &Path, assume: Option<&Gvk>, key: &Gvk) -> Answer {
        let name = path.display().to_string();
        if let Some(cached) = self.files.lock().ok().and_then(|files| files.get(&name).cloned()) {
            return pick(cached.as_deref(), key, &name);
        }
        match std::fs::read_to_string(path) {
            Ok(text) => self.parsed(&name, &text, assume, key),
            Err(_) => {
                if let Ok(mut files) = self.files.lock() {
                    files.insert(name, None);
                }
                Answer::NotHere
            }
        }
    }

    fn parsed(&self, name: &str, text: &str, assume: Option<&Gvk>, key: &Gvk) -> Answer {
        let kinds = read_schema_file(text, assume);
        let answer = pick(Some(&kinds), key, name);
        if let Ok(mut files) = self.files.lock() {
            files.insert(name.to_owned(), Some(kinds));
        }
        answer
    }

    /// `crds/` of the cluster cache: every CRD file, read once.
    fn cluster_crd(&self, dir: &Path, key: &Gvk) -> Option<Answer> {
        let mut cache = self.cluster_crds.lock().ok()?;
        let kinds = cache.entry(dir.to_path_buf()).or_insert_with(|| {
            let mut kinds = Vec::new();
            let Ok(entries) = std::fs::read_dir(dir) else { return kinds };
            let mut paths: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
            paths.sort();
            for path in paths {
                let is_schema = path.extension().is_some_and(|e| e == "yaml" || e == "yml" || e == "json");
                let Some(text) = is_schema.then(|| std::fs::read_to_string(&path).ok()).flatten() else { continue };
                let name = path.display().to_string();
                for (gvk, schema) in read_schema_file(&text, None) {
                    kinds.push((gvk, schema, name.clone()));
                }
            }
            kinds
        });
        kinds
            .iter()
            .find(|(gvk, _, _)| gvk == key)
            .map(|(_, schema, name)| Answer::Found(schema.clone(), name.clone()))
    }
}

fn pick(kinds: Option<&[(Gvk, KindSchema)]>, key: &Gvk, name: &str) -> Answer {
    match kinds.and_then(|kinds| kinds.iter().find(|(gvk, _)| gvk == key)) {
        Some((_, schema)) => Answer::Found(schema.clone(), name.to_owned()),
        None => Answer::NotHere,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::gvk;

    #[test]
    fn renders_kubeconform_templates() {
        let template = "https://example.test/{{.Group}}/{{ .ResourceKind }}_{{.ResourceAPIVersion}}.json";
        assert_eq!(
            render(template, &gvk("cert-manager.io", "v1", "ClusterIssuer"), "master").unwrap(),
            "https://example.test/cert-manager.io/clusterissuer_v1.json"
        );
        let default = format!("x{KUBECONFORM_SUFFIX}");
        assert_eq!(render(&default, &gvk("apps", "v1", "Deployment"), "v1.33.0").unwrap(), "x/v1.33.0-standalone-strict/deployment-apps-v1.json");
        assert_eq!(render(&default, &gvk("", "v1", "ConfigMap"), "master").unwrap(), "x/master-standalone-strict/configmap-v1.json");
        assert_eq!(render("{{.Group}}", &gvk("", "v1", "ConfigMap"), "master").unwrap(), "v1");
        assert_eq!(render("{{.Nope}}", &gvk("", "v1", "ConfigMap"), "master"), Err(".Nope".to_owned()));
    }

    #[test]
    fn parses_locations() {
        assert_eq!(Location::parse("default"), Ok(Location::Builtin));
        assert!(matches!(Location::parse("https://example.test/schemas"), Ok(Location::Template { remote: true, template }) if template.ends_with("{{ .KindSuffix }}.json")));
        assert!(matches!(Location::parse("/definitely/not/here"), Err(LocationError::Missing(_))));
        assert!(matches!(Location::parse("./x/{{.Bogus}}.json"), Err(LocationError::UnknownVariable { .. })));
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Location::parse(dir.path().to_str().unwrap()), Ok(Location::Folder(dir.path().to_path_buf())));
    }
}
