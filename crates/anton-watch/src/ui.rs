//! Drawing the dashboard from the [`Model`] and the [`View`] (focus,
//! selection, filter, dialogs). Pure apart from the frame it draws on, so a
//! `TestBackend` renders exactly what a terminal shows.

use anton_health::util::{age, human_duration};
use k8s_openapi::jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row as TableRow, Table, TableState, Wrap};

use crate::model::{Connection, Key, Level, Model, Pane, Row};

/// A write the user asked for and has to confirm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Reconcile(Key),
    Suspend(Key),
    Resume(Key),
}

impl Action {
    pub fn key(&self) -> &Key {
        match self {
            Action::Reconcile(k) | Action::Suspend(k) | Action::Resume(k) => k,
        }
    }

    /// `Reconcile Kustomization flux-system/apps`.
    pub fn describe(&self) -> String {
        let verb = match self {
            Action::Reconcile(_) => "Reconcile",
            Action::Suspend(_) => "Suspend",
            Action::Resume(_) => "Resume",
        };
        format!("{verb} {} {}", self.key().kind, self.key().path())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing the `/` filter.
    Filter,
    /// The `enter` view of one object.
    Details(Key),
    /// Waiting for `y` (anything else cancels).
    Confirm(Action),
}

/// What the user is looking at.
#[derive(Debug)]
pub struct View {
    pub focus: Pane,
    pub selected: [Option<Key>; 3],
    tables: [TableState; 3],
    pub filter: String,
    pub mode: Mode,
    pub color: bool,
    /// `admin @ https://127.0.0.1:6443`.
    pub cluster: String,
    /// A one-line answer to the last key (`select a Flux object first`).
    pub notice: Option<String>,
}

impl View {
    pub fn new(cluster: impl Into<String>, color: bool) -> Self {
        Self {
            focus: Pane::Flux,
            selected: [None, None, None],
            tables: [TableState::default(), TableState::default(), TableState::default()],
            filter: String::new(),
            mode: Mode::Normal,
            color,
            cluster: cluster.into(),
            notice: None,
        }
    }

    fn index(pane: Pane) -> usize {
        Pane::ALL.iter().position(|p| *p == pane).unwrap_or(0)
    }

    /// The selected row of the focused pane, if it is still there.
    pub fn selection<'m>(&self, model: &'m Model) -> Option<&'m Row> {
        let rows = model.pane_rows(self.focus, &self.filter);
        let key = self.selected[View::index(self.focus)].as_ref();
        key.and_then(|k| rows.iter().find(|r| &r.key == k).copied()).or_else(|| rows.first().copied())
    }

    /// Moves the selection of the focused pane by `delta` rows.
    pub fn move_selection(&mut self, model: &Model, delta: isize) {
        let rows = model.pane_rows(self.focus, &self.filter);
        if rows.is_empty() {
            return;
        }
        let current = self.selection(model).and_then(|s| rows.iter().position(|r| r.key == s.key)).unwrap_or(0);
        let last = rows.len() as isize - 1;
        let next = (current as isize + delta).clamp(0, last) as usize;
        self.selected[View::index(self.focus)] = Some(rows[next].key.clone());
    }

    pub fn next_pane(&mut self, forward: bool) {
        let i = View::index(self.focus);
        let n = Pane::ALL.len();
        self.focus = Pane::ALL[if forward { (i + 1) % n } else { (i + n - 1) % n }];
    }

    fn style(&self, color: Color) -> Style {
        if self.color { Style::default().fg(color) } else { Style::default() }
    }
}

fn tone(row: &Row) -> Color {
    match row.state.as_str() {
        _ if row.healthy => Color::Green,
        "suspended" => Color::Cyan,
        "reconciling" | "unknown" | "Pending" | "ContainerCreating" | "Terminating" | "HEALTH_WARN" => Color::Yellow,
        _ => Color::Red,
    }
}

