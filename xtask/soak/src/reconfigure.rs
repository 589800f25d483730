//! The reconfiguration soak: while [`ReconfigureConfig::connections`] keep-alive connections
//! send a mix of requests, the policy file is swapped between two policies and the server
//! told with SIGHUP, [`ReconfigureConfig::swaps`] times. Every answer must be exactly what
//! one of the two policies answers for that request (never a mix of both, never an error),
//! and the server's memory must stay flat.
//!
//! What each policy answers is what fetch-cors decides for the request: the same core the
//! server runs, asked directly, so the soak checks the adapter and the swap, not a copy of
//! the rules.

use std::io::{BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use cors_conformance::client::{read_response, Response};
use fetch_cors::{Config, Cors, CorsRequest};

use crate::report::{MEMORY_SLACK_KIB, MEMORY_SLACK_PERCENT};
use crate::server::{rss_kib, PolicyFile, Server};

/// Policy A. B differs from it in every part a response shows, and both allow
/// `https://a.example`, so an answer to the same request tells which one decided it.
pub const POLICY_A: &str = r#"{"allow_origins": ["https://a.example"],
  "allow_methods": ["PUT"], "allow_headers": ["x-a"], "expose_headers": ["x-ea"],
  "max_age": 10}"#;
/// Policy B.
pub const POLICY_B: &str = r#"{"allow_origins": ["https://a.example", "https://b.example"],
  "allow_methods": ["PUT", "PATCH"], "allow_headers": ["x-a", "x-b"],
  "expose_headers": ["x-eb"], "allow_credentials": true, "max_age": 20}"#;

/// The full soak's swaps, as the issue asks for at least.
pub const FULL_SWAPS: usize = 1000;
/// The swaps under `cargo test`.
pub const CI_SWAPS: usize = 100;

/// The requests of the mix: method and header lines.
const MIX: [(&str, &[(&str, &str)]); 6] = [
    ("GET", &[]),
    ("GET", &[("origin", "https://a.example")]),
    ("GET", &[("origin", "https://b.example")]),
    (
        "OPTIONS",
        &[
            ("origin", "https://a.example"),
            ("access-control-request-method", "PUT"),
            ("access-control-request-headers", "x-a"),
        ],
    ),
    (
        "OPTIONS",
        &[
            ("origin", "https://b.example"),
            ("access-control-request-method", "PATCH"),
            ("access-control-request-headers", "x-b"),
        ],
    ),
    (
        "OPTIONS",
        &[
            ("origin", "https://a.example"),
            ("access-control-request-method", "PATCH"),
        ],
    ),
];

/// What the reconfiguration soak runs against and how hard.
#[derive(Debug, Clone)]
pub struct ReconfigureConfig {
    /// The `conformance-<fw>` server binary.
    pub binary: std::path::PathBuf,
    /// The adapter's name, for the report.
    pub adapter: String,
    /// Concurrent keep-alive connections.
    pub connections: usize,
    /// Policy swaps (each a rewritten file, a SIGHUP and a `reloaded` line).
    pub swaps: usize,
}

impl ReconfigureConfig {
    /// 64 connections, [`FULL_SWAPS`] swaps.
    pub fn new(binary: &std::path::Path, adapter: &str) -> Self {
        ReconfigureConfig {
            binary: binary.to_owned(),
            adapter: adapter.to_owned(),
            connections: 64,
            swaps: FULL_SWAPS,
        }
    }
}

/// The outcome of a reconfiguration soak.
#[derive(Debug, Clone, Default)]
pub struct ReconfigureReport {
    /// The adapter's name.
    pub adapter: String,
    /// Swaps made (each acknowledged with `reloaded`).
    pub swaps: usize,
    /// Requests answered.
    pub requests: u64,
    /// Answers only policy A gives.
    pub as_a: u64,
    /// Answers only policy B gives.
    pub as_b: u64,
    /// Answers both policies give (a request without `Origin`, say).
    pub as_both: u64,
    /// Problems: answers that were neither policy's, errors, a failed swap, memory growth.
    pub problems: Vec<String>,
    /// Resident memory after warming up and at the end, KiB.
    pub rss_kib: (u64, u64),
}

impl ReconfigureReport {
    /// Whether every answer was one policy's, every swap took, and memory stayed flat.
    pub fn is_success(&self) -> bool {
        self.problems.is_empty() && self.as_a > 0 && self.as_b > 0
    }
}

