//! One worker thread: a keep-alive connection of its own, a deterministic sequence
//! of requests, and a check of every answer.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use cors_conformance::client::{preview, read_response, Response};

use crate::check::{check, REFUSAL_STATUSES};
use crate::mix::{self, Kind};
use crate::probe::{Delivery, Payloads, Probe};
use crate::report::{ErrorKind, Outcome, Tally};
use crate::rng::Rng;
use crate::server::Watch;

/// What the workers of one stretch of the soak share.
pub(crate) struct Shared<'a> {
    pub(crate) addr: SocketAddr,
    /// `127.0.0.1:<port>`, for `Host`.
    pub(crate) host: String,
    pub(crate) payloads: &'a Payloads,
    pub(crate) server: &'a dyn Watch,
    pub(crate) timeout: Duration,
    pub(crate) slow_pause: Duration,
    /// Requests handed out so far; the workers stop at `target`.
    issued: AtomicU64,
    target: u64,
    deadline: Instant,
    /// Set when the server has exited, the deadline has passed or too many errors
    /// were seen: every worker finishes its request and stops.
    stop: AtomicBool,
    /// Errors seen by every worker (the soak stops at `max_errors`).
    errors: &'a AtomicU64,
    max_errors: u64,
    /// Slow-client slots left.
    slow_slots: AtomicUsize,
}

/// The settings [`Shared::new`] takes besides the server.
pub(crate) struct Limits {
    pub(crate) target: u64,
    pub(crate) deadline: Instant,
    pub(crate) timeout: Duration,
    pub(crate) slow_clients: usize,
    pub(crate) slow_pause: Duration,
    pub(crate) max_errors: u64,
}

impl<'a> Shared<'a> {
    pub(crate) fn new(
        addr: SocketAddr,
        payloads: &'a Payloads,
        server: &'a dyn Watch,
        errors: &'a AtomicU64,
        limits: Limits,
    ) -> Shared<'a> {
        Shared {
            addr,
            host: addr.to_string(),
            payloads,
            server,
            timeout: limits.timeout,
            slow_pause: limits.slow_pause,
            issued: AtomicU64::new(0),
            target: limits.target,
            deadline: limits.deadline,
            stop: AtomicBool::new(false),
            errors,
            max_errors: limits.max_errors,
            slow_slots: AtomicUsize::new(limits.slow_clients),
        }
    }

    /// Whether the calling worker may send one more request.
    fn next(&self) -> bool {
        if self.stop.load(Ordering::Relaxed) {
            return false;
        }
        if Instant::now() >= self.deadline {
            self.stop();
            return false;
        }
        self.issued.fetch_add(1, Ordering::Relaxed) < self.target
    }

    pub(crate) fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    pub(crate) fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    fn take_slow_slot(&self) -> bool {
        self.slow_slots
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok()
    }

    fn give_slow_slot(&self) {
        self.slow_slots.fetch_add(1, Ordering::AcqRel);
    }

    fn count_error(&self) {
        if self.errors.fetch_add(1, Ordering::Relaxed) + 1 >= self.max_errors {
            self.stop();
        }
    }
}

/// A failed request: what kind of error, and what happened.
struct Failure {
    kind: ErrorKind,
    details: String,
}

impl Failure {
    fn new(kind: ErrorKind, details: impl Into<String>) -> Failure {
        Failure {
            kind,
            details: details.into(),
        }
    }
}

/// A keep-alive connection and how many requests it has carried.
struct Connection {
    reader: BufReader<TcpStream>,
    used: u64,
}

/// What reading an answer found.
enum Answer {
    Response(Response),
    /// The end of the connection before any byte of an answer.
    Closed,
    /// A reset before any byte of an answer.
    Reset,
    TimedOut,
    /// Bytes that are not a whole HTTP/1.1 response.
    Malformed(String),
}

