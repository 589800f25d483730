//! What a soak found: requests, time, errors by kind, the answers each request kind
//! got, and the server's resident memory.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use crate::mix::Kind;

/// What went wrong, by kind. Any error fails the soak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorKind {
    /// The server did not start.
    Startup,
    /// The server process exited during the soak.
    Crash,
    /// No complete answer within the read timeout.
    Hang,
    /// An answer other than the one the request must get.
    WrongAnswer,
    /// The connection closed or was reset without an answer to a request that
    /// must get one.
    NoResponse,
    /// Bytes that are not an HTTP/1.1 response, or a response cut short.
    BadResponse,
    /// The client could not connect.
    Connect,
    /// Resident memory at the end above the allowance over the first sample.
    MemoryGrowth,
    /// The soak stopped before sending every request: the time limit passed, or
    /// the error limit was reached.
    Incomplete,
}

impl ErrorKind {
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Startup => "startup",
            ErrorKind::Crash => "crash",
            ErrorKind::Hang => "hang",
            ErrorKind::WrongAnswer => "wrong answer",
            ErrorKind::NoResponse => "no response",
            ErrorKind::BadResponse => "bad response",
            ErrorKind::Connect => "connect",
            ErrorKind::MemoryGrowth => "memory growth",
            ErrorKind::Incomplete => "incomplete",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a request was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// A response with this status.
    Status(u16),
    /// The server closed the connection without a response.
    Closed,
    /// The connection was reset before a response could be read (a server that
    /// refuses 100 KB of headers may close while the client is still writing).
    Reset,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Status(status) => write!(f, "{status}"),
            Outcome::Closed => f.write_str("closed"),
            Outcome::Reset => f.write_str("reset"),
        }
    }
}

/// Resident memory may grow by this much between the first and the last sample...
pub const MEMORY_SLACK_KIB: u64 = 4 * 1024;
/// ... or by this share of the first sample, whichever is larger.
pub const MEMORY_SLACK_PERCENT: u64 = 10;

/// The server's resident memory after a number of requests, taken with every
/// connection closed and the server idle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RssSample {
    pub after_requests: u64,
    pub kib: u64,
}

/// The memory verdict: the last sample against the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryCheck {
    pub first_kib: u64,
    pub last_kib: u64,
    /// The most the last sample may be: the first plus [`MEMORY_SLACK_KIB`] or
    /// [`MEMORY_SLACK_PERCENT`], whichever is larger.
    pub limit_kib: u64,
}

impl MemoryCheck {
    pub fn new(first_kib: u64, last_kib: u64) -> MemoryCheck {
        let slack = MEMORY_SLACK_KIB.max(first_kib * MEMORY_SLACK_PERCENT / 100);
        MemoryCheck {
            first_kib,
            last_kib,
            limit_kib: first_kib + slack,
        }
    }

    pub fn is_flat(&self) -> bool {
        self.last_kib <= self.limit_kib
    }
}

/// How many error examples a report keeps.
pub const EXAMPLES_KEPT: usize = 20;

/// The outcome of one soak against one server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The adapter's name (`axum`).
    pub adapter: String,
    /// The requests the soak was to send.
    pub target: u64,
    /// The requests sent, malformed and truncated ones included.
    pub requests: u64,
    /// Time spent sending them (memory sampling pauses left out).
    pub elapsed: Duration,
    /// Concurrent connections.
    pub concurrency: usize,
    /// Connections opened in all (a refused or truncated request ends its own).
    pub connections_opened: u64,
    /// Requests sent again on a fresh connection after the server closed an idle
    /// keep-alive connection before answering (an HTTP client does the same).
    pub retries: u64,
    pub errors: BTreeMap<ErrorKind, u64>,
    /// Errors about the whole soak, then the first [`EXAMPLES_KEPT`] errors about
    /// single requests, in full, request and response included.
    pub examples: Vec<String>,
    /// How each kind of request was answered.
    pub outcomes: BTreeMap<Kind, BTreeMap<Outcome, u64>>,
    /// Resident memory samples, the first after the first memory window of requests.
    pub rss: Vec<RssSample>,
}

impl Report {
    pub(crate) fn new(adapter: &str, target: u64, concurrency: usize) -> Report {
        Report {
            adapter: adapter.to_owned(),
            target,
            requests: 0,
            elapsed: Duration::ZERO,
            concurrency,
            connections_opened: 0,
            retries: 0,
            errors: BTreeMap::new(),
            examples: Vec::new(),
            outcomes: BTreeMap::new(),
            rss: Vec::new(),
        }
    }

    /// Counts an error about the whole soak (the server did not start, crashed, or
    /// grew; the soak stopped early), and puts its description first: there is only
    /// ever one of each, and it explains the rest.
    pub(crate) fn error(&mut self, kind: ErrorKind, details: impl Into<String>) {
        *self.errors.entry(kind).or_default() += 1;
        self.examples
            .insert(0, format!("[{kind}] {}", details.into()));
    }

