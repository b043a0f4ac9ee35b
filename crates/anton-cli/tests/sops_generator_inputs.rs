//! A secretGenerator's `files` and `envs` that SOPS encrypted — YAML, JSON,
//! dotenv, INI and a binary file's JSON envelope — are encrypted: Flux
//! decrypts them in the cluster. Only the plain `.env` is clear text, and a
//! Flux Kustomization without `spec.decryption` is told about every format.

mod common;

use common::{anton, finding_keys, findings, fixture};

#[test]
fn sops_encrypted_generator_inputs_in_every_format_are_not_clear_text() {
    let repo = fixture("sops-generator-inputs");
    let root = repo.root.to_str().expect("UTF-8 path");
    let run = anton(&repo, &["validate", root, "--json"]);
    let report = run.json();
    common::assert_contract(&report);
    assert_eq!(
        finding_keys(&report),
        ["kubernetes/apps/app/kustomization.yaml:24:5 critical secrets/plaintext-secret"],
        "{report:#}"
    );
    assert_eq!(findings(&report)[0]["object"], "Secret/default/from-plain-dotenv");
    assert_eq!(run.code, 2);

    // Without spec.decryption Flux would apply the ciphertext of all six.
    let ks = repo.path("kubernetes/flux/apps.yaml");
    let text = std::fs::read_to_string(&ks).expect("read apps.yaml");
    let without = text.split("  decryption:").next().expect("text before decryption").to_owned();
    std::fs::write(&ks, without).expect("write apps.yaml");
    let report = anton(&repo, &["validate", root, "--json"]).json();
    let keys = finding_keys(&report);
    assert!(keys.contains(&"kubernetes/flux/apps.yaml:1:1 critical secrets/sops-without-decryption".to_owned()), "{report:#}");
    let message = findings(&report)
        .iter()
        .find(|f| f["rule"] == "secrets/sops-without-decryption")
        .and_then(|f| f["message"].as_str())
        .unwrap_or_default()
        .to_owned();
    assert!(message.starts_with("applies 6 SOPS-encrypted objects"), "{message}");
}
