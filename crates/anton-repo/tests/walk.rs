//! What one walk of a repository finds: manifests to load, and every other
//! file (hidden ones too) with its text, for the rules that read them.

use anton_repo::{LoadOptions, Repository};

fn write(root: &std::path::Path, files: &[(&str, &[u8])]) {
    for (path, bytes) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

#[test]
fn manifests_are_loaded_and_every_other_file_is_listed_with_its_text() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("app/configmap.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"),
            ("app/settings.conf", b"mode = fast\n"),
            ("app/logo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            (".secrets/deploy.key", b"not a real key\n"),
            (".github/workflows/ci.yaml", b"on: push\n"),
            ("chart/Chart.yaml", b"apiVersion: v2\nname: c\nversion: 0.1.0\n"),
            ("chart/templates/deployment.yaml", b"{{- if .Values.enabled }}\nkind: Deployment\n{{- end }}\n"),
            ("ignored/skip.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: skipped\n"),
            (".antonignore", b"ignored/\n"),
        ],
    );
    let repo = Repository::load(dir.path(), &LoadOptions { respect_gitignore: true, root: Some(dir.path().to_path_buf()), ..LoadOptions::default() }).unwrap();
    let loaded: Vec<&str> = repo.files.iter().map(|f| f.path.as_str()).collect();
    // Hidden folders, chart templates and ignored files are not manifests.
    assert_eq!(loaded, ["app/configmap.yaml", "chart/Chart.yaml"]);
    assert_eq!(repo.objects.len(), 1);
    assert!(repo.files[0].text.contains("kind: ConfigMap"), "the loader keeps each manifest's text");
    assert_eq!(
        repo.other_files,
        [".antonignore", ".github/workflows/ci.yaml", ".secrets/deploy.key", "app/logo.png", "app/settings.conf", "chart/templates/deployment.yaml"]
    );
    assert_eq!(repo.other_texts.len(), repo.other_files.len());
    assert_eq!(repo.other_text("app/settings.conf").map(|t| &**t), Some("mode = fast\n"));
    assert_eq!(repo.other_text(".secrets/deploy.key").map(|t| &**t), Some("not a real key\n"));
    assert_eq!(repo.other_text("app/logo.png"), None, "binaries have no text");
    assert_eq!(repo.other_text("app/configmap.yaml"), None, "manifests are files, not other files");
    assert!(repo.exists("app/settings.conf") && repo.exists("app") && !repo.exists("app/missing.conf"));
    // One question for any text the load read (code frames come from here).
    assert!(repo.text("app/configmap.yaml").is_some_and(|t| t.contains("name: a")));
    assert_eq!(repo.text("app/settings.conf"), Some("mode = fast\n"));
    assert_eq!(repo.text("app/logo.png"), None);
    assert_eq!(repo.text("ignored/skip.yaml"), None, "an ignored file was never read");
    // The YAML among the other files is parsed for the secret rules only,
    // the template with its actions blanked (no syntax error).
    let unloaded: Vec<(&str, bool)> = repo.unloaded_yaml.iter().map(|f| (f.path.as_str(), f.has_syntax_error)).collect();
    assert_eq!(unloaded, [(".github/workflows/ci.yaml", false), ("chart/templates/deployment.yaml", false)]);
    assert_eq!(repo.unloaded_yaml[1].documents[0].root.str_at(&["kind"]), Some("Deployment"));
    assert!(repo.unloaded_yaml[1].text.starts_with("{{- if"), "the text is the file as written");
}

#[test]
fn read_file_reads_whole_files_and_stops_at_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let big: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    write(dir.path(), &[("big.bin", &big), ("empty", b"")]);
    assert_eq!(anton_repo::read_file(&dir.path().join("big.bin"), u64::MAX).unwrap(), big);
    assert_eq!(anton_repo::read_file(&dir.path().join("big.bin"), 10).unwrap(), &big[..10]);
    assert!(anton_repo::read_file(&dir.path().join("empty"), u64::MAX).unwrap().is_empty());
    assert!(anton_repo::read_file(&dir.path().join("missing"), u64::MAX).is_err());
}

#[test]
fn texts_of_other_files_are_read_only_when_asked_and_only_when_small_text() {
    let dir = tempfile::tempdir().unwrap();
    let huge = vec![b'a'; anton_repo::MAX_TEXT_BYTES as usize + 1];
    let mut late_binary = vec![b'a'; 10_000];
    late_binary.push(0);
    write(dir.path(), &[("huge.txt", &huge), ("late-nul.txt", &late_binary), ("notes.md", b"# notes\n")]);
    let load = |other_texts| {
        let options = LoadOptions { root: Some(dir.path().to_path_buf()), other_texts, ..LoadOptions::default() };
        Repository::load(dir.path(), &options).unwrap()
    };
    let repo = load(true);
    assert_eq!(repo.other_text("huge.txt"), None, "over the limit");
    // A NUL byte after the first 8 KiB does not make a binary (as git decides).
    assert!(repo.other_text("late-nul.txt").is_some());
    assert_eq!(repo.other_text("notes.md").map(|t| &**t), Some("# notes\n"));
    let repo = load(false);
    assert_eq!(repo.other_files, ["huge.txt", "late-nul.txt", "notes.md"], "listed all the same");
    assert!(repo.other_texts.iter().all(Option::is_none));
}
