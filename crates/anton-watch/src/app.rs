//! The two ways to run: the dashboard (a terminal in raw mode, keys and
//! watch updates in one `select!` loop, redrawn only when something changed
//! plus once a second for the ages) and the NDJSON event stream. Both end
//! with an error when a watcher task dies ([`Feed::next`]).

use std::io::Write;
use std::time::Duration;

use anton_health::FluxKind;
use anton_health::flux::RECONCILE_REQUEST_ANNOTATION;
use anton_kube::flux_ops::{self, Target};
use anton_kube::{Cluster, Served};
use crossterm::event::{Event, EventStream, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use futures::{Stream, StreamExt};
use k8s_openapi::jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinSet;

use crate::model::{Connection, Level, LogEntry, Model, Pane, Update};
use crate::ui::{self, Action, Mode, View};

/// What both modes take from the command line.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Only this namespace (else every namespace).
    pub namespace: Option<String>,
    /// Colour on the dashboard (`--color`, NO_COLOR).
    pub color: bool,
    /// Stop after this long (else until `q` or the end of stdout).
    pub timeout: Option<Duration>,
}

/// What a key does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyOutcome {
    Redraw,
    Quit,
    Act(Action),
}

/// Applies one key press to the view.
pub fn handle_key(key: KeyEvent, model: &Model, view: &mut View) -> KeyOutcome {
    let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl_c {
        return KeyOutcome::Quit;
    }
    match view.mode.clone() {
        Mode::Filter => match key.code {
            KeyCode::Char(c) => view.filter.push(c),
            KeyCode::Backspace => {
                view.filter.pop();
            }
            KeyCode::Enter => view.mode = Mode::Normal,
            KeyCode::Esc => {
                view.filter.clear();
                view.mode = Mode::Normal;
            }
            _ => {}
        },
        Mode::Confirm(action) => {
            view.mode = Mode::Normal;
            if matches!(key.code, KeyCode::Char('y' | 'Y')) {
                view.notice = Some(format!("{}: requested", action.describe()));
                return KeyOutcome::Act(action);
            }
            view.notice = Some("cancelled".to_owned());
        }
        Mode::Details(_) => match key.code {
            KeyCode::Char('q') => return KeyOutcome::Quit,
            KeyCode::Esc | KeyCode::Enter => view.mode = Mode::Normal,
            _ => {}
        },
        Mode::Normal => {
            view.notice = None;
            match key.code {
                KeyCode::Char('q') => return KeyOutcome::Quit,
                KeyCode::Esc => view.filter.clear(),
                KeyCode::Up | KeyCode::Char('k') => view.move_selection(model, -1),
                KeyCode::Down | KeyCode::Char('j') => view.move_selection(model, 1),
                KeyCode::PageUp => view.move_selection(model, -10),
                KeyCode::PageDown => view.move_selection(model, 10),
                KeyCode::Home | KeyCode::Char('g') => view.move_selection(model, isize::MIN / 2),
                KeyCode::End | KeyCode::Char('G') => view.move_selection(model, isize::MAX / 2),
                KeyCode::Tab => view.next_pane(true),
                KeyCode::BackTab => view.next_pane(false),
                KeyCode::Char('/') => view.mode = Mode::Filter,
                KeyCode::Enter => {
                    if let Some(row) = view.selection(model) {
                        view.mode = Mode::Details(row.key.clone());
                    }
                }
                KeyCode::Char(c @ ('r' | 's')) => match (view.focus, view.selection(model)) {
                    (Pane::Flux, Some(row)) => {
                        let key = row.key.clone();
                        let suspended = row.state == "suspended";
                        view.mode = match (c, suspended) {
                            ('r', true) => {
                                view.notice = Some(format!("{} {} is suspended: s resumes it", key.kind, key.path()));
                                Mode::Normal
                            }
                            ('r', false) => Mode::Confirm(Action::Reconcile(key)),
                            (_, true) => Mode::Confirm(Action::Resume(key)),
                            (_, false) => Mode::Confirm(Action::Suspend(key)),
                        };
                    }
                    _ => view.notice = Some("r and s act on Flux objects: tab to the Flux pane and select one".to_owned()),
                },
                _ => {}
            }
        }
    }
    KeyOutcome::Redraw
}

