//! Certificates: cert-manager's Certificates (Ready, expiry, renewals),
//! Issuers and ClusterIssuers, and the X.509 certificates in the TLS Secrets
//! Ingresses serve (expiry, and whether their SANs cover the Ingress hosts).

use std::time::Duration;

use anton_core::{Finding, Severity};
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};
use x509_parser::extensions::GeneralName;
use x509_parser::pem::Pem;

use super::ingresses::ingress_id;
use super::{NetworkConfig, NetworkSnapshot, TlsSecret, condition};
use crate::storage::{custom_id, custom_meta};
use crate::util::{human_duration, parse_timestamp};

/// What the leaf certificate of a `tls.crt` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeafCertificate {
    pub not_after: Timestamp,
    pub subject: String,
    pub issuer: String,
    /// DNS names of the subjectAltName extension (the subject's CN when there is none).
    pub dns_names: Vec<String>,
}

/// Parses the first certificate of a PEM bundle.
pub fn parse_leaf(pem_text: &str) -> Result<LeafCertificate, String> {
    let pem = Pem::iter_from_buffer(pem_text.as_bytes())
        .next()
        .ok_or("no PEM block in tls.crt")?
        .map_err(|e| format!("tls.crt is not PEM: {e}"))?;
    if pem.label != "CERTIFICATE" {
        return Err(format!("the first PEM block of tls.crt is a {}, not a CERTIFICATE", pem.label));
    }
    let cert = pem.parse_x509().map_err(|e| format!("tls.crt is not an X.509 certificate: {e}"))?;
    let not_after = Timestamp::from_second(cert.validity().not_after.timestamp()).map_err(|e| format!("notAfter out of range: {e}"))?;
    let mut dns_names: Vec<String> = match cert.subject_alternative_name() {
        Ok(Some(san)) => san
            .value
            .general_names
            .iter()
            .filter_map(|n| match n {
                GeneralName::DNSName(name) => Some(name.to_string()),
                _ => None,
            })
            .collect(),
        Ok(None) => Vec::new(),
        Err(e) => return Err(format!("the subjectAltName extension is invalid: {e}")),
    };
    if dns_names.is_empty() {
        dns_names.extend(cert.subject().iter_common_name().filter_map(|cn| cn.as_str().ok()).map(str::to_owned));
    }
    Ok(LeafCertificate { not_after, subject: cert.subject().to_string(), issuer: cert.issuer().to_string(), dns_names })
}

/// Whether a certificate name covers `host`; a wildcard covers one label.
pub fn covers(name: &str, host: &str) -> bool {
    let (name, host) = (name.to_ascii_lowercase(), host.to_ascii_lowercase());
    if let Some(suffix) = name.strip_prefix("*.") {
        return host.split_once('.').is_some_and(|(first, rest)| !first.is_empty() && rest == suffix);
    }
    name == host
}

/// How long until `not_after`; negative: expired.
fn remaining(now: Timestamp, not_after: Timestamp) -> i64 {
    not_after.as_second() - now.as_second()
}

/// The severity of a certificate expiring at `not_after`, and how to say it.
fn expiry(now: Timestamp, not_after: Timestamp, config: &NetworkConfig) -> Option<(Severity, String)> {
    let left = remaining(now, not_after);
    if left <= 0 {
        return Some((Severity::Critical, format!("expired {} ago ({not_after})", human_duration(Duration::from_secs(left.unsigned_abs())))));
    }
    let left = Duration::from_secs(left as u64);
    let text = format!("expires in {} ({not_after})", human_duration(left));
    if left <= config.cert_critical {
        Some((Severity::Critical, text))
    } else if left <= config.cert_warning {
        Some((Severity::Warning, text))
    } else {
        None
    }
}

fn describe(c: &Value) -> String {
    format!("{}: {}", c["reason"].as_str().unwrap_or("no reason"), c["message"].as_str().unwrap_or("no message"))
}