fn short_age(now: Timestamp, since: Option<Timestamp>) -> String {
    since.map(|t| human_duration(age(now, t))).unwrap_or_else(|| "-".to_owned())
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, model: &Model, view: &mut View, now: Timestamp) {
    let [header, body, footer] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(4), Constraint::Length(1)]).areas(frame.area());
    let [flux, middle, log] =
        Layout::vertical([Constraint::Percentage(40), Constraint::Percentage(30), Constraint::Percentage(30)]).areas(body);
    let [workloads, storage] = Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(middle);

    draw_header(frame, header, model, view);
    draw_flux(frame, flux, model, view, now);
    draw_workloads(frame, workloads, model, view, now);
    draw_storage(frame, storage, model, view, now);
    draw_log(frame, log, model, view);
    draw_footer(frame, footer, view);
    if let Mode::Details(key) = &view.mode {
        draw_details(frame, model, key, view, now);
    }
}

fn draw_header(frame: &mut Frame, area: Rect, model: &Model, view: &View) {
    let (status, color) = match model.connection() {
        Connection::Live => ("● live".to_owned(), Color::Green),
        Connection::Syncing { listed, total } => (format!("◌ syncing {listed}/{total} streams"), Color::Yellow),
        Connection::Reconnecting { streams, error } => {
            (format!("⟳ reconnecting… ({streams} of the watch streams failed: {error})"), Color::Red)
        }
    };
    let states = model.flux_states();
    let flux_total: usize = states.values().sum();
    let listed: Vec<String> = states.iter().map(|(state, n)| format!("{n} {state}")).collect();
    let (pods, healthy_pods) = model.counts(Pane::Workloads, Some("Pod"));
    let mut spans = vec![
        Span::styled("anton watch", Style::default().add_modifier(Modifier::BOLD)),
        Span::raw(format!("  {}  ", view.cluster)),
        Span::styled(status, view.style(color)),
        Span::raw(format!("  Flux {flux_total}: {}  pods {pods}, {} unhealthy", listed.join(", "), pods - healthy_pods)),
    ];
    if !view.filter.is_empty() && view.mode != Mode::Filter {
        spans.push(Span::raw(format!("  filter: {}", view.filter)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn pane_block(title: String, focused: bool) -> Block<'static> {
    let block = Block::default().borders(Borders::ALL).title(title);
    if focused { block.border_style(Style::default().add_modifier(Modifier::BOLD)).title_style(Style::default().add_modifier(Modifier::BOLD)) } else { block }
}

/// One table widget for every pane: the header, then rows with the state
/// column coloured, the selection in reverse video.
fn draw_table(
    frame: &mut Frame,
    area: Rect,
    view: &mut View,
    pane: Pane,
    title: String,
    header: &[&str],
    widths: &[Constraint],
    rows: &[&Row],
    cells: impl Fn(&Row) -> Vec<String>,
    state_column: usize,
) {
    let focused = view.focus == pane;
    let table_rows: Vec<TableRow> = rows
        .iter()
        .map(|row| {
            let color = tone(row);
            TableRow::new(cells(row).into_iter().enumerate().map(|(i, text)| {
                let cell = Cell::from(text);
                if i == state_column { cell.style(view.style(color)) } else { cell }
            }))
        })
        .collect();
    let header = TableRow::new(header.iter().map(|h| Cell::from(*h))).style(Style::default().add_modifier(Modifier::BOLD));
    let mut table = Table::new(table_rows, widths.to_vec()).header(header).block(pane_block(title, focused)).column_spacing(1);
    if focused {
        table = table.row_highlight_style(Style::default().add_modifier(Modifier::REVERSED));
    }
    let index = View::index(pane);
    let selected = view.selected[index].as_ref().and_then(|k| rows.iter().position(|r| &r.key == k)).or((!rows.is_empty()).then_some(0));
    let state = &mut view.tables[index];
    state.select(if focused { selected } else { None });
    if !focused {
        // Keep the selection in view when the pane gets the focus back.
        *state.offset_mut() = state.offset().min(rows.len().saturating_sub(1));
    }
    frame.render_stateful_widget(table, area, state);
}

fn draw_flux(frame: &mut Frame, area: Rect, model: &Model, view: &mut View, now: Timestamp) {
    let rows = model.pane_rows(Pane::Flux, &view.filter);
    let (total, _) = model.counts(Pane::Flux, None);
    let title = format!(" Flux ({} of {total}) ", rows.len());
    draw_table(
        frame,
        area,
        view,
        Pane::Flux,
        title,
        &["KIND", "NAMESPACE", "NAME", "STATE", "REVISION", "AGE", "MESSAGE"],
        &[
            Constraint::Length(14),
            Constraint::Length(14),
            Constraint::Length(24),
            Constraint::Length(11),
            Constraint::Length(24),
            Constraint::Length(6),
            Constraint::Min(10),
        ],
        &rows,
        |r| vec![r.key.kind.to_owned(), r.key.namespace.clone(), r.key.name.clone(), r.state.clone(), r.revision.clone(), short_age(now, r.since), r.message.clone()],
        3,
    );
}

fn draw_workloads(frame: &mut Frame, area: Rect, model: &Model, view: &mut View, now: Timestamp) {
    let rows = model.pane_rows(Pane::Workloads, &view.filter);
    let (all, healthy) = model.counts(Pane::Workloads, None);
    let title = format!(" Workloads and pods: {} not healthy of {all} ", all - healthy);
    draw_table(
        frame,
        area,
        view,
        Pane::Workloads,
        title,
        &["KIND", "NAMESPACE", "NAME", "STATE", "AGE", "MESSAGE"],
        &[
            Constraint::Length(11),
            Constraint::Length(12),
            Constraint::Length(20),
            Constraint::Length(16),
            Constraint::Length(5),
            Constraint::Min(10),
        ],
        &rows,
        |r| vec![r.key.kind.to_owned(), r.key.namespace.clone(), r.key.name.clone(), r.state.clone(), short_age(now, r.since), r.message.clone()],
        3,
    );
}

fn draw_storage(frame: &mut Frame, area: Rect, model: &Model, view: &mut View, now: Timestamp) {
    let rows = model.pane_rows(Pane::Storage, &view.filter);
    let (claims, bound) = model.counts(Pane::Storage, Some("PersistentVolumeClaim"));
    let (ceph, _) = model.counts(Pane::Storage, Some("CephCluster"));
    let ceph = if ceph == 0 { String::new() } else { format!(", {ceph} CephCluster") };
    let title = format!(" Storage: {bound} of {claims} PVCs bound{ceph} ");
    draw_table(
        frame,
        area,
        view,
        Pane::Storage,
        title,
        &["KIND", "NAME", "STATE", "AGE", "MESSAGE"],
        &[Constraint::Length(11), Constraint::Length(20), Constraint::Length(11), Constraint::Length(5), Constraint::Min(8)],
        &rows,
        |r| {
            let kind = if r.key.kind == "PersistentVolumeClaim" { "PVC" } else { r.key.kind };
            vec![kind.to_owned(), r.key.path(), r.state.clone(), short_age(now, r.since), r.message.clone()]
        },
        2,
    );
}

fn draw_log(frame: &mut Frame, area: Rect, model: &Model, view: &View) {
    let height = area.height.saturating_sub(2) as usize;
    let entries = model.log();
    let lines: Vec<Line> = entries
        .iter()
        .skip(entries.len().saturating_sub(height))
        .map(|entry| {
            let time = entry.time.to_string();
            let clock = time.get(11..19).unwrap_or(&time).to_owned();
            let color = match entry.level {
                Level::Good => Color::Green,
                Level::Bad => Color::Red,
                Level::Info => Color::Reset,
            };
            Line::from(vec![Span::raw(format!("{clock} ")), Span::styled(entry.text.clone(), view.style(color))])
        })
        .collect();
    let block = Block::default().borders(Borders::ALL).title(" Log: transitions and Warning events (UTC) ");
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn draw_footer(frame: &mut Frame, area: Rect, view: &View) {
    let line = match &view.mode {
        Mode::Filter => Line::from(vec![
            Span::styled("/", Style::default().add_modifier(Modifier::BOLD)),
            Span::raw(format!("{}█", view.filter)),
            Span::raw("   enter keep · esc clear"),
        ]),
        Mode::Confirm(action) => Line::from(Span::styled(
            format!("{}? y to confirm, any other key cancels", action.describe()),
            Style::default().add_modifier(Modifier::BOLD),
        )),
        Mode::Details(_) => Line::from("esc/enter close · q quit"),
        Mode::Normal => {
            let keys = "↑↓/jk move · tab pane · / filter · enter details · r reconcile · s suspend/resume · q quit";
            match &view.notice {
                Some(notice) => Line::from(vec![Span::styled(notice.clone(), Style::default().add_modifier(Modifier::BOLD)), Span::raw(format!("   {keys}"))]),
                None => Line::from(keys),
            }
        }
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn draw_details(frame: &mut Frame, model: &Model, key: &Key, view: &View, now: Timestamp) {
    let area = frame.area();
    let width = area.width.saturating_sub(8).min(120);
    let height = area.height.saturating_sub(6).min(24);
    let popup = Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height };
    let mut lines: Vec<Line> = Vec::new();
    match model.row(key) {
        Some(row) => {
            lines.push(Line::from(vec![
                Span::styled("state: ", Style::default().add_modifier(Modifier::BOLD)),
                Span::styled(row.state.clone(), view.style(tone(row))),
                Span::raw(format!(" for {}", short_age(now, row.since))),
            ]));
            if !row.message.is_empty() {
                lines.push(Line::from(format!("message: {}", row.message)));
            }
            for (label, text) in &row.details {
                lines.push(Line::from(vec![
                    Span::styled(format!("{label}: "), Style::default().add_modifier(Modifier::BOLD)),
                    Span::raw(text.clone()),
                ]));
            }
        }
        None => lines.push(Line::from("deleted")),
    }
    let block = Block::default().borders(Borders::ALL).title(format!(" {} {} ", key.kind, key.path()));
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), popup);
}

#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use serde_json::json;

    use super::*;
    use crate::model::{LogEntry, Update};
    use crate::rows;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    const NOW: &str = "2026-12-06T12:00:00Z";

    fn flux(kind: &str, ns: &str, name: &str, ready: &str, reason: &str, message: &str, suspend: bool) -> Row {
        let group = match kind {
            "Kustomization" => "kustomize.toolkit.fluxcd.io/v1",
            "HelmRelease" => "helm.toolkit.fluxcd.io/v2",
            _ => "source.toolkit.fluxcd.io/v1",
        };
        rows::flux_row(&json!({
            "apiVersion": group, "kind": kind,
            "metadata": {"name": name, "namespace": ns, "creationTimestamp": "2026-12-01T00:00:00Z"},
            "spec": {"suspend": suspend},
            "status": {
                "lastAppliedRevision": "main@sha1:0123456789abcdef",
                "artifact": {"revision": "main@sha1:0123456789abcdef"},
                "history": [{"chartVersion": "1.2.3"}],
                "conditions": [{"type": "Ready", "status": ready, "reason": reason, "message": message,
                                "lastTransitionTime": "2026-12-06T11:55:00Z"}]
            }
        }))
        .unwrap()
    }

    /// A small cluster with something wrong in every pane, listed.
    fn model() -> Model {
        let mut model = Model::new(&["Kustomization", "HelmRelease", "GitRepository", "Pod", "Deployment", "PersistentVolumeClaim", "CephCluster"]);
        let mut rows = vec![
            flux("GitRepository", "flux-system", "home-ops", "True", "Succeeded", "stored artifact for revision 'main@sha1:0123456789abcdef'", false),
            flux("Kustomization", "flux-system", "cluster-apps", "True", "ReconciliationSucceeded", "Applied revision: main@sha1:0123456789abcdef", false),
            flux("Kustomization", "flux-system", "media", "False", "BuildFailed", "kustomize build failed: accumulating resources: missing.yaml", false),
            flux("HelmRelease", "media", "plex", "True", "UpgradeSucceeded", "Helm upgrade succeeded", true),
            flux("HelmRelease", "database", "postgres", "Unknown", "Progressing", "Running 'upgrade' action with timeout of 5m0s", false),
        ];
        let pod: k8s_openapi::api::core::v1::Pod = serde_json::from_value(json!({
            "metadata": {"name": "sonarr-7d9f", "namespace": "media", "creationTimestamp": "2026-12-06T10:00:00Z"},
            "status": {"phase": "Running", "containerStatuses": [{"name": "app", "ready": false, "restartCount": 12, "image": "x", "imageID": "",
                "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}}}]}
        }))
        .unwrap();
        rows.push(rows::pod_row(&pod));
        let deployment: k8s_openapi::api::apps::v1::Deployment = serde_json::from_value(json!({
            "metadata": {"name": "sonarr", "namespace": "media", "creationTimestamp": "2026-12-01T00:00:00Z"},
            "spec": {"replicas": 1, "selector": {}, "template": {}},
            "status": {"replicas": 1, "readyReplicas": 0, "conditions": [{"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable", "message": "Deployment does not have minimum availability."}]}
        }))
        .unwrap();
        rows.push(rows::deployment_row(&deployment));
        let claim: k8s_openapi::api::core::v1::PersistentVolumeClaim = serde_json::from_value(json!({
            "metadata": {"name": "config-sonarr", "namespace": "media", "creationTimestamp": "2026-12-06T11:50:00Z"},
            "spec": {"storageClassName": "ceph-block", "resources": {"requests": {"storage": "5Gi"}}}, "status": {"phase": "Pending"}
        }))
        .unwrap();
        rows.push(rows::claim_row(&claim));
        rows.push(
            rows::ceph_row(&json!({"metadata": {"name": "rook-ceph", "namespace": "rook-ceph", "creationTimestamp": "2026-11-01T00:00:00Z"},
                "status": {"phase": "Ready", "ceph": {"health": "HEALTH_WARN", "lastChanged": "2026-12-06T11:00:00Z",
                    "details": {"OSD_DOWN": {"message": "1 osds down", "severity": "HEALTH_WARN"}}}}}))
            .unwrap(),
        );
        for stream in ["Kustomization", "HelmRelease", "GitRepository", "Pod", "Deployment", "PersistentVolumeClaim", "CephCluster"] {
            model.apply(Update::Relist(stream), at(NOW));
        }
        for row in rows {
            model.apply(Update::Upsert(row), at(NOW));
        }
        for stream in ["Kustomization", "HelmRelease", "GitRepository", "Pod", "Deployment", "PersistentVolumeClaim", "CephCluster"] {
            model.apply(Update::Listed(stream), at(NOW));
        }
        model.apply(
            Update::Log(LogEntry { time: at("2026-12-06T11:58:00Z"), level: Level::Bad, text: "Warning BackOff Pod media/sonarr-7d9f: Back-off restarting failed container".into() }),
            at(NOW),
        );
        let failed = flux("Kustomization", "flux-system", "cluster-apps", "False", "HealthCheckFailed", "health check failed after 5m: timeout waiting for: [Deployment/media/sonarr status: 'InProgress']", false);
        model.apply(Update::Upsert(failed), at("2026-12-06T11:59:30Z"));
        model
    }

    fn render(model: &Model, view: &mut View, width: u16, height: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal.draw(|frame| draw(frame, model, view, at(NOW))).unwrap();
        terminal.backend().to_string()
    }

    #[test]
    fn the_dashboard() {
        let model = model();
        let mut view = View::new("admin @ https://192.168.1.97:6443", false);
        insta::assert_snapshot!(render(&model, &mut view, 160, 48));
    }

    #[test]
    fn a_small_terminal_still_shows_every_pane() {
        let model = model();
        let mut view = View::new("admin @ https://192.168.1.97:6443", false);
        insta::assert_snapshot!(render(&model, &mut view, 80, 24));
    }

    #[test]
    fn details_filter_confirmation_and_reconnecting() {
        let mut model = model();
        let mut view = View::new("admin @ https://192.168.1.97:6443", false);
        view.mode = Mode::Details(Key::new("Kustomization", "flux-system", "media"));
        insta::assert_snapshot!("details", render(&model, &mut view, 160, 48));

        view.mode = Mode::Confirm(Action::Suspend(Key::new("HelmRelease", "database", "postgres")));
        view.filter = "database".into();
        model.apply(Update::Trouble("Pod", "failed to start watching object: connection refused".into()), at(NOW));
        let screen = render(&model, &mut view, 160, 48);
        let lines: Vec<&str> = screen.lines().collect();
        insta::assert_snapshot!("confirm_filtered_reconnecting", lines[..12].join("\n") + "\n" + lines[lines.len() - 1]);
    }
}