/// Runs a confirmed action with the Flux CLI's writes (`anton flux
/// reconcile --no-wait`, `suspend`, `resume --no-wait`); the dashboard then
/// shows the controller's answer as it arrives.
async fn act(cluster: Cluster, served: Served, action: Action) -> LogEntry {
    let key = action.key().clone();
    let Some(kind) = FluxKind::from_kind(key.kind) else {
        return LogEntry { time: Timestamp::now(), level: Level::Bad, text: format!("{} is not a Flux object", key.kind) };
    };
    let target = Target::new(kind, key.namespace.clone(), key.name.clone());
    let what = target.describe();
    let result = async {
        match &action {
            Action::Reconcile(_) => {
                let (_, object) = flux_ops::get(&cluster, &served, &target).await?;
                if object.suspended {
                    return Ok(format!("{what} is suspended; Flux does not reconcile suspended objects (s resumes it)"));
                }
                let token = flux_ops::request_token();
                flux_ops::annotate(&cluster, &served, &target, &[(RECONCILE_REQUEST_ANNOTATION, token.clone())]).await?;
                Ok(format!("► reconcile requested: {what} ({RECONCILE_REQUEST_ANNOTATION}={token})"))
            }
            Action::Suspend(_) => {
                flux_ops::suspend(&cluster, &served, &target, &flux_ops::request_token()).await?;
                Ok(format!("► suspended: {what} (spec.suspend: true)"))
            }
            Action::Resume(_) => {
                flux_ops::resume(&cluster, &served, &target, &flux_ops::request_token()).await?;
                Ok(format!("► resumed: {what} (spec.suspend: false, reconcile requested)"))
            }
        }
    }
    .await;
    match result {
        Ok(text) => LogEntry { time: Timestamp::now(), level: Level::Good, text },
        Err::<_, anton_kube::LiveError>(error) => {
            LogEntry { time: Timestamp::now(), level: Level::Bad, text: crate::rows::clean(&format!("✗ {}: {error}", action.describe())) }
        }
    }
}

/// The watch streams as both loops read them: the updates, and the tasks
/// that send them (kept, so that a task that dies is noticed).
pub struct Feed {
    updates: UnboundedReceiver<Update>,
    /// For the outcomes of dashboard actions; also keeps `updates` open.
    sender: UnboundedSender<Update>,
    tasks: JoinSet<()>,
}

impl Feed {
    /// Starts a watcher per kind; the model knows their streams.
    pub fn start(watch: &Cluster, served: &Served, namespace: Option<&str>) -> (Model, Feed) {
        let (sender, updates) = unbounded_channel();
        let (streams, tasks) = crate::feed::spawn(&watch.client(), served, namespace, &sender);
        (Model::new(&streams), Feed { updates, sender, tasks })
    }

    /// A feed of `tasks` that send on `sender` (whose receiver is `updates`).
    pub fn new(updates: UnboundedReceiver<Update>, sender: UnboundedSender<Update>, tasks: JoinSet<()>) -> Self {
        Self { updates, sender, tasks }
    }

    /// The next update. An error when a watcher task ended: they run until
    /// the receiver is gone, so it panicked, and its part of the screen
    /// (or of `--events`) would silently never change again.
    pub async fn next(&mut self) -> Result<Update, String> {
        tokio::select! {
            update = self.updates.recv() => update.ok_or_else(|| "the watch streams closed".to_owned()),
            Some(ended) = self.tasks.join_next() => Err(stopped(ended)),
        }
    }

    /// An update that is already queued, if any.
    fn try_next(&mut self) -> Option<Update> {
        self.updates.try_recv().ok()
    }
}

fn stopped(ended: Result<(), tokio::task::JoinError>) -> String {
    let why = match ended {
        Ok(()) => "it ended".to_owned(),
        Err(error) if error.is_panic() => {
            let payload = error.into_panic();
            let text = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_owned());
            format!("it panicked: {}", crate::rows::clean(&text))
        }
        Err(error) => format!("it was cancelled: {error}"),
    };
    format!(
        "a watch stream stopped ({why}), so what anton watch shows would no longer change; \
         this is a bug in anton: please report it with this message, then run anton watch again"
    )
}