/// The newest failed CertificateRequest of a Certificate (Ready=False/Failed, Denied or InvalidRequest).
fn failed_request<'s>(snapshot: &'s NetworkSnapshot, certificate: &Value) -> Option<(&'s Value, String)> {
    let (ns, name) = custom_meta(certificate);
    let mut failed: Vec<(&Value, String)> = snapshot
        .certificate_requests
        .iter()
        .flatten()
        .filter(|r| {
            let (rns, _) = custom_meta(r);
            rns == ns && r.pointer("/metadata/annotations/cert-manager.io~1certificate-name").and_then(Value::as_str) == Some(name)
        })
        .filter_map(|r| {
            let denied = condition(r, "Denied").filter(|c| c["status"] == "True");
            let invalid = condition(r, "InvalidRequest").filter(|c| c["status"] == "True");
            let failed = condition(r, "Ready").filter(|c| c["status"] == "False" && c["reason"] == "Failed");
            denied.or(invalid).or(failed).map(|c| (r, describe(c)))
        })
        .collect();
    failed.sort_by_key(|(r, _)| r.pointer("/metadata/creationTimestamp").and_then(Value::as_str).unwrap_or("").to_owned());
    failed.pop()
}

/// `certificate/not-ready`, `certificate/expiring`, `certificate/renewal-failing`, `issuer/not-ready`.
pub fn check_certificates(snapshot: &NetworkSnapshot, now: Timestamp, config: &NetworkConfig) -> Vec<Finding> {
    let mut findings = Vec::new();
    for certificate in snapshot.certificates.iter().flatten() {
        let id = custom_id(certificate);
        let (ns, name) = custom_meta(certificate);
        let ready = condition(certificate, "Ready");
        match ready {
            Some(c) if c["status"] == "True" => {}
            Some(c) => findings.push(
                Finding::new("certificate/not-ready", Severity::Critical, format!("Certificate {ns}/{name} is not Ready ({})", describe(c)))
                    .object(id.clone())
                    .hint(format!("kubectl -n {ns} describe certificate {name}; then `cmctl status certificate {name} -n {ns}`")),
            ),
            None => findings.push(
                Finding::new("certificate/not-ready", Severity::Warning, format!("Certificate {ns}/{name} has no Ready condition yet: cert-manager has not processed it"))
                    .object(id.clone())
                    .hint("is cert-manager running? `kubectl -n cert-manager get pods`"),
            ),
        }
        let not_after = certificate.pointer("/status/notAfter").and_then(Value::as_str).and_then(parse_timestamp);
        let expiring = not_after.and_then(|at| expiry(now, at, config));
        if let Some((severity, text)) = &expiring {
            findings.push(
                Finding::new("certificate/expiring", *severity, format!("Certificate {ns}/{name} {text}"))
                    .object(id.clone())
                    .hint("cert-manager renews at status.renewalTime; past it, a renewal is failing: look at its CertificateRequests (`kubectl -n NS get certificaterequests`)"),
            );
        }
        let issuing = condition(certificate, "Issuing").filter(|c| c["status"] == "False" && c["reason"] == "Failed");
        let last_failure = certificate.pointer("/status/lastFailureTime").and_then(Value::as_str);
        let request = failed_request(snapshot, certificate);
        if issuing.is_some() || last_failure.is_some() || request.is_some() {
            let mut parts = Vec::new();
            if let Some(c) = issuing {
                parts.push(format!("Issuing=False ({})", describe(c)));
            }
            if let Some(at) = last_failure {
                let attempts = certificate.pointer("/status/failedIssuanceAttempts").and_then(Value::as_u64).unwrap_or(1);
                parts.push(format!("{attempts} failed attempt(s), the last at {at}"));
            }
            if let Some((r, why)) = &request {
                parts.push(format!("CertificateRequest {} failed ({why})", custom_meta(r).1));
            }
            let severity = if ready.is_some_and(|c| c["status"] != "True") || expiring.is_some_and(|(s, _)| s == Severity::Critical) {
                Severity::Critical
            } else {
                Severity::Warning
            };
            findings.push(
                Finding::new("certificate/renewal-failing", severity, format!("Certificate {ns}/{name} cannot be issued: {}", parts.join("; ")))
                    .object(id.clone())
                    .hint(format!("kubectl -n {ns} describe certificaterequests; fix the issuer or the solver, then `cmctl renew {name} -n {ns}`")),
            );
        }
    }
    for (kind, issuers) in [("Issuer", &snapshot.issuers), ("ClusterIssuer", &snapshot.cluster_issuers)] {
        for issuer in issuers.iter().flatten() {
            let (ns, name) = custom_meta(issuer);
            let shown = if ns.is_empty() { name.to_owned() } else { format!("{ns}/{name}") };
            let problem = match condition(issuer, "Ready") {
                Some(c) if c["status"] == "True" => continue,
                Some(c) => describe(c),
                None => "no Ready condition: cert-manager has not processed it".to_owned(),
            };
            findings.push(
                Finding::new("issuer/not-ready", Severity::Critical, format!("{kind} {shown} is not Ready ({problem}): no certificate it issues can be renewed"))
                    .object(custom_id(issuer))
                    .hint(format!("kubectl describe {} {name}{}: the ACME account, the API token Secret, or the CA Secret", kind.to_lowercase(), if ns.is_empty() { String::new() } else { format!(" -n {ns}") })),
            );
        }
    }
    findings
}