impl std::fmt::Display for ReconfigureReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} reconfiguration: {} swaps, {} requests (answered as only policy A gives: {}, \
             as only B gives: {}, as both give: {}), RSS {} KiB -> {} KiB, {}",
            self.adapter,
            self.swaps,
            self.requests,
            self.as_a,
            self.as_b,
            self.as_both,
            self.rss_kib.0,
            self.rss_kib.1,
            if self.is_success() { "ok" } else { "FAILED" }
        )?;
        for problem in self.problems.iter().take(20) {
            writeln!(f, "  {problem}")?;
        }
        Ok(())
    }
}

/// The CORS part of an answer: the status and every `access-control-*` header, sorted, and
/// whether `Vary` names `Origin`.
type Answer = (u16, Vec<(String, String)>, bool);

fn policy(json: &str) -> Cors {
    let config: Config = serde_json::from_str(json).expect("the soak's policies are valid");
    Cors::try_from(config).expect("the soak's policies are valid")
}

/// What `cors` answers to a request of the mix, as the server would put it on the wire.
fn expected(cors: &Cors, method: &str, headers: &[(&str, &str)]) -> Answer {
    let mut req = CorsRequest::new(method.as_bytes());
    for (name, value) in headers {
        req.add_header(name.as_bytes(), value.as_bytes());
    }
    let decision = cors.decide(&req);
    let status = decision.respond_now().map_or(200, |s| s.as_u16());
    let mut cors_headers = Vec::new();
    let mut vary_origin = false;
    for (name, value) in decision.headers().iter() {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name.as_str() == "vary" {
            vary_origin |= value.to_ascii_lowercase().contains("origin");
        } else {
            cors_headers.push((name.as_str().to_owned(), value));
        }
    }
    cors_headers.sort();
    (status, cors_headers, vary_origin)
}

fn observed(response: &Response) -> Answer {
    let mut cors_headers: Vec<(String, String)> = response
        .headers
        .iter()
        .filter(|(n, _)| n.to_ascii_lowercase().starts_with(b"access-control-"))
        .map(|(n, v)| {
            (
                String::from_utf8_lossy(n).to_ascii_lowercase(),
                String::from_utf8_lossy(v).into_owned(),
            )
        })
        .collect();
    cors_headers.sort();
    let vary_origin = response.header_lines("vary").any(|v| {
        String::from_utf8_lossy(v)
            .to_ascii_lowercase()
            .contains("origin")
    });
    (response.status, cors_headers, vary_origin)
}

struct Shared {
    addr: SocketAddr,
    stop: AtomicBool,
    requests: AtomicU64,
    as_a: AtomicU64,
    as_b: AtomicU64,
    as_both: AtomicU64,
    problems: Mutex<Vec<String>>,
    expected: Vec<(Answer, Answer)>,
}

impl Shared {
    fn problem(&self, problem: String) {
        let mut problems = self.problems.lock().unwrap_or_else(|e| e.into_inner());
        if problems.len() < 100 {
            problems.push(problem);
        }
    }
}

/// One connection's loop: the mix in turn, until told to stop.
fn worker(shared: &Shared, offset: usize) {
    let mut connection: Option<(TcpStream, BufReader<TcpStream>)> = None;
    let mut i = offset;
    while !shared.stop.load(Ordering::Relaxed) {
        let (method, headers) = MIX[i % MIX.len()];
        i += 1;
        let (stream, reader) = match &mut connection {
            Some(c) => c,
            None => match open(shared.addr) {
                Ok(c) => connection.insert(c),
                Err(e) => {
                    shared.problem(format!("cannot connect: {e}"));
                    return;
                }
            },
        };
        let mut bytes = format!("{method} / HTTP/1.1\r\nHost: {}\r\n", shared.addr);
        for (name, value) in headers {
            bytes.push_str(&format!("{name}: {value}\r\n"));
        }
        bytes.push_str("\r\n");
        let response = stream
            .write_all(bytes.as_bytes())
            .and_then(|()| read_response(&mut *reader, method));
        let response = match response {
            Ok(response) => response,
            Err(e) => {
                shared.problem(format!("{method} {headers:?}: no answer: {e}"));
                connection = None;
                continue;
            }
        };
        if response
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case(b"close"))
        {
            connection = None;
        }
        shared.requests.fetch_add(1, Ordering::Relaxed);
        let got = observed(&response);
        let (a, b) = &shared.expected[(i - 1) % MIX.len()];
        if &got == a && &got == b {
            shared.as_both.fetch_add(1, Ordering::Relaxed);
        } else if &got == a {
            shared.as_a.fetch_add(1, Ordering::Relaxed);
        } else if &got == b {
            shared.as_b.fetch_add(1, Ordering::Relaxed);
        } else {
            shared.problem(format!(
                "{method} {headers:?}: neither policy's answer: got {got:?}, A answers {a:?}, \
                 B answers {b:?}"
            ));
        }
    }
}