fn deadline(options: &Options) -> tokio::time::Instant {
    // Far enough to mean "never" without overflowing the clock.
    let forever = Duration::from_secs(100 * 365 * 86_400);
    tokio::time::Instant::now() + options.timeout.unwrap_or(forever)
}

/// The dashboard, until `q` (or `--timeout`), or an error. The terminal is
/// restored on the way out, and by ratatui's panic hook if anything panics.
pub async fn dashboard(cluster: &Cluster, watch: &Cluster, served: &Served, options: &Options) -> Result<(), String> {
    let (model, feed) = Feed::start(watch, served, options.namespace.as_deref());
    let who = match cluster.context() {
        Some(context) => format!("{context} @ {}", cluster.server()),
        None => cluster.server().to_owned(),
    };
    let view = View::new(who, options.color);
    let mut terminal = ratatui::try_init().map_err(|e| {
        // Raw mode may be on already when entering the alternate screen failed.
        ratatui::restore();
        format!("cannot set up the terminal: {e}")
    })?;
    let sender = feed.sender.clone();
    let run_action = |action: Action| {
        let (cluster, served, sender) = (cluster.clone(), served.clone(), sender.clone());
        tokio::spawn(async move {
            let _ = sender.send(Update::Log(act(cluster, served, action).await));
        });
    };
    let result = run_dashboard(&mut terminal, EventStream::new(), model, feed, view, &run_action, options).await;
    ratatui::restore();
    result
}

