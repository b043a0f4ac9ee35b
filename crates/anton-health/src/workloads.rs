//! Deployments, StatefulSets and DaemonSets by their status (kstatus rules),
//! Jobs and CronJobs: `workload/progress-deadline`, `workload/unavailable`,
//! `job/failed`, `cronjob/last-run-failed`.

use std::collections::BTreeMap;

use anton_core::{Finding, Severity};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

use crate::config::HealthConfig;
use crate::snapshot::Snapshot;
use crate::util::object_id;

pub fn check_workloads(snapshot: &Snapshot, _now: Timestamp, config: &HealthConfig) -> Vec<Finding> {
    let mut findings = Vec::new();
    // Flux's controllers get flux/controller-unavailable instead.
    let flux_controllers: Vec<(&str, &str)> = snapshot
        .flux
        .iter()
        .filter(|f| f.controllers_listed)
        .flat_map(|f| f.controllers.iter().map(|d| meta(&d.metadata)))
        .collect();
    for deployment in &snapshot.deployments {
        let (ns, name) = meta(&deployment.metadata);
        if flux_controllers.contains(&(ns, name)) {
            continue;
        }
        let object = object_id("Deployment", Some(ns), name);
        let desired = deployment.spec.replicas.unwrap_or(1);
        let status = deployment.status.as_ref();
        let conditions = status.and_then(|s| s.conditions.as_deref()).unwrap_or_default();
        if let Some(progressing) = conditions
            .iter()
            .find(|c| c.type_.as_deref() == Some("Progressing") && c.reason.as_deref() == Some("ProgressDeadlineExceeded"))
        {
            findings.push(
                Finding::new(
                    "workload/progress-deadline",
                    Severity::Critical,
                    format!(
                        "Deployment {ns}/{name} exceeded its progress deadline: {}",
                        progressing.message.as_deref().unwrap_or("the rollout made no progress")
                    ),
                )
                .object(&object)
                .hint(format!("the new pods never became ready: `kubectl -n {ns} describe deployment {name}` and `kubectl -n {ns} get pods`; fix in Git, or roll back")),
            );
        }
        let available = status.and_then(|s| s.available_replicas).unwrap_or(0);
        if let Some(finding) = unavailable(config, "Deployment", ns, name, desired, available, &object) {
            findings.push(finding);
        }
    }
    for set in &snapshot.stateful_sets {
        let (ns, name) = meta(&set.metadata);
        let object = object_id("StatefulSet", Some(ns), name);
        let desired = set.spec.replicas.unwrap_or(1);
        let status = set.status.as_ref();
        // availableReplicas honours minReadySeconds; older servers only set readyReplicas.
        let available = status
            .and_then(|s| s.available_replicas.or(s.ready_replicas))
            .unwrap_or(0);
        if let Some(finding) = unavailable(config, "StatefulSet", ns, name, desired, available, &object) {
            findings.push(finding);
        }
    }
    for set in &snapshot.daemon_sets {
        let (ns, name) = meta(&set.metadata);
        let object = object_id("DaemonSet", Some(ns), name);
        let Some(status) = set.status.as_ref() else { continue };
        let desired = status.desired_number_scheduled;
        let available = status.number_available.unwrap_or(0);
        if let Some(finding) = unavailable(config, "DaemonSet", ns, name, desired, available, &object) {
            findings.push(finding);
        }
    }
    findings.extend(check_jobs(snapshot, config));
    findings
}

fn unavailable(
    config: &HealthConfig,
    kind: &str,
    ns: &str,
    name: &str,
    desired: i32,
    available: i32,
    object: &str,
) -> Option<Finding> {
    if desired <= 0 || available >= desired {
        return None;
    }
    let severity = if available == 0 { Severity::Critical } else { config.weigh(ns, Severity::Warning) };
    let lower = kind.to_ascii_lowercase();
    Some(
        Finding::new(
            "workload/unavailable",
            severity,
            format!("{kind} {ns}/{name} has {available} of {desired} replicas available"),
        )
        .object(object)
        .hint(format!("`kubectl -n {ns} describe {lower} {name}`; `anton health -n {ns}` shows why its pods fail")),
    )
}

