//! Pods: `pod/crashloop`, `pod/image-pull`, `pod/config-error`,
//! `pod/oom-killed`, `pod/unschedulable`, `pod/restart-rate`.
//!
//! Restart **rate**, not the lifetime count: a container is only looked at when
//! its last termination (`lastState.terminated.finishedAt`) falls inside
//! `restart_window`. A snapshot holds one termination time per container, so
//! the restarts within the window are estimated from the lifetime average
//! (`restartCount` over the pod's age, scaled to the window, at least 1). A pod
//! that restarted 200 times last month and is quiet now is not reported; one
//! that restarted 4 times since it started 20 minutes ago is.

use anton_core::{Finding, Severity};
use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

use crate::config::HealthConfig;
use crate::snapshot::Snapshot;
use crate::util::{age, human_duration, object_id};
use crate::workloads::meta;

const IMAGE_PULL: [&str; 4] = ["ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull"];
const CONFIG_ERRORS: [&str; 3] = ["CreateContainerConfigError", "CreateContainerError", "RunContainerError"];

pub fn check_pods(snapshot: &Snapshot, now: Timestamp, config: &HealthConfig) -> Vec<Finding> {
    let mut findings = Vec::new();
    for pod in &snapshot.pods {
        let (ns, name) = meta(&pod.metadata);
        let object = object_id("Pod", Some(ns), name);
        let Some(status) = pod.status.as_ref() else { continue };
        let phase = status.phase.as_deref().unwrap_or("");
        if phase == "Succeeded" {
            continue;
        }
        if phase == "Pending"
            && let Some(finding) = unschedulable(pod, ns, name, &object, now, config) {
                findings.push(finding);
            }
        let containers = status
            .init_container_statuses
            .iter()
            .flatten()
            .chain(status.container_statuses.iter().flatten());
        for container in containers {
            findings.extend(check_container(pod, container, ns, name, &object, now, config));
        }
    }
    findings
}

fn check_container(
    pod: &Pod,
    container: &ContainerStatus,
    ns: &str,
    pod_name: &str,
    object: &str,
    now: Timestamp,
    config: &HealthConfig,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let c = &container.name;
    let waiting = container.state.as_ref().and_then(|s| s.waiting.as_ref());
    let waiting_reason = waiting.and_then(|w| w.reason.as_deref()).unwrap_or("");
    let waiting_message = waiting.and_then(|w| w.message.as_deref()).filter(|m| !m.is_empty());
    let last_terminated = container.last_state.as_ref().and_then(|s| s.terminated.as_ref());
    let mut crashlooping = false;

    if waiting_reason == "CrashLoopBackOff" {
        crashlooping = true;
        let last = last_terminated
            .map(|t| {
                let reason = t.reason.as_deref().unwrap_or("Error");
                format!("; last exit: {reason}, code {}", t.exit_code)
            })
            .unwrap_or_default();
        findings.push(
            Finding::new(
                "pod/crashloop",
                config.weigh(ns, Severity::Warning),
                format!(
                    "container {c} of Pod {ns}/{pod_name} is in CrashLoopBackOff ({} restarts{last})",
                    container.restart_count
                ),
            )
            .object(object)
            .hint(format!("`kubectl -n {ns} logs {pod_name} -c {c} --previous`")),
        );
    } else if IMAGE_PULL.contains(&waiting_reason) {
        let image = &container.image;
        findings.push(
            Finding::new(
                "pod/image-pull",
                config.weigh(ns, Severity::Warning),
                format!(
                    "container {c} of Pod {ns}/{pod_name} cannot pull image {image}: {waiting_reason}{}",
                    waiting_message.map(|m| format!(" ({m})")).unwrap_or_default()
                ),
            )
            .object(object)
            .hint(format!("check the image name and tag in Git and the registry credentials: `kubectl -n {ns} describe pod {pod_name}`")),
        );
    } else if CONFIG_ERRORS.contains(&waiting_reason) {
        findings.push(
            Finding::new(
                "pod/config-error",
                config.weigh(ns, Severity::Warning),
                format!(
                    "container {c} of Pod {ns}/{pod_name} cannot start: {waiting_reason}{}",
                    waiting_message.map(|m| format!(" ({m})")).unwrap_or_default()
                ),
            )
            .object(object)
            .hint(format!("usually a missing Secret/ConfigMap or key (is the ExternalSecret synced?): `kubectl -n {ns} describe pod {pod_name}`")),
        );
    }

    let current_terminated = container.state.as_ref().and_then(|s| s.terminated.as_ref());
    let oom = [current_terminated, last_terminated]
        .into_iter()
        .flatten()
        .find(|t| t.reason.as_deref() == Some("OOMKilled"));
    if let Some(terminated) = oom {
        let when = terminated.finished_at.as_ref().map(|t| age(now, t.0));
        if when.is_none_or(|ago| ago <= config.oom_window) {
            let ago = when.map(|d| format!(" {} ago", human_duration(d))).unwrap_or_default();
            findings.push(
                Finding::new(
                    "pod/oom-killed",
                    config.weigh(ns, Severity::Warning),
                    format!("container {c} of Pod {ns}/{pod_name} was OOMKilled{ago}: it hit its memory limit"),
                )
                .object(object)
                .hint(format!(
                    "raise resources.limits.memory of container {c} in Git (see `kubectl -n {ns} describe pod {pod_name}` for the current limit)"
                )),
            );
        }
    }

    if !crashlooping
        && let Some(finding) = restart_rate(pod, container, ns, pod_name, object, now, config) {
            findings.push(finding);
        }
    findings
}