/// The dashboard's loop: keys and watch updates in one `select!`, redrawn
/// when something changed and once a second for the ages.
pub async fn run_dashboard<B: Backend>(
    terminal: &mut Terminal<B>,
    mut keys: impl Stream<Item = std::io::Result<Event>> + Unpin,
    mut model: Model,
    mut feed: Feed,
    mut view: View,
    act: &dyn Fn(Action),
    options: &Options,
) -> Result<(), String> {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let end = tokio::time::sleep_until(deadline(options));
    tokio::pin!(end);
    let mut dirty = true;
    loop {
        if dirty {
            terminal.draw(|frame| ui::draw(frame, &model, &mut view, Timestamp::now())).map_err(|e| format!("drawing: {e}"))?;
            dirty = false;
        }
        tokio::select! {
            update = feed.next() => {
                let now = Timestamp::now();
                model.apply(update?, now);
                // A list arrives as thousands of updates: draw once for all that are queued.
                while let Some(update) = feed.try_next() {
                    model.apply(update, now);
                }
                dirty = true;
            }
            event = keys.next() => match event {
                Some(Ok(Event::Key(key))) if key.kind == KeyEventKind::Press => {
                    match handle_key(key, &model, &mut view) {
                        KeyOutcome::Quit => return Ok(()),
                        KeyOutcome::Redraw => {}
                        KeyOutcome::Act(action) => act(action),
                    }
                    dirty = true;
                }
                Some(Ok(Event::Resize(..))) => {
                    terminal.autoresize().map_err(|e| format!("resizing: {e}"))?;
                    dirty = true;
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(format!("reading the keyboard: {e}")),
                None => return Ok(()),
            },
            _ = tick.tick() => dirty = true,
            () = &mut end => return Ok(()),
        }
    }
}

/// `--events`: one JSON object per transition and per new Warning event on
/// `out`, flushed per line. Losing the API server and getting it back are
/// notes on `notes` (stderr), so stdout stays pure NDJSON.
pub async fn events(watch: &Cluster, served: &Served, options: &Options, out: &mut dyn Write, notes: &mut dyn Write) -> Result<(), String> {
    let (model, feed) = Feed::start(watch, served, options.namespace.as_deref());
    run_events(model, feed, options, out, notes).await
}

/// The `--events` loop, until `--timeout`, a closed `out`, or an error.
pub async fn run_events(mut model: Model, mut feed: Feed, options: &Options, out: &mut dyn Write, notes: &mut dyn Write) -> Result<(), String> {
    let end = tokio::time::sleep_until(deadline(options));
    tokio::pin!(end);
    let mut reconnecting = false;
    let mut synced = false;
    loop {
        let update = tokio::select! {
            update = feed.next() => update?,
            () = &mut end => return Ok(()),
        };
        for transition in model.apply(update, Timestamp::now()) {
            let line = serde_json::to_string(&transition).map_err(|e| format!("encoding an event: {e}"))?;
            // A closed pipe (`anton watch --events | head`) ends the run.
            if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
                return Ok(());
            }
        }
        match model.connection() {
            Connection::Reconnecting { error, .. } if !reconnecting => {
                reconnecting = true;
                let _ = writeln!(notes, "anton watch: lost the API server ({error}); reconnecting…");
            }
            Connection::Live if reconnecting => {
                reconnecting = false;
                let _ = writeln!(notes, "anton watch: reconnected; watching again from the last resourceVersion");
            }
            Connection::Live if !synced => {
                synced = true;
                let _ = writeln!(notes, "anton watch: listed every stream; printing transitions");
            }
            _ => {}
        }
        let _ = notes.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Key, Row};

    fn model() -> Model {
        let mut model = Model::new(&["Kustomization", "Pod"]);
        let row = |kind: &'static str, name: &str, state: &str, healthy: bool, pane: Pane| Row {
            key: Key::new(kind, "flux-system", name),
            pane,
            state: state.into(),
            healthy,
            revision: String::new(),
            since: None,
            message: String::new(),
            details: Vec::new(),
        };
        for r in [
            row("Kustomization", "apps", "ready", true, Pane::Flux),
            row("Kustomization", "paused", "suspended", false, Pane::Flux),
            row("Pod", "web", "CrashLoopBackOff", false, Pane::Workloads),
        ] {
            model.apply(Update::Upsert(r), Timestamp::UNIX_EPOCH);
        }
        model
    }

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn reconcile_and_suspend_ask_first() {
        let model = model();
        let mut view = View::new("test", false);
        // Problems first: the suspended one is selected, then `apps`.
        assert_eq!(view.selection(&model).unwrap().key.name, "paused");
        assert_eq!(handle_key(press(KeyCode::Char('r')), &model, &mut view), KeyOutcome::Redraw);
        assert_eq!(view.notice.as_deref(), Some("Kustomization flux-system/paused is suspended: s resumes it"));
        handle_key(press(KeyCode::Char('s')), &model, &mut view);
        let resume = Action::Resume(Key::new("Kustomization", "flux-system", "paused"));
        assert_eq!(view.mode, Mode::Confirm(resume.clone()));
        assert_eq!(handle_key(press(KeyCode::Char('y')), &model, &mut view), KeyOutcome::Act(resume));

        handle_key(press(KeyCode::Char('j')), &model, &mut view);
        handle_key(press(KeyCode::Char('r')), &model, &mut view);
        assert_eq!(view.mode, Mode::Confirm(Action::Reconcile(Key::new("Kustomization", "flux-system", "apps"))));
        assert_eq!(handle_key(press(KeyCode::Char('n')), &model, &mut view), KeyOutcome::Redraw);
        assert_eq!((view.mode.clone(), view.notice.as_deref()), (Mode::Normal, Some("cancelled")));
    }

    #[test]
    fn filter_details_panes_and_quit() {
        let model = model();
        let mut view = View::new("test", false);
        for key in [KeyCode::Char('/'), KeyCode::Char('a'), KeyCode::Char('p'), KeyCode::Char('p'), KeyCode::Enter] {
            handle_key(press(key), &model, &mut view);
        }
        assert_eq!((view.filter.as_str(), view.mode.clone()), ("app", Mode::Normal));
        assert_eq!(view.selection(&model).unwrap().key.name, "apps");
        handle_key(press(KeyCode::Enter), &model, &mut view);
        assert_eq!(view.mode, Mode::Details(Key::new("Kustomization", "flux-system", "apps")));
        handle_key(press(KeyCode::Esc), &model, &mut view);
        handle_key(press(KeyCode::Esc), &model, &mut view);
        assert!(view.filter.is_empty());
        handle_key(press(KeyCode::Tab), &model, &mut view);
        assert_eq!(view.focus, Pane::Workloads);
        handle_key(press(KeyCode::Char('s')), &model, &mut view);
        assert_eq!(view.mode, Mode::Normal, "s acts on Flux objects only");
        assert_eq!(handle_key(press(KeyCode::Char('q')), &model, &mut view), KeyOutcome::Quit);
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(handle_key(ctrl_c, &model, &mut view), KeyOutcome::Quit);
    }

    /// A feed whose only watcher sends `updates`, waits a moment (so they
    /// are read first) and panics, as a bug in a watcher task would.
    fn feed_that_panics(updates: Vec<Update>) -> Feed {
        let (sender, receiver) = unbounded_channel();
        let mut tasks = JoinSet::new();
        let tx = sender.clone();
        tasks.spawn(async move {
            for update in updates {
                tx.send(update).unwrap();
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            panic!("injected: the Pod watcher broke");
        });
        tasks.spawn(std::future::pending());
        Feed::new(receiver, sender, tasks)
    }

    fn pod(name: &str, state: &str) -> Update {
        Update::Upsert(Row {
            key: Key::new("Pod", "media", name),
            pane: Pane::Workloads,
            state: state.into(),
            healthy: state == "Running",
            revision: String::new(),
            since: None,
            message: String::new(),
            details: Vec::new(),
        })
    }

    #[tokio::test]
    async fn a_panicking_watcher_ends_the_event_stream() {
        let feed = feed_that_panics(vec![Update::Listed("Pod"), pod("web", "CrashLoopBackOff")]);
        let (mut out, mut notes) = (Vec::new(), Vec::new());
        let options = Options::default();
        let run = run_events(Model::new(&["Pod"]), feed, &options, &mut out, &mut notes);
        let error = tokio::time::timeout(Duration::from_secs(10), run).await.expect("the loop ends").unwrap_err();
        assert!(error.starts_with("a watch stream stopped (it panicked: injected: the Pod watcher broke)"), "{error}");
        assert!(error.contains("please report it"), "{error}");
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains(r#""name":"web","from":null,"to":"CrashLoopBackOff""#), "lines before the panic are printed: {out}");
        assert!(String::from_utf8(notes).unwrap().contains("listed every stream"));
    }

    #[tokio::test]
    async fn a_panicking_watcher_ends_the_dashboard() {
        let mut terminal = Terminal::new(ratatui::backend::TestBackend::new(120, 30)).unwrap();
        let feed = feed_that_panics(vec![Update::Listed("Pod"), pod("web", "CrashLoopBackOff")]);
        let keys = futures::stream::pending::<std::io::Result<Event>>();
        let options = Options::default();
        let run = run_dashboard(&mut terminal, keys, Model::new(&["Pod"]), feed, View::new("test", false), &|_| {}, &options);
        let error = tokio::time::timeout(Duration::from_secs(10), run).await.expect("the loop ends").unwrap_err();
        assert!(error.starts_with("a watch stream stopped (it panicked: injected: the Pod watcher broke)"), "{error}");
        let screen: String = terminal.backend().buffer().content().iter().map(|cell| cell.symbol()).collect();
        assert!(screen.contains("web"), "the dashboard drew the update before the panic: {screen}");
    }

    #[tokio::test]
    async fn warnings_after_the_first_list_are_event_lines() {
        let warning = |name: &str| {
            Update::Warning(crate::model::Warning {
                entry: LogEntry { time: Timestamp::UNIX_EPOCH, level: Level::Bad, text: format!("Warning BackOff Pod media/{name}: …") },
                line: crate::model::Transition {
                    time: Timestamp::UNIX_EPOCH,
                    kind: "Pod".into(),
                    namespace: "media".into(),
                    name: name.into(),
                    from: None,
                    to: Some(crate::model::WARNING.into()),
                    message: "BackOff: Back-off restarting failed container".into(),
                },
            })
        };
        let stream = crate::model::WARNING_STREAM;
        let feed = feed_that_panics(vec![Update::Relist(stream), warning("old"), Update::Listed(stream), warning("new")]);
        let (mut out, mut notes) = (Vec::new(), Vec::new());
        let options = Options::default();
        let run = run_events(Model::new(&[stream]), feed, &options, &mut out, &mut notes);
        let _ = tokio::time::timeout(Duration::from_secs(10), run).await.expect("the loop ends");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"time\":\"1970-01-01T00:00:00Z\",\"kind\":\"Pod\",\"namespace\":\"media\",\"name\":\"new\",\"from\":null,\"to\":\"Warning\",\"message\":\"BackOff: Back-off restarting failed container\"}\n",
            "only the warning after the first list"
        );
    }
}
