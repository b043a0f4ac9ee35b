//! `anton-bench-gen OUT_DIR --files N [--clusters C] [--seed S]`: writes a
//! synthetic Flux repository of exactly N files into OUT_DIR (which must be
//! empty or absent); with `--clusters C`, a fleet of C clusters in one
//! repository, each running the apps of that N-file repository over shared bases.
//!
//! Keep OUT_DIR outside any git work tree: anton takes the nearest folder
//! with a `.git` as the repository root, and the generated `spec.path`s
//! (`./kubernetes/...`) are relative to OUT_DIR.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anton_bench::{DEFAULT_SEED, Options, generate};

const USAGE: &str = "usage: anton-bench-gen OUT_DIR --files N [--clusters C] [--seed S]";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("anton-bench-gen: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut out: Option<PathBuf> = None;
    let mut files: Option<usize> = None;
    let mut seed = DEFAULT_SEED;
    let mut clusters: Option<usize> = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            "--files" | "-n" => files = Some(number(args.next(), "--files")?),
            "--seed" => seed = number(args.next(), "--seed")?,
            "--clusters" => clusters = Some(number(args.next(), "--clusters")?),
            flag if flag.starts_with('-') => return Err(format!("unknown flag {flag}\n{USAGE}")),
            path if out.is_none() => out = Some(PathBuf::from(path)),
            extra => return Err(format!("unexpected argument {extra}\n{USAGE}")),
        }
    }
    let out = out.ok_or_else(|| format!("OUT_DIR is missing\n{USAGE}"))?;
    let files = files.ok_or_else(|| format!("--files is missing\n{USAGE}"))?;

    if out.exists() {
        let mut entries = std::fs::read_dir(&out).map_err(|e| format!("{}: {e}", out.display()))?;
        if entries.next().is_some() {
            return Err(format!("{}: not empty; remove it or pick another folder", out.display()));
        }
    }
    if let Some(git_root) = enclosing_git_root(&out) {
        eprintln!(
            "anton-bench-gen: warning: {} is inside the git work tree {}; anton will resolve spec.path \
             against that root and report every path as missing. Generate outside it (e.g. under /tmp).",
            out.display(),
            git_root.display()
        );
    }

    let repo = generate(&Options { files, seed, clusters }).map_err(|e| e.to_string())?;
    repo.write_to(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let s = &repo.stats;
    println!(
        "{}: {} files ({} YAML, {} lines), {} cluster{}, {} namespaces, {} apps, {} Flux Kustomizations, \
         {} HelmReleases, {} HelmRepositories, {} kustomization folders",
        out.display(),
        s.files,
        s.yaml_files,
        s.lines,
        s.clusters,
        if s.clusters == 1 { "" } else { "s" },
        s.namespaces,
        s.apps,
        s.flux_kustomizations,
        s.helm_releases,
        s.helm_repositories,
        s.kustomization_dirs
    );
    Ok(())
}

fn number<T: std::str::FromStr>(value: Option<String>, flag: &str) -> Result<T, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
    value.parse().map_err(|_| format!("{flag}: `{value}` is not a number"))
}

fn enclosing_git_root(out: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(out).ok()?;
    absolute.ancestors().find(|dir| dir.join(".git").exists()).map(Path::to_path_buf)
}
