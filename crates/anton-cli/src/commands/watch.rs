//! `anton watch`: the cluster as it changes (the dashboard), or its
//! transitions as NDJSON (`--events`). The work is in `anton-watch`; this
//! wires the command line to it.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use anton_core::ExitStatus;
use anton_health::util::parse_duration;
use anton_kube::{Cluster, ConnectOptions, LiveError, Runtime};
use clap::Args;

use crate::cli::{GlobalArgs, OutputFormat};
use crate::commands::emit;
use crate::commands::live::{KubeArgs, live_error};

const TITLE: &str = "anton watch";

pub const AFTER_HELP: &str = "\
Examples:
  anton watch                          # the dashboard, every namespace
  anton watch -n media
  anton watch --events | jq -c 'select(.to == \"failed\")'
  anton watch --events --timeout 10m > transitions.ndjson

The dashboard: Flux objects (ready, reconciling, failed, suspended; revision; AGE is how long in
this state; the Ready message), workloads and pods that are not healthy, the CephCluster's health
and PVCs not bound, and a log of transitions and Warning events. Keys: ↑↓ or j/k move, tab
switches pane, / filters every pane, enter shows details, r reconciles and s suspends or resumes
the selected Flux object after a y/n confirmation (the writes of `anton flux reconcile --no-wait`,
`anton flux suspend` and `anton flux resume --no-wait`), q quits. NO_COLOR (or --color never)
turns colour off.

--events prints one JSON object per transition, flushed per line:
  {\"time\": \"…\", \"kind\": \"Kustomization\", \"namespace\": \"flux-system\", \"name\": \"apps\",
   \"from\": \"ready\", \"to\": \"failed\", \"message\": \"…\"}
`from` is null for an object that appeared, `to` null for one deleted. The first list is the
starting point and prints nothing; after that every change of state is a line. When the API
server goes away anton says so on stderr (\"reconnecting…\"), resumes from the last resourceVersion
when it is back, and after a 410 Gone lists again and prints what changed meanwhile.

Everything comes from the API server's watch streams (no polling). Exit codes: 0 after q,
--timeout or a closed pipe (noticed at the next event); 3 when the cluster cannot be reached at the start.";

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Print transitions as NDJSON instead of drawing the dashboard (also `--json`).
    #[arg(long)]
    pub events: bool,
    /// Only this namespace's objects (default: every namespace).
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// Stop after this long, e.g. 10m (default: until q, Ctrl-C or a closed pipe, noticed at the next event).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    #[command(flatten)]
    pub kube: KubeArgs,
}

pub fn run(args: &WatchArgs, global: &GlobalArgs) -> ExitStatus {
    let events = args.events || global.output_format() == OutputFormat::Json;
    if !events && global.output_format() != OutputFormat::Text {
        let error = LiveError::Other("anton watch draws a dashboard, or prints NDJSON with --events; other formats do not apply".into());
        return emit(&live_error(&error), global, TITLE, None);
    }
    let options = args.kube.connect_options();
    // The watches get a client of their own whose read timeout outlasts an
    // idle watch; the writes (r, s) keep the usual request timeout.
    let watch_options =
        ConnectOptions { request_timeout: anton_watch::feed::watch_read_timeout().max(options.request_timeout), ..options.clone() };
    let opened = Runtime::new().and_then(|runtime| {
        let connected = runtime.block_on(async {
            let cluster = Cluster::connect(&options).await?;
            let served = anton_kube::discover(&cluster).await?;
            let watch = Cluster::connect(&watch_options).await?;
            Ok::<_, LiveError>((cluster, served, watch))
        })?;
        Ok((runtime, connected))
    });
    let (runtime, (cluster, served, watch)) = match opened {
        Ok(opened) => opened,
        Err(error) => return emit(&live_error(&error), global, TITLE, None),
    };
    let watch_options = anton_watch::Options { namespace: args.namespace.clone(), color: global.use_color(), timeout: args.timeout };
    let result = if events {
        let (mut out, mut notes) = (super::stdout(), super::stderr());
        runtime.block_on(anton_watch::events(&watch, &served, &watch_options, &mut out, &mut notes))
    } else if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        Err("the dashboard needs a terminal; for scripts and pipes use `anton watch --events`".to_owned())
    } else {
        runtime.block_on(anton_watch::dashboard(&cluster, &watch, &served, &watch_options))
    };
    match result {
        Ok(()) => ExitStatus::Healthy,
        Err(message) => {
            let _ = writeln!(super::stderr(), "error: {message}");
            ExitStatus::ToolError
        }
    }
}