/// Whether a cert-manager Certificate makes this Secret (then `certificate/*` speaks for its expiry).
fn managed(snapshot: &NetworkSnapshot, secret: &TlsSecret) -> bool {
    snapshot.certificates.iter().flatten().any(|c| {
        let (ns, _) = custom_meta(c);
        ns == secret.namespace && c.pointer("/spec/secretName").and_then(Value::as_str) == Some(secret.name.as_str())
    })
}

/// `tls/expiring`, `tls/host-not-covered`, `tls/unreadable`.
pub fn check_tls_secrets(snapshot: &NetworkSnapshot, now: Timestamp, config: &NetworkConfig) -> Vec<Finding> {
    let mut findings = Vec::new();
    let Some(secrets) = &snapshot.tls_secrets else { return findings };
    for secret in secrets {
        let object = crate::util::object_id("Secret", Some(&secret.namespace), &secret.name);
        let shown = format!("{}/{}", secret.namespace, secret.name);
        let leaf = match secret.certificate.as_deref().map(parse_leaf) {
            Some(Ok(leaf)) => leaf,
            Some(Err(why)) => {
                findings.push(
                    Finding::new("tls/unreadable", Severity::Warning, format!("TLS Secret {shown}: {why}"))
                        .object(object)
                        .hint("the controller cannot serve it either; let cert-manager re-issue it (`cmctl renew`) or fix tls.crt"),
                );
                continue;
            }
            None => {
                findings.push(
                    Finding::new("tls/unreadable", Severity::Warning, format!("TLS Secret {shown} has no tls.crt"))
                        .object(object)
                        .hint("a TLS Secret needs tls.crt and tls.key"),
                );
                continue;
            }
        };
        if !managed(snapshot, secret)
            && let Some((severity, text)) = expiry(now, leaf.not_after, config)
        {
            findings.push(
                Finding::new("tls/expiring", severity, format!("the certificate in TLS Secret {shown} ({}) {text}", leaf.subject))
                    .object(object.clone())
                    .hint("no cert-manager Certificate renews this Secret: replace it, or let cert-manager manage it"),
            );
        }
        for ingress in &snapshot.ingresses {
            if ingress.metadata.namespace.as_deref() != Some(secret.namespace.as_str()) {
                continue;
            }
            for tls in ingress.spec.iter().flat_map(|s| s.tls.iter().flatten()) {
                if tls.secret_name.as_deref() != Some(secret.name.as_str()) {
                    continue;
                }
                let uncovered: Vec<&String> =
                    tls.hosts.iter().flatten().filter(|h| !leaf.dns_names.iter().any(|n| covers(n, h))).collect();
                if !uncovered.is_empty() {
                    findings.push(
                        Finding::new(
                            "tls/host-not-covered",
                            Severity::Critical,
                            format!(
                                "{} serves {} with TLS Secret {shown}, whose certificate is for {}: browsers reject it",
                                ingress_id(ingress),
                                uncovered.iter().map(|h| h.as_str()).collect::<Vec<_>>().join(", "),
                                if leaf.dns_names.is_empty() { "no DNS name".to_owned() } else { leaf.dns_names.join(", ") }
                            ),
                        )
                        .object(ingress_id(ingress))
                        .hint("add the host to the Certificate's spec.dnsNames (or use a wildcard) in Git"),
                    );
                }
            }
        }
    }
    findings
}

