//! The soak: a million mixed requests, valid, rejected and hostile, over loopback
//! against a `conformance-<fw>` example server, checking every answer and the
//! server's memory.
//!
//! The server runs the policy in `policy.json` (an exact origin list, a pattern, a
//! method list and a header list). [`Config::connections`] worker threads (64 by
//! default) each keep a keep-alive connection of their own, reconnecting when the
//! server closes it, and send a deterministic pseudo-random mix of the request kinds
//! in [`Kind`]: allowed and disallowed ordinary requests, accepted and rejected
//! preflights, 404 and 500 answers, and hostile ones: duplicate `Origin`, non-UTF-8
//! and control bytes, obs-fold, an `Access-Control-Request-Headers` of 10,000 names,
//! a 100 KB header, 150 header lines, garbage, truncated requests, and slow clients
//! (a few at a time, a byte at a time).
//!
//! Every answer is checked against the one its kind must get. A framework may refuse
//! a malformed request before the CORS layer sees it (400, 413, 414, 431, or closing
//! the connection for 100 KB of headers), but a refusal never carries a CORS header,
//! and nothing is ever allowed that the policy does not allow.
//!
//! Errors, by [`ErrorKind`]: the server exits (crash), an answer takes longer than
//! [`Config::timeout`] (hang), a wrong answer, no answer, a malformed answer, and
//! memory growth.
//!
//! # Memory
//!
//! The requests are sent in stretches of [`Config::memory_window`] requests
//! (100,000; a fifth of a shorter soak). After each, every connection is closed,
//! the server is given a moment to go idle, and its resident memory (`VmRSS` in
//! `/proc/<pid>/status`) is read. Sampling an idle server leaves out what live
//! connections hold (64 read buffers that may have grown to 100 KB each), which
//! would otherwise swamp a leak.
//!
//! Memory is flat when the last sample, after the last window, is at most the
//! first, after the first window (once the allocator has warmed up), plus 4 MiB or
//! 10 %, whichever is larger. An absolute allowance, because these servers are
//! small (5-13 MiB) and the samples of a healthy one move by up to 2 MiB on their
//! own (allocator arenas and caches: 7.0, 5.3, 6.8 MiB in a row for actix), so 10 %
//! alone would flag noise; 10 % on top for a server that is larger. A leak of 5
//! bytes a request is still 4 MiB over the 900,000 requests between the samples.
//!
//! # Running
//!
//! ```no_run
//! use std::path::Path;
//!
//! let mut config = cors_soak::Config::new(
//!     Path::new("target/release/examples/conformance-axum"),
//!     "axum",
//! );
//! config.requests = cors_soak::FULL_REQUESTS;
//! let report = cors_soak::run(&config);
//! print!("{report}");
//! println!("{}", cors_soak::markdown_table(&[report.clone()]));
//! assert!(report.is_success());
//! ```

mod check;
mod mix;
mod probe;
pub mod reconfigure;
mod report;
mod rng;
mod server;
mod worker;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

pub use check::REFUSAL_STATUSES;
pub use mix::{Class, Kind};
pub use probe::{HUGE_NAME_COUNT, HUGE_VALUE_BYTES, POLICY};
pub use report::{
    markdown_table, outcomes_table, ErrorKind, MemoryCheck, Outcome, Report, RssSample,
    EXAMPLES_KEPT, MEMORY_SLACK_KIB, MEMORY_SLACK_PERCENT,
};

use report::thousands;
use server::{PolicyFile, Server, Watch};
use worker::{Limits, Shared, Worker};

/// The request count of the full soak (`cargo xtask soak`).
pub const FULL_REQUESTS: u64 = 1_000_000;

/// The request count of the soak that runs with `cargo test`.
pub const CI_REQUESTS: u64 = 20_000;

/// How long the server gets to go idle after its connections close, before its
/// memory is read.
const SETTLE: Duration = Duration::from_millis(250);

/// How often the coordinating thread looks at the server and the clock.
const POLL: Duration = Duration::from_millis(20);