fn open(addr: SocketAddr) -> std::io::Result<(TcpStream, BufReader<TcpStream>)> {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_nodelay(true)?;
    let reader = BufReader::new(stream.try_clone()?);
    Ok((stream, reader))
}

/// Runs the reconfiguration soak.
pub fn run(config: &ReconfigureConfig) -> ReconfigureReport {
    let mut report = ReconfigureReport {
        adapter: config.adapter.clone(),
        ..ReconfigureReport::default()
    };
    let (a, b) = (policy(POLICY_A), policy(POLICY_B));
    let file = match PolicyFile::write(POLICY_A, &config.adapter) {
        Ok(file) => file,
        Err(problem) => {
            report.problems.push(problem);
            return report;
        }
    };
    let server = match Server::start(&config.binary, file.path()) {
        Ok(server) => server,
        Err(problem) => {
            report
                .problems
                .push(format!("the server did not start: {problem}"));
            return report;
        }
    };
    let shared = Shared {
        addr: server.addr(),
        stop: AtomicBool::new(false),
        requests: AtomicU64::new(0),
        as_a: AtomicU64::new(0),
        as_b: AtomicU64::new(0),
        as_both: AtomicU64::new(0),
        problems: Mutex::new(Vec::new()),
        expected: MIX
            .iter()
            .map(|(m, h)| (expected(&a, m, h), expected(&b, m, h)))
            .collect(),
    };
    thread::scope(|scope| {
        for offset in 0..config.connections {
            let shared = &shared;
            scope.spawn(move || worker(shared, offset));
        }
        // Let every connection warm the server up before memory is first read.
        thread::sleep(Duration::from_millis(300));
        report.rss_kib.0 = rss_kib(server.pid()).unwrap_or(0);
        for swap in 0..config.swaps {
            let (contents, said) = if swap % 2 == 0 {
                (POLICY_B, "reloaded")
            } else {
                (POLICY_A, "reloaded")
            };
            if let Err(e) = std::fs::write(file.path(), contents) {
                shared.problem(format!("cannot rewrite the policy: {e}"));
                break;
            }
            if let Err(problem) = server.hang_up() {
                shared.problem(problem);
                break;
            }
            // Line 1 is `listening on`; swap n is acknowledged on line n + 2.
            let lines = server.wait_for_stdout_lines(swap + 2, Duration::from_secs(10));
            if lines.get(swap + 1).map(String::as_str) != Some(said) {
                shared.problem(format!(
                    "swap {}: expected `{said}` on stdout, got {:?}",
                    swap + 1,
                    lines.get(swap + 1)
                ));
                break;
            }
            report.swaps += 1;
            // Give requests time to meet each policy.
            let pause = Instant::now() + Duration::from_millis(2);
            while Instant::now() < pause {
                thread::yield_now();
            }
        }
        shared.stop.store(true, Ordering::Relaxed);
    });
    report.rss_kib.1 = rss_kib(server.pid()).unwrap_or(0);
    if let Some(status) = server.exited() {
        shared.problem(format!("the server exited ({status})"));
    }
    let stopped = server.stop();
    if let Some(problem) = stopped.sigterm_problem {
        shared.problem(problem);
    }
    let (first, last) = report.rss_kib;
    let allowed = first + (first * MEMORY_SLACK_PERCENT / 100).max(MEMORY_SLACK_KIB);
    if first == 0 || last > allowed {
        shared.problem(format!(
            "memory grew: {first} KiB after warming up, {last} KiB at the end (allowed {allowed} KiB)"
        ));
    }
    if report.swaps < config.swaps {
        shared.problem(format!(
            "only {} of {} swaps took",
            report.swaps, config.swaps
        ));
    }
    report.requests = shared.requests.load(Ordering::Relaxed);
    report.as_a = shared.as_a.load(Ordering::Relaxed);
    report.as_b = shared.as_b.load(Ordering::Relaxed);
    report.as_both = shared.as_both.load(Ordering::Relaxed);
    report.problems = shared
        .problems
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    report
}