    /// Adds a worker's counts.
    pub(crate) fn merge(&mut self, tally: Tally) {
        self.requests += tally.requests;
        self.connections_opened += tally.connections_opened;
        self.retries += tally.retries;
        for ((kind, outcome), n) in tally.outcomes {
            *self
                .outcomes
                .entry(kind)
                .or_default()
                .entry(outcome)
                .or_default() += n;
        }
        for (kind, n) in tally.errors {
            *self.errors.entry(kind).or_default() += n;
        }
        let room = EXAMPLES_KEPT.saturating_sub(self.examples.len());
        self.examples.extend(tally.examples.into_iter().take(room));
    }

    /// All errors together.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// Whether every request was sent and answered as it must be, and memory stayed
    /// flat.
    pub fn is_success(&self) -> bool {
        self.error_count() == 0
    }

    pub fn requests_per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.requests as f64 / seconds
        } else {
            0.0
        }
    }

    /// The first and last memory samples, once there are two.
    pub fn memory(&self) -> Option<MemoryCheck> {
        match self.rss.as_slice() {
            [first, .., last] => Some(MemoryCheck::new(first.kib, last.kib)),
            _ => None,
        }
    }

    /// The errors as `hang 2, wrong answer 3`, or `0`.
    pub fn errors_summary(&self) -> String {
        if self.errors.is_empty() {
            return "0".to_owned();
        }
        let parts: Vec<String> = self
            .errors
            .iter()
            .map(|(kind, n)| format!("{kind} {}", thousands(*n)))
            .collect();
        parts.join(", ")
    }

    /// How `kind` was answered, as `200 ×1,234, 431 ×5`.
    pub fn outcome_summary(&self, kind: Kind) -> String {
        let Some(outcomes) = self.outcomes.get(&kind) else {
            return "-".to_owned();
        };
        let parts: Vec<String> = outcomes
            .iter()
            .map(|(outcome, n)| format!("{outcome} ×{}", thousands(*n)))
            .collect();
        parts.join(", ")
    }
}

/// A worker thread's counts, merged into the report when it ends.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub(crate) requests: u64,
    pub(crate) connections_opened: u64,
    pub(crate) retries: u64,
    pub(crate) outcomes: BTreeMap<(Kind, Outcome), u64>,
    pub(crate) errors: BTreeMap<ErrorKind, u64>,
    pub(crate) examples: Vec<String>,
}

impl Tally {
    pub(crate) fn error(&mut self, kind: ErrorKind, details: String) {
        *self.errors.entry(kind).or_default() += 1;
        if self.examples.len() < EXAMPLES_KEPT {
            self.examples.push(format!("[{kind}] {details}"));
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} of {} requests in {:.1} s ({} requests/s) over {} connections: {}",
            self.adapter,
            thousands(self.requests),
            thousands(self.target),
            self.elapsed.as_secs_f64(),
            thousands(self.requests_per_second().round() as u64),
            self.concurrency,
            if self.is_success() { "ok" } else { "FAILED" },
        )?;
        writeln!(f, "  errors: {}", self.errors_summary())?;
        match self.memory() {
            Some(memory) => writeln!(
                f,
                "  resident memory: {} after {} requests, {} at the end (limit {}): {}",
                mib(memory.first_kib),
                thousands(self.rss[0].after_requests),
                mib(memory.last_kib),
                mib(memory.limit_kib),
                if memory.is_flat() { "flat" } else { "GREW" },
            )?,
            None => writeln!(f, "  resident memory: not measured")?,
        }
        if !self.rss.is_empty() {
            let samples: Vec<String> = self.rss.iter().map(|s| mib(s.kib)).collect();
            writeln!(f, "  memory samples: {}", samples.join(", "))?;
        }
        writeln!(
            f,
            "  connections opened: {}, requests retried on a fresh connection: {}",
            thousands(self.connections_opened),
            thousands(self.retries)
        )?;
        writeln!(f, "  answers by request kind:")?;
        for kind in Kind::ALL {
            let sent: u64 = self.outcomes.get(&kind).map_or(0, |o| o.values().sum());
            writeln!(
                f,
                "    {:<24} {:>9}  {}",
                kind.name(),
                thousands(sent),
                self.outcome_summary(kind)
            )?;
        }
        for example in &self.examples {
            writeln!(f, "  {}", example.replace('\n', "\n    "))?;
        }
        let shown = self.examples.len() as u64;
        if self.error_count() > shown {
            writeln!(
                f,
                "  ... and {} more errors",
                thousands(self.error_count() - shown)
            )?;
        }
        Ok(())
    }
}

