//! The two ways to run: the dashboard (a terminal in raw mode, keys and
//! watch updates in one `select!` loop, redrawn only when something changed
//! plus once a second for the ages) and the NDJSON event stream.

use std::io::Write;
use std::time::Duration;

use anton_health::FluxKind;
use anton_health::flux::RECONCILE_REQUEST_ANNOTATION;
use anton_kube::flux_ops::{self, Target};
use anton_kube::{Cluster, Served};
use crossterm::event::{Event, EventStream, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use futures::StreamExt;
use k8s_openapi::jiff::Timestamp;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

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

fn start_feed(watch: &Cluster, served: &Served, options: &Options) -> (Model, tokio::sync::mpsc::UnboundedReceiver<Update>, UnboundedSender<Update>) {
    let (tx, rx) = unbounded_channel();
    let streams = crate::feed::spawn(&watch.client(), served, options.namespace.as_deref(), &tx);
    (Model::new(&streams), rx, tx)
}

fn deadline(options: &Options) -> tokio::time::Instant {
    // Far enough to mean "never" without overflowing the clock.
    let forever = Duration::from_secs(100 * 365 * 86_400);
    tokio::time::Instant::now() + options.timeout.unwrap_or(forever)
}

/// The dashboard, until `q` (or `--timeout`). The terminal is restored on
/// the way out, and by ratatui's panic hook if anything panics.
pub async fn dashboard(cluster: &Cluster, watch: &Cluster, served: &Served, options: &Options) -> Result<(), String> {
    let (mut model, mut rx, tx) = start_feed(watch, served, options);
    let who = match cluster.context() {
        Some(context) => format!("{context} @ {}", cluster.server()),
        None => cluster.server().to_owned(),
    };
    let mut view = View::new(who, options.color);
    let mut terminal = ratatui::try_init().map_err(|e| {
        // Raw mode may be on already when entering the alternate screen failed.
        ratatui::restore();
        format!("cannot set up the terminal: {e}")
    })?;
    let result = async {
        let mut keys = EventStream::new();
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
                update = rx.recv() => {
                    let Some(update) = update else { return Ok(()) };
                    let now = Timestamp::now();
                    model.apply(update, now);
                    // A list arrives as thousands of updates: draw once for all that are queued.
                    while let Ok(update) = rx.try_recv() {
                        model.apply(update, now);
                    }
                    dirty = true;
                }
                event = keys.next() => match event {
                    Some(Ok(Event::Key(key))) if key.kind == KeyEventKind::Press => {
                        match handle_key(key, &model, &mut view) {
                            KeyOutcome::Quit => return Ok(()),
                            KeyOutcome::Redraw => {}
                            KeyOutcome::Act(action) => {
                                let (cluster, served, tx) = (cluster.clone(), served.clone(), tx.clone());
                                tokio::spawn(async move {
                                    let _ = tx.send(Update::Log(act(cluster, served, action).await));
                                });
                            }
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
    .await;
    ratatui::restore();
    result
}

/// `--events`: one JSON object per transition on `out`, flushed per line.
/// Losing the API server and getting it back are notes on `notes`
/// (stderr), so stdout stays pure NDJSON.
pub async fn events(watch: &Cluster, served: &Served, options: &Options, out: &mut dyn Write, notes: &mut dyn Write) -> Result<(), String> {
    let (mut model, mut rx, _tx) = start_feed(watch, served, options);
    let end = tokio::time::sleep_until(deadline(options));
    tokio::pin!(end);
    let mut reconnecting = false;
    let mut synced = false;
    loop {
        let update = tokio::select! {
            update = rx.recv() => update,
            () = &mut end => return Ok(()),
        };
        let Some(update) = update else { return Ok(()) };
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
}