/// Restarts within the window, estimated as described in the module docs.
pub fn estimated_recent_restarts(
    restart_count: i32,
    last_finished: Option<Timestamp>,
    pod_started: Option<Timestamp>,
    now: Timestamp,
    window: std::time::Duration,
) -> u32 {
    let Some(last) = last_finished else { return 0 };
    if restart_count <= 0 || age(now, last) > window {
        return 0;
    }
    let lifetime = pod_started.map(|s| age(now, s)).unwrap_or(window).max(window);
    let share = window.as_secs_f64() / lifetime.as_secs_f64().max(1.0);
    let estimate = (f64::from(restart_count) * share).ceil() as u32;
    estimate.clamp(1, restart_count as u32)
}

fn restart_rate(
    pod: &Pod,
    container: &ContainerStatus,
    ns: &str,
    pod_name: &str,
    object: &str,
    now: Timestamp,
    config: &HealthConfig,
) -> Option<Finding> {
    let last = container.last_state.as_ref()?.terminated.as_ref()?;
    let started = pod
        .status
        .as_ref()
        .and_then(|s| s.start_time.as_ref())
        .or(pod.metadata.creation_timestamp.as_ref())
        .map(|t| t.0);
    let recent = estimated_recent_restarts(
        container.restart_count,
        last.finished_at.as_ref().map(|t| t.0),
        started,
        now,
        config.restart_window,
    );
    if recent < config.restart_threshold {
        return None;
    }
    let c = &container.name;
    let reason = last.reason.as_deref().unwrap_or("Error");
    Some(
        Finding::new(
            "pod/restart-rate",
            config.weigh(ns, Severity::Warning),
            format!(
                "container {c} of Pod {ns}/{pod_name} restarted about {recent} times in the last {} ({} in total; last exit: {reason}, code {})",
                human_duration(config.restart_window),
                container.restart_count,
                last.exit_code
            ),
        )
        .object(object)
        .hint(format!("`kubectl -n {ns} logs {pod_name} -c {c} --previous`")),
    )
}

fn unschedulable(
    pod: &Pod,
    ns: &str,
    name: &str,
    object: &str,
    now: Timestamp,
    config: &HealthConfig,
) -> Option<Finding> {
    let scheduled = pod
        .status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == "PodScheduled" && c.status == "False" && c.reason.as_deref() == Some("Unschedulable"))?;
    let since = scheduled
        .last_transition_time
        .as_ref()
        .or(pod.metadata.creation_timestamp.as_ref())
        .map(|t| age(now, t.0))
        .unwrap_or_default();
    if since < config.unschedulable_grace {
        return None;
    }
    Some(
        Finding::new(
            "pod/unschedulable",
            config.weigh(ns, Severity::Warning),
            format!(
                "Pod {ns}/{name} has been Pending for {}: {}",
                human_duration(since),
                scheduled.message.as_deref().unwrap_or("the scheduler cannot place it")
            ),
        )
        .object(object)
        .hint(format!(
            "`kubectl -n {ns} describe pod {name}`: free or add the resource the scheduler names, or fix the pod's nodeSelector/affinity/tolerations"
        )),
    )
}

/// Pod counts by phase for the report.
pub fn pod_details(snapshot: &Snapshot) -> Value {
    let mut by_phase = serde_json::Map::new();
    for pod in &snapshot.pods {
        let phase = pod.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_else(|| "Unknown".into());
        let entry = by_phase.entry(phase).or_insert(json!(0));
        *entry = json!(entry.as_u64().unwrap_or(0) + 1);
    }
    json!({ "total": snapshot.pods.len(), "byPhase": by_phase })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn restart_rate_ignores_old_restarts() {
        let now = at("2026-11-26T12:00:00Z");
        let hour = Duration::from_secs(3_600);
        // 200 restarts over 30 days, last one two hours ago: quiet now.
        assert_eq!(
            estimated_recent_restarts(200, Some(at("2026-11-26T10:00:00Z")), Some(at("2026-10-27T12:00:00Z")), now, hour),
            0
        );
        // Same history, but it just restarted: about 1 in the last hour.
        assert_eq!(
            estimated_recent_restarts(200, Some(at("2026-11-26T11:55:00Z")), Some(at("2026-10-27T12:00:00Z")), now, hour),
            1
        );
        // Started 20 minutes ago and restarted 4 times: all 4 are recent.
        assert_eq!(
            estimated_recent_restarts(4, Some(at("2026-11-26T11:58:00Z")), Some(at("2026-11-26T11:40:00Z")), now, hour),
            4
        );
        // 12 restarts over 4 hours: about 3 per hour.
        assert_eq!(
            estimated_recent_restarts(12, Some(at("2026-11-26T11:59:00Z")), Some(at("2026-11-26T08:00:00Z")), now, hour),
            3
        );
    }
}
