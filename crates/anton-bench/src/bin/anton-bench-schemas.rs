//! `anton-bench-schemas OUT_DIR`: writes anton's built-in schemas (the
//! bundled Kubernetes release and the Flux APIs) into OUT_DIR as a
//! kubeconform schema catalog, one standalone JSON Schema per kind, so that
//! the benchmark runs kubeconform offline against the schemas anton uses:
//!
//! ```sh
//! kubeconform -strict -ignore-missing-schemas \
//!   -schema-location 'OUT_DIR/{{ .ResourceKind }}{{ .KindSuffix }}.json' DIR
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: anton-bench-schemas OUT_DIR";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = match args.as_slice() {
        [flag] if flag == "-h" || flag == "--help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        [out] if !out.starts_with('-') => PathBuf::from(out),
        _ => {
            eprintln!("anton-bench-schemas: {USAGE}");
            return ExitCode::from(2);
        }
    };
    if let Err(error) = std::fs::create_dir_all(&out) {
        eprintln!("anton-bench-schemas: {}: {error}", out.display());
        return ExitCode::FAILURE;
    }
    let catalog = anton_schema::builtin_catalog();
    for entry in &catalog {
        let path = out.join(&entry.file_name);
        if let Err(error) = std::fs::write(&path, entry.schema.to_string()) {
            eprintln!("anton-bench-schemas: {}: {error}", path.display());
            return ExitCode::FAILURE;
        }
    }
    eprintln!("anton-bench-schemas: {} schemas in {}", catalog.len(), out.display());
    ExitCode::SUCCESS
}
