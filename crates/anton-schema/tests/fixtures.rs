//! One small repository per finding, per schema source and per Kubernetes
//! OpenAPI extension (`tests/fixtures/<name>/`), and a snapshot of what
//! anton reports on it.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use anton_core::Finding;
use anton_kustomize::Engine;
use anton_repo::{LoadOptions, Repository};
use anton_schema::{KubernetesVersion, SchemaOptions, SchemaSet, Target};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// Validates every object of a fixture; paths are relative to the fixture.
fn validate(name: &str, options: SchemaOptions) -> Vec<Finding> {
    let root = fixture(name);
    let repo = Repository::load(&root, &LoadOptions { root: Some(root.clone()), ..LoadOptions::default() }).expect("fixture loads");
    assert!(repo.findings.is_empty(), "fixture {name} has YAML problems: {:?}", repo.findings);
    let mut schemas = SchemaSet::new(&options).expect("options");
    schemas.learn_repository_crds(&repo);
    let engine = Engine::new(&repo);
    let subjects: Vec<String> = repo.objects.iter().map(|o| o.id().short()).collect();
    let targets: Vec<Target<'_>> = repo
        .objects
        .iter()
        .zip(&subjects)
        .filter(|(object, _)| !engine.is_patch_file(&repo.files[object.file].path))
        .map(|(object, subject)| Target { node: repo.node(object), subject: Some(subject) })
        .collect();
    let mut findings = schemas.validate(&repo, &targets).findings;
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings
}

/// The snapshot form: one line per finding, its hint indented below.
fn render(findings: &[Finding]) -> String {
    let mut out = String::new();
    for finding in findings {
        out.push_str(&finding.issue_line());
        out.push('\n');
        if let Some(hint) = &finding.hint {
            out.push_str(&format!("    hint: {hint}\n"));
        }
        for (location, label) in &finding.related {
            out.push_str(&format!("    {label}: {location}\n"));
        }
    }
    out
}

fn snapshot(name: &str, options: SchemaOptions) -> String {
    render(&validate(name, options))
}

#[test]
fn unknown_fields_at_the_key() {
    insta::assert_snapshot!(snapshot("unknown-field", SchemaOptions::default()));
}

#[test]
fn wrong_types_read_the_way_kubernetes_reads_yaml() {
    insta::assert_snapshot!(snapshot("type", SchemaOptions::default()));
}

#[test]
fn required_fields() {
    insta::assert_snapshot!(snapshot("required", SchemaOptions::default()));
}

#[test]
fn values_outside_an_enum() {
    insta::assert_snapshot!(snapshot("enum", SchemaOptions::default()));
}

#[test]
fn durations_quantities_timestamps_base64_and_int_or_string() {
    insta::assert_snapshot!(snapshot("format", SchemaOptions::default()));
}

#[test]
fn bounds_and_lengths() {
    insta::assert_snapshot!(snapshot("constraint", SchemaOptions::default()));
}

#[test]
fn unknown_kinds_at_the_newest_release() {
    insta::assert_snapshot!(snapshot("unknown-kind", SchemaOptions::default()));
}

#[test]
fn unknown_kinds_at_an_older_release() {
    let options = SchemaOptions { kubernetes_version: KubernetesVersion::parse("1.24"), ..SchemaOptions::default() };
    insta::assert_snapshot!(snapshot("unknown-kind", options));
}

#[test]
fn unknown_kinds_are_errors_with_strict_kinds() {
    let findings = validate("unknown-kind", SchemaOptions { strict_kinds: true, ..SchemaOptions::default() });
    assert!(!findings.is_empty());
    assert!(findings.iter().all(|f| f.severity == anton_core::Severity::Critical));
}

#[test]
fn crds_in_the_repository_are_schemas() {
    insta::assert_snapshot!(snapshot("crd-source", SchemaOptions::default()));
}

#[test]
fn kubernetes_openapi_extensions() {
    insta::assert_snapshot!(snapshot("openapi-extensions", SchemaOptions::default()));
}

#[test]
fn placeholders_and_sops_ciphertext_satisfy_any_scalar() {
    let findings = validate("placeholders-sops", SchemaOptions::default());
    assert!(findings.is_empty(), "{}", render(&findings));
}

