//! Schema validation over real repositories: the shared corpora of public
//! Flux repositories (`../shared/corpora` or `$ANTON_CORPORA`; absent on a
//! user's machine, where the test reports a skip; required in CI) and this
//! repository's own `kubernetes/` tree.
//!
//! Objects in these repositories were accepted by real clusters, so a
//! `schema/*` critical finding on them is either a bug in anton or a real
//! defect in the object. The real defects are listed in [`KNOWN_DEFECTS`],
//! each with the reason; anything else fails the test.

use std::path::{Path, PathBuf};

use anton_core::{Finding, Severity};
use anton_kustomize::Engine;
use anton_repo::{LoadOptions, Repository};
use anton_schema::{SchemaOptions, SchemaSet, Target};

/// (corpus, file, rule, JSON path): objects that are really invalid, each
/// with the reason. All are in flux-local's test data, which exercises a
/// tool that renders manifests and never reaches an API server.
const KNOWN_DEFECTS: &[(&str, &str, &str, &str)] = &[
    // Flux Kustomizations without `interval` and `prune`: both are required by
    // the kustomize.toolkit.fluxcd.io/v1 CRD ("spec.interval: Required value").
    ("allenporter__flux-local", "cluster6/cluster/apps.yaml", "schema/required", "`spec.interval`"),
    ("allenporter__flux-local", "cluster6/cluster/apps.yaml", "schema/required", "`spec.prune`"),
    ("allenporter__flux-local", "cluster11/cluster/apps.yaml", "schema/required", "`spec.interval`"),
    ("allenporter__flux-local", "cluster11/cluster/apps.yaml", "schema/required", "`spec.prune`"),
    // A HelmChart without the required `interval`, whose sourceRef has a
    // `namespace` (LocalHelmChartSourceReference has none), and a HelmRelease
    // without the required `interval`.
    ("allenporter__flux-local", "cluster7/flux/apps/ingress-nginx/chart.yaml", "schema/required", "`spec.interval`"),
    ("allenporter__flux-local", "cluster7/flux/apps/ingress-nginx/chart.yaml", "schema/unknown-field", "`spec.sourceRef.namespace`"),
    ("allenporter__flux-local", "cluster7/flux/apps/ingress-nginx/release.yaml", "schema/required", "`spec.interval`"),
    // valuesFrom[].targetPath with `=` and `[backend]`: the helm-controller CRD's
    // pattern allows only `[a-zA-Z0-9_-./\\]` and numeric indexes.
    ("allenporter__flux-local", "cluster8/apps/podinfo.yaml", "schema/format", "`spec.valuesFrom[4].targetPath`"),
    // Pods with initContainers only: `spec.containers` is required ("Required value").
    ("allenporter__flux-local", "cluster8/apps/pods.yaml", "schema/required", "`spec.containers`"),
    ("allenporter__flux-local", "image_error/apps/pods.yaml", "schema/required", "`spec.containers`"),
    // The test's deliberately invalid image reference: an object where a string goes.
    ("allenporter__flux-local", "image_error/apps/pods.yaml", "schema/type", "`spec.initContainers[0].image`"),
    // Secret data must be base64: "secret" is not ("illegal base64 data").
    ("allenporter__flux-local", "repo/cluster-secrets.yaml", "schema/format", "`data.PWD`"),
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn validate(path: &Path) -> (Repository, Vec<Finding>) {
    let (repo, outcome) = validate_outcome(path);
    (repo, outcome.findings)
}

fn validate_outcome(path: &Path) -> (Repository, anton_schema::Outcome) {
    let repo = Repository::load(path, &LoadOptions::default()).expect("loads");
    let mut schemas = SchemaSet::new(&SchemaOptions::default()).expect("options");
    schemas.learn_repository_crds(&repo);
    let findings = {
        let engine = Engine::new(&repo);
        let targets: Vec<Target<'_>> = repo
            .objects
            .iter()
            .filter(|object| !engine.is_patch_file(&repo.files[object.file].path))
            .map(|object| Target { node: repo.node(object), subject: None })
            .collect();
        schemas.validate(&repo, &targets)
    };
    (repo, findings)
}

/// The index of the [`KNOWN_DEFECTS`] entry that explains `finding`.
fn known_defect(corpus: &str, finding: &Finding) -> Option<usize> {
    let file = finding.location.as_ref().map(|l| l.file.as_str()).unwrap_or_default();
    KNOWN_DEFECTS
        .iter()
        .position(|(c, f, rule, path)| *c == corpus && file.ends_with(f) && finding.rule == *rule && finding.message.contains(path))
}

/// The fewest objects the corpora must have checked against a schema (558
/// when this was written): a run that validates next to nothing finds nothing.
const MIN_OBJECTS_VALIDATED: usize = 558;

#[test]
fn corpora_have_no_schema_errors_on_objects_clusters_accepted() {
    let Some(dir) = anton_testenv::needs::corpora() else { return };
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    let mut corpora: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_dir()).collect();
    corpora.sort();
    let mut unexpected = Vec::new();
    let mut explained = vec![false; KNOWN_DEFECTS.len()];
    let mut validated = 0;
    for corpus in corpora {
        let name = corpus.file_name().unwrap().to_string_lossy().into_owned();
        let (_, outcome) = validate_outcome(&corpus);
        let findings = outcome.findings;
        println!("{name}: validated {:?}, unknown kinds {}", outcome.validated, outcome.unknown);
        validated += outcome.validated.values().sum::<usize>();
        let mut per_rule: std::collections::BTreeMap<&str, usize> = Default::default();
        for finding in &findings {
            *per_rule.entry(finding.rule.as_str()).or_default() += 1;
            if finding.severity != Severity::Critical {
                continue;
            }
            match known_defect(&name, finding) {
                Some(index) => explained[index] = true,
                None => unexpected.push(format!("{name}: {}", finding.issue_line())),
            }
        }
        println!("{name}: {per_rule:?}");
    }
    assert!(unexpected.is_empty(), "{} unexpected critical findings:\n{}", unexpected.len(), unexpected.join("\n"));
    let stale: Vec<String> = KNOWN_DEFECTS
        .iter()
        .zip(&explained)
        .filter(|(_, explained)| !**explained)
        .map(|(defect, _)| format!("{defect:?}"))
        .collect();
    assert!(stale.is_empty(), "KNOWN_DEFECTS entries that no finding matches any more (remove them, or find out why anton stopped reporting them):\n{}", stale.join("\n"));
    assert!(validated >= MIN_OBJECTS_VALIDATED, "only {validated} corpus objects were checked against a schema (at least {MIN_OBJECTS_VALIDATED} expected)");
}

#[test]
fn the_bundled_kubernetes_tree_validates_clean() {
    let (_, findings) = validate(&workspace().join("kubernetes"));
    // Kinds without a schema (CRDs the repository does not vendor) are information.
    let problems: Vec<String> =
        findings.iter().filter(|f| f.severity > Severity::Info).map(Finding::issue_line).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