impl Connection {
    fn open(addr: SocketAddr, timeout: Duration) -> io::Result<Connection> {
        let stream = TcpStream::connect_timeout(&addr, timeout)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        // Every write of a slow client goes out as it is made.
        stream.set_nodelay(true)?;
        Ok(Connection {
            reader: BufReader::with_capacity(16 * 1024, stream),
            used: 0,
        })
    }

    fn stream(&self) -> &TcpStream {
        self.reader.get_ref()
    }

    fn write(&self, bytes: &[u8]) -> io::Result<()> {
        let mut stream = self.stream();
        stream.write_all(bytes)?;
        stream.flush()
    }

    /// Writes a byte at a time, pausing after each.
    fn write_slowly(&self, bytes: &[u8], pause: Duration) -> io::Result<()> {
        for byte in bytes {
            self.write(std::slice::from_ref(byte))?;
            thread::sleep(pause);
        }
        Ok(())
    }

    fn read(&mut self, head: bool) -> Answer {
        // A read with a timeout is not restarted after a signal (a stopped and
        // continued process gets one); that is no answer from the server.
        let mut peeked = self.reader.fill_buf().map(<[u8]>::len);
        while matches!(&peeked, Err(e) if e.kind() == io::ErrorKind::Interrupted) {
            peeked = self.reader.fill_buf().map(<[u8]>::len);
        }
        match peeked {
            Ok(0) => Answer::Closed,
            Ok(_) => match read_response(&mut self.reader, if head { "HEAD" } else { "GET" }) {
                Ok(response) => Answer::Response(response),
                Err(error) if is_timeout(&error) => Answer::TimedOut,
                Err(error) => Answer::Malformed(error.to_string()),
            },
            Err(error) if is_timeout(&error) => Answer::TimedOut,
            Err(_) => Answer::Reset,
        }
    }
}

fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Whether the server keeps the connection open after `response`.
fn keeps_alive(response: &Response) -> bool {
    // A refusal may be followed by the end of the connection, announced or not.
    if REFUSAL_STATUSES.contains(&response.status) {
        return false;
    }
    !response.header("connection").is_some_and(|value| {
        value
            .split(|&b| b == b',')
            .any(|token| token.trim_ascii().eq_ignore_ascii_case(b"close"))
    })
}

/// A worker: sends requests until the stretch's target is reached, and returns what
/// it counted.
pub(crate) struct Worker<'s, 'a> {
    shared: &'s Shared<'a>,
    rng: Rng,
    connection: Option<Connection>,
    tally: Tally,
}

impl<'s, 'a> Worker<'s, 'a> {
    pub(crate) fn run(shared: &'s Shared<'a>, seed: u64) -> Tally {
        let mut worker = Worker {
            shared,
            rng: Rng::new(seed),
            connection: None,
            tally: Tally::default(),
        };
        while shared.next() {
            worker.one();
        }
        worker.tally
    }

    fn one(&mut self) {
        let mut kind = mix::draw(&mut self.rng);
        // Only a few slow clients at a time: each holds its connection for tens of
        // milliseconds, and the point is a server busy with both, not a stall.
        let slow = kind == Kind::SlowClient && self.shared.take_slow_slot();
        if kind == Kind::SlowClient && !slow {
            kind = Kind::AllowedGet;
        }
        let probe = Probe::new(kind, &mut self.rng, self.shared.payloads, &self.shared.host);
        let result = match probe.delivery {
            Delivery::Truncated { .. } => self.truncated(&probe),
            Delivery::Whole | Delivery::Slow => self.exchange(&probe),
        };
        if slow {
            self.shared.give_slow_slot();
        }
        self.tally.requests += 1;
        match result {
            Ok(outcome) => {
                *self.tally.outcomes.entry((kind, outcome)).or_default() += 1;
            }
            Err(failure) => self.fail(&probe, failure),
        }
    }