/// What to soak, and how hard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The server binary (`.../examples/conformance-<fw>`).
    pub binary: PathBuf,
    /// The name to report under (`axum`).
    pub adapter: String,
    /// Requests to send in all. Default [`FULL_REQUESTS`].
    pub requests: u64,
    /// Concurrent connections, one worker thread each. Default 64.
    pub connections: usize,
    /// Requests between memory samples; the first sample follows the first window.
    /// `None` (the default): 100,000, or a fifth of `requests` when that is smaller,
    /// so that a short soak too samples after the allocator has warmed up (64
    /// connections' first 100 KB requests take a few thousand requests to come
    /// round).
    pub memory_window: Option<u64>,
    /// The seed of every worker's sequence of requests. Default 1.
    pub seed: u64,
    /// How long a connect, a write or an answer may take before it is a hang.
    /// Default 5 s.
    pub timeout: Duration,
    /// Slow clients at a time. Default 4.
    pub slow_clients: usize,
    /// The pause after each byte a slow client sends. Default 0.5 ms.
    pub slow_pause: Duration,
    /// The soak stops after this many errors. Default 1,000.
    pub max_errors: u64,
    /// The soak stops after this long, reporting the requests it did not send as
    /// an error. Default 30 minutes.
    pub time_limit: Duration,
}

impl Config {
    /// The full soak of `binary`, reported as `adapter`.
    pub fn new(binary: &Path, adapter: &str) -> Config {
        Config {
            binary: binary.to_owned(),
            adapter: adapter.to_owned(),
            requests: FULL_REQUESTS,
            connections: 64,
            memory_window: None,
            seed: 1,
            timeout: Duration::from_secs(5),
            slow_clients: 4,
            slow_pause: Duration::from_micros(500),
            max_errors: 1_000,
            time_limit: Duration::from_secs(30 * 60),
        }
    }

    /// The same with `requests` requests.
    pub fn with_requests(self, requests: u64) -> Config {
        Config { requests, ..self }
    }

    /// Requests between memory samples.
    pub fn memory_window(&self) -> u64 {
        self.memory_window
            .unwrap_or(100_000.min(self.requests / 5))
            .max(1)
    }
}

/// Starts the server, soaks it, stops it, and reports.
pub fn run(config: &Config) -> Report {
    let mut report = Report::new(&config.adapter, config.requests, config.connections);
    if !config.binary.is_file() {
        report.error(
            ErrorKind::Startup,
            format!("{} does not exist; build it first", config.binary.display()),
        );
        return report;
    }
    let policy = match PolicyFile::write(POLICY, &config.adapter) {
        Ok(policy) => policy,
        Err(problem) => {
            report.error(ErrorKind::Startup, problem);
            return report;
        }
    };
    let server = match Server::start(&config.binary, policy.path()) {
        Ok(server) => server,
        Err(problem) => {
            report.error(
                ErrorKind::Startup,
                format!("{} did not start: {problem}", config.binary.display()),
            );
            return report;
        }
    };
    soak(config, server.addr(), &server, &mut report);
    server.stop();
    report
}