/// The per-adapter figures as a Markdown table: requests, seconds, requests/s,
/// errors by kind, resident memory first and last.
pub fn markdown_table(reports: &[Report]) -> String {
    let mut table = String::from(
        "| adapter | requests | seconds | requests/s | errors | RSS after first window | RSS at end | memory |\n\
         |---|---:|---:|---:|---|---:|---:|---|\n",
    );
    for report in reports {
        let (first, last, verdict) = match report.memory() {
            Some(m) => (
                mib(m.first_kib),
                mib(m.last_kib),
                if m.is_flat() { "flat" } else { "grew" },
            ),
            None => ("-".to_owned(), "-".to_owned(), "not measured"),
        };
        table.push_str(&format!(
            "| {} | {} | {:.1} | {} | {} | {first} | {last} | {verdict} |\n",
            report.adapter,
            thousands(report.requests),
            report.elapsed.as_secs_f64(),
            thousands(report.requests_per_second().round() as u64),
            report.errors_summary(),
        ));
    }
    table
}

/// How each adapter's server answered each request kind, as a Markdown table: the
/// place to see which refusal (400, 431, closing) each framework chose.
pub fn outcomes_table(reports: &[Report]) -> String {
    let mut table = String::from("| request kind |");
    for report in reports {
        table.push_str(&format!(" {} |", report.adapter));
    }
    table.push_str("\n|---|");
    table.push_str(&"---|".repeat(reports.len()));
    table.push('\n');
    for kind in Kind::ALL {
        table.push_str(&format!("| {} |", kind.name()));
        for report in reports {
            table.push_str(&format!(" {} |", report.outcome_summary(kind)));
        }
        table.push('\n');
    }
    table
}

/// `1234567` → `1,234,567`.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(12_345_678), "12,345,678");
    }

    #[test]
    fn memory_allowance_is_4_mib_or_10_percent() {
        // A small server: 4 MiB is the larger allowance.
        let small = MemoryCheck::new(10 * 1024, 14 * 1024);
        assert_eq!(small.limit_kib, 14 * 1024);
        assert!(small.is_flat());
        assert!(!MemoryCheck::new(10 * 1024, 14 * 1024 + 1).is_flat());
        // A large one: 10 %.
        let large = MemoryCheck::new(100 * 1024, 110 * 1024);
        assert_eq!(large.limit_kib, 110 * 1024);
        assert!(large.is_flat());
        // Shrinking is flat.
        assert!(MemoryCheck::new(10 * 1024, 5 * 1024).is_flat());
    }

    fn sample_report() -> Report {
        let mut report = Report::new("axum", 1000, 64);
        report.requests = 1000;
        report.elapsed = Duration::from_secs(2);
        let mut tally = Tally {
            requests: 0,
            ..Tally::default()
        };
        tally
            .outcomes
            .insert((Kind::AllowedGet, Outcome::Status(200)), 990);
        tally
            .outcomes
            .insert((Kind::HugeHeader, Outcome::Status(431)), 7);
        tally.outcomes.insert((Kind::HugeHeader, Outcome::Reset), 3);
        report.merge(tally);
        report.rss = vec![
            RssSample {
                after_requests: 100,
                kib: 8192,
            },
            RssSample {
                after_requests: 1000,
                kib: 8704,
            },
        ];
        report
    }

    #[test]
    fn a_clean_report_succeeds_and_prints() {
        let report = sample_report();
        assert!(report.is_success());
        assert_eq!(report.requests_per_second(), 500.0);
        assert_eq!(report.outcome_summary(Kind::HugeHeader), "431 ×7, reset ×3");
        assert_eq!(report.outcome_summary(Kind::Garbage), "-");
        let text = report.to_string();
        assert!(
            text.starts_with("axum: 1,000 of 1,000 requests in 2.0 s (500 requests/s)"),
            "{text}"
        );
        assert!(
            text.contains("8.0 MiB after 100 requests, 8.5 MiB at the end (limit 12.0 MiB): flat"),
            "{text}"
        );
    }

    #[test]
    fn errors_fail_the_report_and_show_in_the_table() {
        let mut report = sample_report();
        report.error(ErrorKind::Hang, "no answer");
        report.error(ErrorKind::WrongAnswer, "status 200");
        report.error(ErrorKind::WrongAnswer, "status 204");
        assert!(!report.is_success());
        assert_eq!(report.errors_summary(), "hang 1, wrong answer 2");
        let table = markdown_table(&[report]);
        assert_eq!(
            table.lines().nth(2),
            Some(
                "| axum | 1,000 | 2.0 | 500 | hang 1, wrong answer 2 | 8.0 MiB | 8.5 MiB | flat |"
            )
        );
    }

    #[test]
    fn the_outcomes_table_has_a_row_per_kind() {
        let table = outcomes_table(&[sample_report()]);
        assert_eq!(table.lines().count(), 2 + Kind::ALL.len());
        assert!(table.contains("| 100 KB header | 431 ×7, reset ×3 |"));
    }
}