    fn fail(&mut self, probe: &Probe, failure: Failure) {
        self.connection = None;
        if failure.kind != ErrorKind::WrongAnswer && self.server_has_exited() {
            // The crash is the error; what it did to requests in flight is not
            // counted again.
            self.shared.stop();
            return;
        }
        self.shared.count_error();
        self.tally.error(
            failure.kind,
            format!(
                "{}: {}\n{}",
                probe.kind,
                failure.details,
                describe_request(&probe.bytes)
            ),
        );
    }

    /// Whether the server has exited, allowing for a process that is on its way
    /// out: its sockets close before its parent can see it gone.
    fn server_has_exited(&self) -> bool {
        for _ in 0..5 {
            if self.shared.server.exited().is_some() {
                return true;
            }
            thread::sleep(Duration::from_millis(40));
        }
        false
    }

    /// The open connection, or a new one.
    fn connection(&mut self) -> Result<&mut Connection, Failure> {
        if self.connection.is_none() {
            let connection = Connection::open(self.shared.addr, self.shared.timeout)
                .map_err(|e| Failure::new(ErrorKind::Connect, format!("cannot connect: {e}")))?;
            self.tally.connections_opened += 1;
            self.connection = Some(connection);
        }
        Ok(self.connection.as_mut().expect("just opened"))
    }

    /// Sends the request and checks the answer. A request that finds its idle
    /// keep-alive connection closed by the server is sent once more on a fresh one,
    /// as HTTP clients do.
    fn exchange(&mut self, probe: &Probe) -> Result<Outcome, Failure> {
        let timeout = self.shared.timeout;
        let pause = self.shared.slow_pause;
        for attempt in 0..2 {
            let connection = self.connection()?;
            let reused = connection.used > 0;
            connection.used += 1;
            let written = match probe.delivery {
                Delivery::Slow => connection.write_slowly(&probe.bytes, pause),
                _ => connection.write(&probe.bytes),
            };
            if let Err(error) = &written {
                if is_timeout(error) {
                    return Err(Failure::new(
                        ErrorKind::Hang,
                        format!("the server took no more of the request for {timeout:?}"),
                    ));
                }
            }
            // Read even when the write failed: a server that refuses a huge request
            // may answer and close before the client has written all of it.
            match connection.read(probe.head) {
                Answer::Response(response) => {
                    if written.is_err() || !keeps_alive(&response) {
                        self.connection = None;
                    }
                    return match check(&probe.expect, &response, probe.head) {
                        Ok(()) => Ok(Outcome::Status(response.status)),
                        Err(problem) => Err(Failure::new(
                            ErrorKind::WrongAnswer,
                            format!(
                                "{problem}\nresponse: {}",
                                response.head_text().trim_end().replace('\n', "\n  ")
                            ),
                        )),
                    };
                }
                read @ (Answer::Closed | Answer::Reset) => {
                    self.connection = None;
                    let outcome = match read {
                        Answer::Closed => Outcome::Closed,
                        _ => Outcome::Reset,
                    };
                    if probe.expect.allows_close() {
                        return Ok(outcome);
                    }
                    if reused && attempt == 0 {
                        self.tally.retries += 1;
                        continue;
                    }
                    let carried = if attempt == 0 {
                        "a fresh connection"
                    } else {
                        "a fresh connection, after the server had closed an idle one"
                    };
                    return Err(Failure::new(
                        ErrorKind::NoResponse,
                        format!("{carried} ended ({outcome}) without an answer"),
                    ));
                }
                Answer::TimedOut => {
                    return Err(Failure::new(
                        ErrorKind::Hang,
                        format!("no complete answer within {timeout:?}"),
                    ));
                }
                Answer::Malformed(error) => {
                    return Err(Failure::new(ErrorKind::BadResponse, error));
                }
            }
        }
        unreachable!("the second attempt always returns")
    }

