//! Stand-ins for `anton network --probe` on loopback addresses: a test CA
//! (rcgen), a DNS server answering from a table (hickory-proto), and an
//! HTTPS server (rustls) whose answer depends on the Host header. Nothing
//! leaves 127.0.0.0/8.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::rdata::A;
use hickory_proto::rr::{RData, Record};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};

/// A CA for one test run.
pub struct TestCa {
    pub pem: String,
    issuer: Issuer<'static, KeyPair>,
}

/// A leaf certificate and its key, PEM.
pub struct Leaf {
    pub cert: String,
    pub key: String,
}

impl TestCa {
    pub fn new() -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.distinguished_name.push(rcgen::DnType::CommonName, "anton test CA");
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        TestCa { pem: cert.pem(), issuer: Issuer::new(params, key) }
    }

    /// A certificate for `names`, valid for `days` from now (negative: already expired).
    pub fn leaf(&self, names: &[&str], days: i64) -> Leaf {
        let mut params = CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>()).unwrap();
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::days(30);
        params.not_after = now + time::Duration::days(days);
        params.distinguished_name.push(rcgen::DnType::CommonName, names[0]);
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf { cert: cert.pem(), key: key.serialize_pem() }
    }
}

/// A DNS server on `address`:random UDP port answering A queries from `records`
/// (anything else NXDOMAIN). Returns the port.
pub fn dns_server(address: Ipv4Addr, records: BTreeMap<String, Ipv4Addr>) -> u16 {
    let socket = UdpSocket::bind((address, 0)).expect("bind the test DNS server");
    let port = socket.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut buf = [0u8; 1500];
        loop {
            let Ok((n, from)) = socket.recv_from(&mut buf) else { continue };
            let Ok(query) = Message::from_vec(&buf[..n]) else { continue };
            let mut answer = Message::response(query.metadata.id, query.metadata.op_code);
            answer.metadata.authoritative = true;
            answer.metadata.recursion_desired = query.metadata.recursion_desired;
            for q in &query.queries {
                answer.add_query(q.clone());
            }
            let found = query.queries.first().and_then(|q| {
                let name = q.name().to_ascii().trim_end_matches('.').to_ascii_lowercase();
                records.get(&name).map(|ip| (q.name().clone(), *ip, q.query_type()))
            });
            match found {
                Some((name, ip, hickory_proto::rr::RecordType::A)) => {
                    answer.add_answer(Record::from_rdata(name, 60, RData::A(A(ip))));
                }
                Some(_) => {} // known name, no AAAA: an empty NOERROR answer
                None => answer.metadata.response_code = ResponseCode::NXDomain,
            }
            if let Ok(bytes) = answer.to_vec() {
                let _ = socket.send_to(&bytes, from);
            }
        }
    });
    port
}

/// What the HTTPS server answers for a host: a status and headers, or a stall.
#[derive(Clone)]
pub enum Answer {
    Status(u16, Vec<(&'static str, String)>),
    /// Accept the request and never answer.
    Stall,
}

/// An HTTPS server on `address`:random port serving `leaf` for every name
/// (SNI is not looked at, so a host outside its SANs fails verification),
/// answering by (host, path). Returns the port.
pub fn https_server(address: Ipv4Addr, leaf: &Leaf, answers: BTreeMap<(String, String), Answer>) -> u16 {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = vec![CertificateDer::from_pem_slice(leaf.cert.as_bytes()).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(leaf.key.as_bytes()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind((address, 0)).expect("bind the test HTTPS server");
    let port = listener.local_addr().unwrap().port();
    let answers = Arc::new(answers);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let config = Arc::clone(&config);
            let answers = Arc::clone(&answers);
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
                let Ok(connection) = rustls::ServerConnection::new(config) else { return };
                let mut tls = rustls::StreamOwned::new(connection, stream);
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&request).into_owned();
                let path = text.lines().next().and_then(|l| l.split(' ').nth(1)).unwrap_or("/").to_owned();
                let host = text
                    .lines()
                    .find_map(|l| l.strip_prefix("host: ").or_else(|| l.strip_prefix("Host: ")))
                    .unwrap_or("")
                    .trim()
                    .to_owned();
                match answers.get(&(host, path)).cloned().unwrap_or(Answer::Status(404, Vec::new())) {
                    Answer::Stall => std::thread::sleep(Duration::from_secs(30)),
                    Answer::Status(code, headers) => {
                        let mut head = format!("HTTP/1.1 {code} X\r\nContent-Length: 2\r\nConnection: close\r\n");
                        for (k, v) in headers {
                            head.push_str(&format!("{k}: {v}\r\n"));
                        }
                        head.push_str("\r\nok");
                        let _ = tls.write_all(head.as_bytes());
                        let _ = tls.flush();
                        tls.conn.send_close_notify();
                        let _ = tls.flush();
                    }
                }
            });
        }
    });
    port
}