fn check_jobs(snapshot: &Snapshot, config: &HealthConfig) -> Vec<Finding> {
    let mut findings = Vec::new();
    // The newest Job of each CronJob decides whether its last run failed;
    // older failed runs are history once a later one ran.
    let mut latest_by_cron: BTreeMap<(String, String), &Job> = BTreeMap::new();
    for job in &snapshot.jobs {
        if let Some(cron) = owner(job, "CronJob") {
            let key = (job.metadata.namespace.clone().unwrap_or_default(), cron.to_owned());
            let newer = latest_by_cron.get(&key).is_none_or(|current| created(job) >= created(current));
            if newer {
                latest_by_cron.insert(key, job);
            }
        }
    }
    for job in &snapshot.jobs {
        if owner(job, "CronJob").is_some() {
            continue;
        }
        let (ns, name) = meta(&job.metadata);
        if let Some(reason) = failed(job) {
            findings.push(
                Finding::new(
                    "job/failed",
                    config.weigh(ns, Severity::Warning),
                    format!("Job {ns}/{name} failed: {reason}"),
                )
                .object(object_id("Job", Some(ns), name))
                .hint(format!("`kubectl -n {ns} logs job/{name}`; delete the Job once understood (Flux recreates it if it is in Git)")),
            );
        }
    }
    for cron in &snapshot.cron_jobs {
        let (ns, name) = meta(&cron.metadata);
        if cron.spec.suspend.unwrap_or(false) {
            continue;
        }
        let Some(job) = latest_by_cron.get(&(ns.to_owned(), name.to_owned())) else { continue };
        if let Some(reason) = failed(job) {
            let job_name = job.metadata.name.as_deref().unwrap_or("");
            findings.push(
                Finding::new(
                    "cronjob/last-run-failed",
                    config.weigh(ns, Severity::Warning),
                    format!("the last run of CronJob {ns}/{name} (Job {job_name}) failed: {reason}"),
                )
                .object(object_id("CronJob", Some(ns), name))
                .hint(format!("`kubectl -n {ns} logs job/{job_name}`; run it again with `kubectl -n {ns} create job --from=cronjob/{name} {name}-manual`")),
            );
        }
    }
    findings
}

fn failed(job: &Job) -> Option<String> {
    let condition = job
        .status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == "Failed" && c.status == "True")?;
    Some(match (&condition.reason, &condition.message) {
        (Some(r), Some(m)) if !m.is_empty() => format!("{r} ({m})"),
        (Some(r), _) => r.clone(),
        (None, Some(m)) => m.clone(),
        (None, None) => "Failed".to_owned(),
    })
}

fn owner<'a>(job: &'a Job, kind: &str) -> Option<&'a str> {
    job.metadata
        .owner_references
        .as_ref()?
        .iter()
        .find(|r| r.kind == kind)
        .map(|r| r.name.as_str())
}

fn created(job: &Job) -> (Option<Timestamp>, &str) {
    (job.metadata.creation_timestamp.as_ref().map(|t| t.0), job.metadata.name.as_deref().unwrap_or(""))
}

pub(crate) fn meta(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> (&str, &str) {
    (meta.namespace.as_deref().unwrap_or(""), meta.name.as_deref().unwrap_or(""))
}

/// Counts per workload kind for the report.
pub fn workload_details(snapshot: &Snapshot) -> Value {
    let deployments_unavailable = snapshot
        .deployments
        .iter()
        .filter(|d| {
            let desired = d.spec.replicas.unwrap_or(1);
            desired > 0 && d.status.as_ref().and_then(|s| s.available_replicas).unwrap_or(0) < desired
        })
        .count();
    json!({
        "deployments": snapshot.deployments.len(),
        "deploymentsUnavailable": deployments_unavailable,
        "statefulSets": snapshot.stateful_sets.len(),
        "daemonSets": snapshot.daemon_sets.len(),
        "jobs": snapshot.jobs.len(),
        "jobsFailed": snapshot.jobs.iter().filter(|j| failed(j).is_some()).count(),
        "cronJobs": snapshot.cron_jobs.len(),
    })
}
