//! `anton schemas pull`: the live cluster's OpenAPI v3 documents and CRD
//! schemas, saved where offline validation (`--schema-location`) reads them.

use std::path::PathBuf;

use anton_core::{ExitStatus, Report};
use anton_kube::Cluster;
use anton_kube::schemas::{default_schema_dir, pull};
use clap::{Args, Subcommand};
use serde_json::json;

use crate::cli::{GlobalArgs, OutputFormat};
use crate::commands::emit;
use crate::commands::live::{KubeArgs, Paint, live_error};

const TITLE: &str = "anton schemas pull";

#[derive(Debug, Args)]
pub struct SchemasArgs {
    #[command(subcommand)]
    pub command: SchemasCommand,
}

#[derive(Debug, Subcommand)]
pub enum SchemasCommand {
    /// Save the cluster's OpenAPI v3 and every CRD's schema for offline validation.
    #[command(after_help = PULL_HELP)]
    Pull(PullArgs),
}

const PULL_HELP: &str = "\
Examples:
  anton schemas pull                         # current context, into the schema cache
  anton schemas pull --context anton
  anton schemas pull --output ./schemas      # then: anton validate --schema-location ./schemas

Where: --output DIR, else $XDG_CACHE_HOME/anton/schemas/<cluster-host>/ (~/.cache/... without
XDG_CACHE_HOME); <cluster-host> is the API server's host and port, e.g. 192.168.1.97_6443.

Layout (replaced on every pull):
  index.json                               server, context, kubernetesVersion, pulledAt, and every
                                           file with its group/version/kind
  openapi/v3/index.json                    GET /openapi/v3 (the discovery document)
  openapi/v3/api/v1.json                   GET /openapi/v3/api/v1
  openapi/v3/apis/<group>/<version>.json   GET /openapi/v3/apis/<group>/<version> (CRDs included)
  crds/<crd-name>.json                     each CustomResourceDefinition, every version's
                                           openAPIV3Schema, managedFields dropped

The OpenAPI documents are stored exactly as served; kinds are found by their
x-kubernetes-group-version-kind and $refs resolve within each document.";

#[derive(Debug, Args)]
pub struct PullArgs {
    /// Folder to write to. Default: the schema cache folder of this cluster (see below).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub kube: KubeArgs,
}

pub fn run(args: &SchemasArgs, global: &GlobalArgs) -> ExitStatus {
    match &args.command {
        SchemasCommand::Pull(pull_args) => run_pull(pull_args, global),
    }
}

fn run_pull(args: &PullArgs, global: &GlobalArgs) -> ExitStatus {
    let options = args.kube.connect_options();
    let output = args.output.clone();
    let result = anton_kube::block_on(async {
        let cluster = Cluster::connect(&options).await?;
        let dir = match output {
            Some(dir) => dir,
            None => default_schema_dir(cluster.server()).ok_or_else(|| {
                anton_kube::LiveError::Config("no cache folder: set XDG_CACHE_HOME or HOME, or pass --output DIR".into())
            })?,
        };
        let summary = pull(&cluster, &dir).await?;
        Ok::<_, anton_kube::LiveError>((cluster, summary))
    });
    let (cluster, summary) = match result {
        Ok(Ok(done)) => done,
        Ok(Err(error)) | Err(error) => return emit(&live_error(&error), global, TITLE, None),
    };
    let findings = summary
        .crds_refused
        .iter()
        .map(|refused| {
            anton_core::Finding::new(
                "schemas/crds-forbidden",
                anton_core::Severity::Warning,
                format!("CRD objects were not saved: {refused}"),
            )
            .hint("the OpenAPI documents still hold the schemas of every served CRD version; use a context that may list customresourcedefinitions for the rest")
        })
        .collect();
    let report = Report::new(Vec::new(), findings).with_detail(
        "schemas",
        json!({
            "dir": summary.dir.display().to_string(),
            "server": cluster.server(),
            "context": cluster.context(),
            "kubernetesVersion": summary.kubernetes_version,
            "openapiDocuments": summary.openapi_documents,
            "crds": summary.crds,
            "crdVersions": summary.crd_schemas,
            "requests": summary.requests,
            "durationMs": (summary.elapsed.as_secs_f64() * 1000.0).round(),
        }),
    );
    if global.output_format() != OutputFormat::Text {
        return emit(&report, global, TITLE, None);
    }
    let paint = Paint::new(global.use_color());
    println!(
        "{} saved {} OpenAPI v3 documents and {} CRDs ({} versions) of {} ({}) to {}",
        paint.good("✔"),
        summary.openapi_documents,
        summary.crds,
        summary.crd_schemas,
        cluster.server(),
        summary.kubernetes_version,
        summary.dir.display()
    );
    if let Some(refused) = &summary.crds_refused {
        println!("{} CRD objects were not saved: {refused}", paint.severity(anton_core::Severity::Warning, "!"));
    }
    if global.verbose {
        println!("{} API requests in {:.1} s", summary.requests, summary.elapsed.as_secs_f64());
    }
    report.exit_status()
}