    /// Sends part of a request, closes the sending side, and waits for the server
    /// to close too. Whatever it answers first is recorded, not checked: a server
    /// may answer a request whose body it never reads.
    fn truncated(&mut self, probe: &Probe) -> Result<Outcome, Failure> {
        let timeout = self.shared.timeout;
        let mut connection = match self.connection.take() {
            Some(connection) => connection,
            None => {
                self.connection()?;
                self.connection.take().expect("just opened")
            }
        };
        // A write may fail if the server has already given up on the connection;
        // what matters is that it ends.
        let _ = connection.write(&probe.bytes);
        let _ = connection.stream().shutdown(Shutdown::Write);
        // Each read may take `timeout`; the whole drain gets a few times that, so a
        // server that trickles bytes forever is caught, and one short answer is not.
        let deadline = Instant::now() + timeout * 4;
        let mut received = Vec::new();
        let mut buffer = [0; 4096];
        loop {
            match connection.reader.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => {
                    // Keep the start, for the status; a server that streams forever
                    // hits the deadline below.
                    if received.len() < 64 {
                        received.extend_from_slice(&buffer[..n]);
                    }
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) if is_timeout(&error) => {
                    return Err(Failure::new(
                        ErrorKind::Hang,
                        format!("the server kept the connection open {timeout:?} after the client closed its side"),
                    ));
                }
                Err(_) => break,
            }
            if Instant::now() >= deadline {
                return Err(Failure::new(
                    ErrorKind::Hang,
                    format!(
                        "the server was still sending {:?} after the client closed its side",
                        timeout * 4
                    ),
                ));
            }
        }
        Ok(status_of(&received).map_or(Outcome::Closed, Outcome::Status))
    }
}

/// The status code of the status line `bytes` start with, if any.
fn status_of(bytes: &[u8]) -> Option<u16> {
    let rest = bytes.strip_prefix(b"HTTP/1.")?;
    std::str::from_utf8(rest.get(2..5)?).ok()?.parse().ok()
}

/// The request as sent, a line at a time, long lines cut short.
pub(crate) fn describe_request(bytes: &[u8]) -> String {
    const LINES_SHOWN: usize = 12;
    let mut lines = bytes.split(|&b| b == b'\n');
    let mut text = String::from("request:");
    for line in lines.by_ref().take(LINES_SHOWN) {
        text.push_str("\n  ");
        text.push_str(&preview(line.strip_suffix(b"\r").unwrap_or(line)));
    }
    let more = lines.count();
    if more > 0 {
        text.push_str(&format!("\n  ... {more} more lines"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines() {
        assert_eq!(status_of(b"HTTP/1.1 400 Bad Request\r\n"), Some(400));
        assert_eq!(status_of(b"HTTP/1.0 200 OK"), Some(200));
        assert_eq!(status_of(b"HTTP/1.1 2"), None);
        assert_eq!(status_of(b""), None);
    }

    #[test]
    fn connection_close_and_refusals_end_the_connection() {
        let response = |status, headers: &[(&str, &str)]| Response {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec()))
                .collect(),
            body: Vec::new(),
        };
        assert!(keeps_alive(&response(200, &[])));
        assert!(keeps_alive(&response(200, &[("connection", "keep-alive")])));
        assert!(!keeps_alive(&response(200, &[("Connection", "Close")])));
        assert!(!keeps_alive(&response(
            200,
            &[("connection", "upgrade, close")]
        )));
        assert!(!keeps_alive(&response(431, &[])));
    }

    #[test]
    fn requests_are_described_line_by_line() {
        let text = describe_request(b"GET / HTTP/1.1\r\norigin: \xff\r\n\r\n");
        assert_eq!(text, "request:\n  GET / HTTP/1.1\n  origin: \\xFF\n  \n  ");
        let long: Vec<u8> = (0..20)
            .flat_map(|i| format!("x-{i}: v\r\n").into_bytes())
            .collect();
        assert!(describe_request(&long).ends_with("... 9 more lines"));
    }
}