/// `details.certificates`: cert-manager Certificates and unmanaged TLS Secrets, soonest expiry first.
pub fn certificate_rows(snapshot: &NetworkSnapshot, now: Timestamp) -> Value {
    let mut rows: Vec<(i64, Value)> = Vec::new();
    for c in snapshot.certificates.iter().flatten() {
        let (ns, name) = custom_meta(c);
        let not_after = c.pointer("/status/notAfter").and_then(Value::as_str);
        let left = not_after.and_then(parse_timestamp).map(|at| remaining(now, at));
        rows.push((
            left.unwrap_or(i64::MAX),
            json!({
                "source": "Certificate",
                "namespace": ns,
                "name": name,
                "secret": c.pointer("/spec/secretName"),
                "dnsNames": c.pointer("/spec/dnsNames").cloned().unwrap_or(json!([])),
                "issuer": c.pointer("/spec/issuerRef/name"),
                "ready": condition(c, "Ready").map(|c| c["status"].clone()),
                "notAfter": not_after,
                "renewalTime": c.pointer("/status/renewalTime"),
                "expiresInDays": left.map(|s| s / 86_400),
                "expiresInSeconds": left,
            }),
        ));
    }
    for secret in snapshot.tls_secrets.iter().flatten() {
        let leaf = secret.certificate.as_deref().map(parse_leaf);
        let (left, row) = match leaf {
            Some(Ok(leaf)) => {
                let left = remaining(now, leaf.not_after);
                (left, json!({ "notAfter": leaf.not_after.to_string(), "dnsNames": leaf.dns_names, "issuer": leaf.issuer, "expiresInDays": left / 86_400, "expiresInSeconds": left }))
            }
            Some(Err(why)) => (i64::MAX, json!({ "error": why })),
            None => (i64::MAX, json!({ "error": "no tls.crt" })),
        };
        let mut row = row;
        row["source"] = json!("Secret");
        row["namespace"] = json!(secret.namespace);
        row["name"] = json!(secret.name);
        row["managed"] = json!(managed(snapshot, secret));
        rows.push((left, row));
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1["name"].as_str().cmp(&b.1["name"].as_str())));
    Value::Array(rows.into_iter().map(|(_, row)| row).collect())
}

/// `details.issuers`.
pub fn issuer_rows(snapshot: &NetworkSnapshot) -> Value {
    if snapshot.issuers.is_none() && snapshot.cluster_issuers.is_none() {
        return Value::Null;
    }
    let rows: Vec<Value> = snapshot
        .issuers
        .iter()
        .flatten()
        .chain(snapshot.cluster_issuers.iter().flatten())
        .map(|i| {
            let (ns, name) = custom_meta(i);
            json!({ "kind": i["kind"], "namespace": if ns.is_empty() { Value::Null } else { json!(ns) }, "name": name, "ready": condition(i, "Ready").map(|c| c["status"].clone()) })
        })
        .collect();
    Value::Array(rows)
}

#[cfg(test)]
mod tests {
    use super::covers;

    #[test]
    fn a_wildcard_covers_one_label() {
        assert!(covers("*.example.com", "app.example.com"));
        assert!(covers("APP.example.com", "app.EXAMPLE.com"));
        assert!(!covers("*.example.com", "example.com"));
        assert!(!covers("*.example.com", "a.b.example.com"));
        assert!(!covers("app.example.com", "other.example.com"));
    }
}
