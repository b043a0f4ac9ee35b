//! `anton validate`: every structural problem of a repository, in one run.
//! The pipeline is `anton_engine::validate`.

use anton_core::{ExitStatus, Report};
use anton_engine::validate::{SchemaOptions, ValidateOptions};

use crate::cli::{GlobalArgs, SchemaArgs, ValidateArgs};
use crate::commands::{RepositorySources, emit, emit_with, lint};

const TITLE: &str = "anton validate";

pub fn run(args: &ValidateArgs, global: &GlobalArgs) -> ExitStatus {
    let options = ValidateOptions {
        path: args.path.clone(),
        rules: args.lint.rule_options(),
        schemas: schema_options(&args.schema),
        verbose: global.verbose,
        exiting: true,
    };
    let validated = anton_engine::validate(&options);
    let Some(repo) = &validated.repository else {
        return emit(&validated.report, global, TITLE, None);
    };
    let sources = RepositorySources::new(repo);
    if let Err(message) = lint::write_output_files(&validated.report, &args.lint.output_files, TITLE, &sources) {
        return emit(&Report::tool_error(message), global, TITLE, None);
    }
    let status = emit_with(&validated.report, global, TITLE, &sources);
    // The process ends here: freeing every tree of a large repository one by
    // one would only delay the exit.
    drop(sources);
    std::mem::forget(validated);
    status
}

/// The engine's schema options from the flags.
pub fn schema_options(args: &SchemaArgs) -> SchemaOptions {
    SchemaOptions {
        kubernetes_version: args.kubernetes_version.clone(),
        locations: args.schema_locations.clone(),
        strict_kinds: args.strict_kinds,
        skip: args.no_schemas,
    }
}
