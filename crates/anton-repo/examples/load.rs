//! Loads a repository and prints what was found: `cargo run --example load -- PATH`.
fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let start = std::time::Instant::now();
    match anton_repo::Repository::load(std::path::Path::new(&path), &Default::default()) {
        Ok(repo) => {
            println!(
                "{} files, {} objects, {} charts, {} findings in {:?}",
                repo.files.len(),
                repo.objects.len(),
                repo.helm_charts.len(),
                repo.findings.len(),
                start.elapsed()
            );
            for finding in &repo.findings {
                println!("{}", finding.issue_line());
            }
        }
        Err(error) => eprintln!("error: {error}"),
    }
}
