//! The workloads `anton network` looks for: the ingress controllers (by the
//! IngressClass they serve), cloudflared, k8s-gateway and external-dns, and
//! the Services of type LoadBalancer in front of them.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment};
use k8s_openapi::api::core::v1::{Container, PodSpec, PodTemplateSpec, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::api::networking::v1::IngressClass;

use super::NetworkSnapshot;
use crate::util::object_id;

/// A Deployment or DaemonSet, seen the same way.
#[derive(Debug, Clone, Copy)]
pub struct Workload<'a> {
    pub kind: &'static str,
    pub namespace: &'a str,
    pub name: &'a str,
    pub labels: Option<&'a BTreeMap<String, String>>,
    pub pod_labels: Option<&'a BTreeMap<String, String>>,
    pub pod: Option<&'a PodSpec>,
    pub desired: i32,
    pub available: i32,
}

impl<'a> Workload<'a> {
    fn of_deployment(d: &'a Deployment) -> Self {
        let available = d.status.as_ref().and_then(|s| s.available_replicas).unwrap_or(0);
        Self::of_parts("Deployment", &d.metadata, &d.spec.template, d.spec.replicas.unwrap_or(1), available)
    }

    fn of_daemon_set(d: &'a DaemonSet) -> Self {
        let desired = d.status.as_ref().map_or(0, |s| s.desired_number_scheduled);
        let available = d.status.as_ref().and_then(|s| s.number_available).unwrap_or(0);
        Self::of_parts("DaemonSet", &d.metadata, &d.spec.template, desired, available)
    }

    fn of_parts(kind: &'static str, meta: &'a ObjectMeta, template: &'a PodTemplateSpec, desired: i32, available: i32) -> Self {
        Workload {
            kind,
            namespace: meta.namespace.as_deref().unwrap_or(""),
            name: meta.name.as_deref().unwrap_or(""),
            labels: meta.labels.as_ref(),
            pod_labels: template.metadata.as_ref().and_then(|m| m.labels.as_ref()),
            pod: template.spec.as_ref(),
            desired,
            available,
        }
    }

    pub fn id(&self) -> String {
        object_id(self.kind, Some(self.namespace), self.name)
    }

    pub fn label(&self, key: &str) -> Option<&'a str> {
        self.labels.and_then(|l| l.get(key)).map(String::as_str)
    }

    pub fn containers(&self) -> impl Iterator<Item = &'a Container> {
        self.pod.into_iter().flat_map(|p| p.containers.iter())
    }

    /// Every argument of every container (`args` and `command`).
    pub fn arguments(&self) -> impl Iterator<Item = &'a str> {
        self.containers()
            .flat_map(|c| c.command.iter().flatten().chain(c.args.iter().flatten()))
            .map(String::as_str)
    }

    /// `available/desired`, and whether that is enough.
    pub fn is_available(&self) -> bool {
        self.available >= self.desired.max(1) || (self.desired == 0 && self.kind == "Deployment")
    }
}

pub fn workloads(snapshot: &NetworkSnapshot) -> Vec<Workload<'_>> {
    let mut out: Vec<Workload> = snapshot.deployments.iter().map(Workload::of_deployment).collect();
    out.extend(snapshot.daemon_sets.iter().map(Workload::of_daemon_set));
    out
}

/// Whether `--flag=value` or `--flag value` is among `args`.
fn has_flag(args: &[&str], flag: &str, value: &str) -> bool {
    args.iter().enumerate().any(|(i, a)| {
        a.strip_prefix(flag).and_then(|rest| rest.strip_prefix('=')) == Some(value)
            || (*a == flag && args.get(i + 1) == Some(&value))
    })
}