#[test]
fn schema_locations_catalog_folder_and_cluster_cache() {
    let base = fixture("schema-location");
    let options = SchemaOptions {
        locations: vec![
            base.join("catalog").display().to_string(),
            base.join("cluster-cache").display().to_string(),
        ],
        ..SchemaOptions::default()
    };
    let output = snapshot("schema-location/repo", options).replace(&base.display().to_string(), "<fixture>");
    insta::assert_snapshot!(output);
}

#[test]
fn schema_location_file_templates() {
    let base = fixture("schema-location");
    let template = format!("{}/catalog/{{{{ .Group }}}}/{{{{.ResourceKind}}}}_{{{{.ResourceAPIVersion}}}}.json", base.display());
    let options = SchemaOptions { locations: vec![template], ..SchemaOptions::default() };
    let findings = validate("schema-location/repo", options);
    let widget: Vec<&Finding> = findings.iter().filter(|f| f.object.as_deref() == Some("Widget/default/from-catalog")).collect();
    assert_eq!(widget.len(), 1, "{}", render(&findings));
    assert_eq!(widget[0].rule, "schema/unknown-field");
}

/// Serves `body` for every GET of `path` on 127.0.0.1 (404 otherwise), for
/// at most `requests` requests; returns the base URL.
fn serve(path: &'static str, body: &'static str, requests: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let address = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let Ok(mut stream) = stream else { continue };
            let mut buffer = [0u8; 4096];
            let read = stream.read(&mut buffer).unwrap_or(0);
            let request = String::from_utf8_lossy(&buffer[..read]);
            let wanted = request.split_whitespace().nth(1).unwrap_or_default().to_owned();
            let (status, reply) = if wanted == path { ("200 OK", body) } else { ("404 Not Found", "") };
            let response = format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}", reply.len());
            let _ = stream.write_all(response.as_bytes());
        }
    });
    format!("http://{address}")
}

#[test]
fn remote_locations_are_fetched_once_and_cached() {
    let schema = r#"{"type": "object", "properties": {"spec": {"type": "object", "properties": {"size": {"type": "integer"}}}}}"#;
    // One request: the server is gone after the first run.
    let base = serve("/example.com/widget_v1.json", schema, 1);
    let cache = tempfile::tempdir().expect("temp dir");
    let options = SchemaOptions {
        locations: vec![format!("{base}/{{{{.Group}}}}/{{{{.ResourceKind}}}}_{{{{.ResourceAPIVersion}}}}.json")],
        cache_dir: Some(cache.path().to_path_buf()),
        ..SchemaOptions::default()
    };
    let first = snapshot("remote", options.clone());
    insta::assert_snapshot!(first.replace(&base, "<server>"));
    // The second run is answered by the disk cache.
    std::thread::sleep(std::time::Duration::from_millis(50));
    assert_eq!(snapshot("remote", options), first);
}

#[test]
fn unreachable_remote_locations_say_so() {
    let cache = tempfile::tempdir().expect("temp dir");
    // Nothing listens on the discard port of loopback.
    let options = SchemaOptions {
        locations: vec!["http://127.0.0.1:9/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json".to_owned()],
        cache_dir: Some(cache.path().to_path_buf()),
        ..SchemaOptions::default()
    };
    let findings = validate("remote", options);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].rule, "schema/unknown-kind");
    assert!(findings[0].message.contains("could not be asked"), "{}", findings[0].message);
    assert!(findings[0].message.contains("offline by default"), "{}", findings[0].message);
}

#[test]
fn a_single_file_location_covers_the_kinds_it_names() {
    // A CRD file: its kinds are known by name.
    let crd = fixture("crd-source/crd.yaml").display().to_string();
    let findings = validate("unknown-kind", SchemaOptions { locations: vec![crd], ..SchemaOptions::default() });
    let widget: Vec<&Finding> = findings.iter().filter(|f| f.object.as_deref() == Some("Widget/default/gizmo")).collect();
    assert_eq!(widget.len(), 1, "{}", render(&findings));
    assert_eq!(widget[0].rule, "schema/type", "{}", render(&findings));
    // A plain JSON Schema without template variables names no kind: it is
    // not applied to every object.
    let plain = fixture("schema-location/catalog/example.com/widget_v1.json").display().to_string();
    let findings = validate("unknown-kind", SchemaOptions { locations: vec![plain], ..SchemaOptions::default() });
    let widget: Vec<&Finding> = findings.iter().filter(|f| f.object.as_deref() == Some("Widget/default/gizmo")).collect();
    assert_eq!(widget.len(), 1);
    assert_eq!(widget[0].rule, "schema/unknown-kind");
}