/// The soak proper, against a server at `addr` that `server` watches.
fn soak(config: &Config, addr: SocketAddr, server: &dyn Watch, report: &mut Report) {
    let payloads = probe::Payloads::new();
    let errors = AtomicU64::new(0);
    let deadline = Instant::now() + config.time_limit;
    let window = config.memory_window();
    let mut stretch = 0u64;
    while report.requests < config.requests {
        let count = window.min(config.requests - report.requests);
        let shared = Shared::new(
            addr,
            &payloads,
            server,
            &errors,
            Limits {
                target: count,
                deadline,
                timeout: config.timeout,
                slow_clients: config.slow_clients,
                slow_pause: config.slow_pause,
                max_errors: config.max_errors,
            },
        );
        let started = Instant::now();
        let tallies = thread::scope(|scope| {
            let workers: Vec<_> = (0..config.connections)
                .map(|i| {
                    let seed = worker_seed(config.seed, stretch, i as u64);
                    let shared = &shared;
                    scope.spawn(move || Worker::run(shared, seed))
                })
                .collect();
            while !workers.iter().all(|w| w.is_finished()) {
                if server.exited().is_some() {
                    shared.stop();
                }
                thread::sleep(POLL);
            }
            workers
                .into_iter()
                .map(|w| {
                    w.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect::<Vec<_>>()
        });
        report.elapsed += started.elapsed();
        let before = report.requests;
        for tally in tallies {
            report.merge(tally);
        }
        stretch += 1;
        if shared.stopped() || server.exited().is_some() || report.requests == before {
            break;
        }
        // Every connection is closed now (the workers have ended); let the server
        // notice before its memory is read.
        thread::sleep(SETTLE);
        if let Some(kib) = server.rss_kib() {
            report.rss.push(RssSample {
                after_requests: report.requests,
                kib,
            });
        }
    }
    if let Some(status) = server.exited() {
        report.error(
            ErrorKind::Crash,
            format!(
                "the server exited ({status}) after about {} requests{}",
                thousands(report.requests),
                server.last_words()
            ),
        );
    } else if report.requests < config.requests {
        let why = if errors.load(Ordering::Relaxed) >= config.max_errors {
            format!("the error limit ({}) was reached", config.max_errors)
        } else {
            format!("the time limit ({:?}) passed", config.time_limit)
        };
        report.error(
            ErrorKind::Incomplete,
            format!(
                "{} of {} requests sent: {why}",
                thousands(report.requests),
                thousands(config.requests)
            ),
        );
    }
    if let Some(memory) = report.memory().filter(|m| !m.is_flat()) {
        report.error(
            ErrorKind::MemoryGrowth,
            format!(
                "resident memory grew from {} KiB after {} requests to {} KiB at the end, over the limit of {} KiB",
                memory.first_kib,
                thousands(report.rss[0].after_requests),
                memory.last_kib,
                memory.limit_kib
            ),
        );
    }
}

/// Each worker of each stretch draws its own sequence; the same config draws the
/// same sequences.
fn worker_seed(seed: u64, stretch: u64, worker: u64) -> u64 {
    seed.wrapping_mul(0x1000_0000_01b3)
        .wrapping_add(stretch << 20)
        .wrapping_add(worker)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::net::{TcpListener, TcpStream};

    /// A server that is always up and whose memory is not measured.
    struct Unwatched;

    impl Watch for Unwatched {
        fn exited(&self) -> Option<String> {
            None
        }
        fn rss_kib(&self) -> Option<u64> {
            None
        }
        fn last_words(&self) -> String {
            String::new()
        }
    }

    /// Serves on a free loopback port, answering each request head read with
    /// `answer` (`None`: never answering), on detached threads.
    fn fake_server(answer: Option<&'static [u8]>) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                thread::spawn(move || serve(stream, answer));
            }
        });
        addr
    }

    fn serve(stream: TcpStream, answer: Option<&[u8]>) {
        let mut writer = stream.try_clone().unwrap();
        let mut reader = BufReader::new(stream);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == b"\r\n" {
                match answer {
                    Some(answer) => {
                        if writer.write_all(answer).is_err() {
                            return;
                        }
                    }
                    // Hold the connection open, answering nothing.
                    None => thread::sleep(Duration::from_secs(3)),
                }
            }
        }
    }

    fn config(requests: u64) -> Config {
        let mut config = Config::new(Path::new("/nonexistent"), "fake").with_requests(requests);
        config.connections = 4;
        config.timeout = Duration::from_millis(300);
        config
    }

    #[test]
    fn a_server_that_allows_everything_is_caught() {
        let addr = fake_server(Some(
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\naccess-control-allow-origin: *\r\nvary: origin\r\n\r\nok",
        ));
        let mut report = Report::new("fake", 400, 4);
        soak(&config(400), addr, &Unwatched, &mut report);
        assert!(!report.is_success());
        assert!(report.errors[&ErrorKind::WrongAnswer] > 100, "{report}");
        assert!(!report.errors.contains_key(&ErrorKind::Crash));
        assert_eq!(report.requests, 400);
        assert!(
            report.examples[0].starts_with("[wrong answer] "),
            "{report}"
        );
        assert!(report.examples[0].contains("\nrequest:\n  "), "{report}");
    }

    #[test]
    fn a_server_that_never_answers_is_a_hang() {
        let addr = fake_server(None);
        let mut config = config(8);
        config.connections = 2;
        let mut report = Report::new("fake", 8, 2);
        soak(&config, addr, &Unwatched, &mut report);
        assert_eq!(report.errors[&ErrorKind::Hang], 8, "{report}");
    }

    #[test]
    fn the_soak_stops_at_the_error_limit() {
        let addr = fake_server(Some(
            b"HTTP/1.1 418 I'm a teapot\r\ncontent-length: 0\r\n\r\n",
        ));
        let mut config = config(10_000);
        config.max_errors = 50;
        let mut report = Report::new("fake", 10_000, 4);
        soak(&config, addr, &Unwatched, &mut report);
        assert!(report.requests < 1000, "{report}");
        assert_eq!(report.errors[&ErrorKind::Incomplete], 1, "{report}");
        assert!(
            report
                .examples
                .iter()
                .any(|e| e.contains("the error limit (50)")),
            "{report}"
        );
    }

    #[test]
    fn the_same_seed_sends_the_same_requests() {
        let sequence = |seed| {
            let payloads = probe::Payloads::new();
            let mut rng = rng::Rng::new(worker_seed(seed, 0, 3));
            (0..200)
                .map(|_| {
                    let kind = mix::draw(&mut rng);
                    probe::Probe::new(kind, &mut rng, &payloads, "127.0.0.1:1").bytes
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(sequence(1), sequence(1));
        assert_ne!(sequence(1), sequence(2));
    }

    #[test]
    fn a_missing_binary_is_a_startup_error() {
        let report = run(&config(10));
        assert_eq!(report.errors[&ErrorKind::Startup], 1);
        assert!(report.examples[0].contains("does not exist"));
    }

    #[test]
    fn small_counts_get_a_window_a_fifth_the_size() {
        let config = Config::new(Path::new("x"), "x");
        assert_eq!(config.memory_window(), 100_000);
        assert_eq!(
            config.clone().with_requests(CI_REQUESTS).memory_window(),
            4_000
        );
        assert_eq!(config.clone().with_requests(5).memory_window(), 1);
        assert_eq!(config.clone().with_requests(2).memory_window(), 1);
        let config = Config {
            memory_window: Some(7),
            ..config
        };
        assert_eq!(config.memory_window(), 7);
    }

    /// A server that is up for a number of looks, then gone; its memory grows by
    /// 1 MiB a sample.
    struct Failing {
        looks_left: AtomicU64,
        rss_kib: AtomicU64,
    }

    impl Failing {
        fn new(looks: u64) -> Failing {
            Failing {
                looks_left: AtomicU64::new(looks),
                rss_kib: AtomicU64::new(8 * 1024),
            }
        }
    }

    impl Watch for Failing {
        fn exited(&self) -> Option<String> {
            let left = self.looks_left.load(Ordering::Relaxed);
            if left == 0 {
                return Some("signal: 6 (SIGABRT)".to_owned());
            }
            self.looks_left.store(left - 1, Ordering::Relaxed);
            None
        }
        fn rss_kib(&self) -> Option<u64> {
            Some(self.rss_kib.fetch_add(1024, Ordering::Relaxed))
        }
        fn last_words(&self) -> String {
            "; its stderr ends with:\n  thread panicked".to_owned()
        }
    }

    const ALLOW_ALL: &[u8] =
        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\naccess-control-allow-origin: *\r\n\r\nok";

    #[test]
    fn a_crash_stops_the_soak_and_is_reported_once() {
        let addr = fake_server(Some(ALLOW_ALL));
        let mut config = config(1_000_000);
        config.max_errors = u64::MAX;
        let mut report = Report::new("fake", 1_000_000, 4);
        soak(&config, addr, &Failing::new(3), &mut report);
        assert_eq!(report.errors[&ErrorKind::Crash], 1, "{report}");
        assert!(
            !report.errors.contains_key(&ErrorKind::Incomplete),
            "{report}"
        );
        assert!(report.requests < 1_000_000);
        assert!(report.examples[0].starts_with("[crash] the server exited (signal: 6 (SIGABRT))"));
        assert!(report.examples[0].ends_with("thread panicked"));
    }

    #[test]
    fn growing_memory_is_an_error() {
        // 1 MiB a sample over 11 samples is 10 MiB, past the 4 MiB allowance.
        let addr = fake_server(Some(ALLOW_ALL));
        let mut config = config(110);
        config.max_errors = u64::MAX;
        config.memory_window = Some(10);
        let mut report = Report::new("fake", 110, 4);
        soak(&config, addr, &Failing::new(u64::MAX), &mut report);
        assert_eq!(report.rss.len(), 11, "{report}");
        assert_eq!(report.errors[&ErrorKind::MemoryGrowth], 1, "{report}");
        assert_eq!(report.memory().map(|m| m.is_flat()), Some(false));
    }
}