/// The workload that serves `class`: ingress-nginx's `--controller-class`
/// or `--ingress-class` argument (or Traefik's
/// `--providers.kubernetesingress.ingressclass`) names it; else a controller
/// labelled with an instance name that contains the class's name; else, for
/// another controller than ingress-nginx, a workload named after its vendor
/// (`traefik` for `traefik.io/ingress-controller`).
pub fn controller_for<'a>(all: &[Workload<'a>], class: &IngressClass) -> Option<Workload<'a>> {
    let name = class.metadata.name.as_deref().unwrap_or("");
    let controller = class.spec.as_ref().and_then(|s| s.controller.as_deref()).unwrap_or("");
    let by_args = all.iter().find(|w| {
        let args: Vec<&str> = w.arguments().collect();
        (!controller.is_empty() && has_flag(&args, "--controller-class", controller))
            || has_flag(&args, "--ingress-class", name)
            || has_flag(&args, "--providers.kubernetesingress.ingressclass", name)
    });
    let by_instance = || {
        all.iter().find(|w| {
            w.label("app.kubernetes.io/component") == Some("controller")
                && (w.label("app.kubernetes.io/instance").is_some_and(|i| i.contains(name)) || w.name.contains(name))
        })
    };
    // "k8s" (ingress-nginx's vendor) would name k8s-gateway: only other vendors.
    let vendor = controller.split('/').next().and_then(|domain| domain.split('.').next()).filter(|v| !v.is_empty() && *v != "k8s");
    let by_vendor = || {
        vendor.and_then(|vendor| {
            all.iter().find(|w| w.label("app.kubernetes.io/name") == Some(vendor) || w.name == vendor || w.name.starts_with(&format!("{vendor}-")))
        })
    };
    by_args.or_else(by_instance).or_else(by_vendor).copied()
}

/// Whether `service` selects the pods of `workload`.
pub fn selects(service: &Service, workload: &Workload) -> bool {
    if service.metadata.namespace.as_deref() != Some(workload.namespace) {
        return false;
    }
    let Some(selector) = service.spec.as_ref().and_then(|s| s.selector.as_ref()).filter(|s| !s.is_empty()) else {
        return false;
    };
    let Some(labels) = workload.pod_labels else { return false };
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

pub fn is_load_balancer(service: &Service) -> bool {
    service.spec.as_ref().and_then(|s| s.type_.as_deref()) == Some("LoadBalancer")
}

/// The addresses in `status.loadBalancer.ingress` (IP, else hostname).
pub fn load_balancer_addresses(service: &Service) -> Vec<String> {
    service
        .status
        .as_ref()
        .and_then(|s| s.load_balancer.as_ref())
        .and_then(|lb| lb.ingress.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|i| i.ip.clone().or_else(|| i.hostname.clone()))
        .collect()
}

/// The LoadBalancer Service in front of `workload`, if any.
pub fn load_balancer_of<'s>(snapshot: &'s NetworkSnapshot, workload: &Workload) -> Option<&'s Service> {
    snapshot.services.iter().find(|s| is_load_balancer(s) && selects(s, workload))
}

/// The apps of the path beyond the ingress: (role, app name).
pub const EDGE_APPS: [(&str, &str); 3] = [("tunnel", "cloudflared"), ("dns", "k8s-gateway"), ("dns", "external-dns")];

/// The workloads of `app` (`cloudflared`, `k8s-gateway`, `external-dns`), by
/// their `app.kubernetes.io/name` label or their name.
pub fn edge_workloads<'a>(all: &[Workload<'a>], app: &str) -> Vec<Workload<'a>> {
    all.iter()
        .filter(|w| {
            w.label("app.kubernetes.io/name") == Some(app)
                || w.label("app") == Some(app)
                || w.name == app
                || w.name.strip_prefix(app).is_some_and(|rest| rest.starts_with('-'))
        })
        .copied()
        .collect()
}

/// cloudflared's metrics port: a container port named `metrics` or
/// `http-metrics`, else the port of its `--metrics HOST:PORT` argument.
pub fn metrics_port(workload: &Workload) -> Option<u16> {
    let named = workload.containers().flat_map(|c| c.ports.iter().flatten()).find(|p| {
        matches!(p.name.as_deref(), Some("metrics" | "http-metrics"))
    });
    if let Some(port) = named {
        return u16::try_from(port.container_port).ok();
    }
    let args: Vec<&str> = workload.arguments().collect();
    let value = args.iter().enumerate().find_map(|(i, a)| {
        a.strip_prefix("--metrics=").or_else(|| (*a == "--metrics").then(|| args.get(i + 1).copied()).flatten())
    })?;
    value.rsplit(':').next()?.parse().ok()
}
