//! A `conformance-<fw>` server process, as every test that drives one needs it: started
//! with `--config <policy.json> --port 0`, ready once it prints
//! `listening on http://127.0.0.1:<port>`, stopped with SIGTERM, killed when dropped. The
//! conformance runner, the soak and the browser tests all start their servers here.
//!
//! ```no_run
//! use std::path::Path;
//! use cors_conformance::process::Server;
//!
//! let server = Server::start(
//!     Path::new("target/debug/examples/conformance-axum"),
//!     Path::new("policy.json"),
//! )?;
//! // ... send requests to `server.addr()` ...
//! let stopped = server.stop();
//! assert_eq!(stopped.sigterm_problem, None);
//! # Ok::<(), String>(())
//! ```

use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crate::client::escape;

/// How long a server may take to print its `listening on` line (a debug build of a
/// big framework can be slow to start on a busy machine).
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a server may take to exit after SIGTERM; the contract says "promptly".
pub const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// How much of each output pipe is kept: the start of stdout (the listening line and
/// anything that wrongly follows it) and the end of stderr (where a panic message would
/// be). A server that logs every request would otherwise fill memory over a soak's
/// million requests.
const KEPT: usize = 16 * 1024;

/// How often waiting loops look again.
pub(crate) const POLL: Duration = Duration::from_millis(5);

/// How long to wait for a pipe's reader to pick up what a process wrote last.
const DRAIN: Duration = Duration::from_millis(500);

/// A running server process. `Sync`, so that threads sending requests can watch it.
pub struct Server {
    child: Mutex<Child>,
    pid: u32,
    addr: SocketAddr,
    stdout: Captured,
    stderr: Captured,
}

/// What stopping a server found out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stopped {
    /// Why SIGTERM did not end the server promptly, if it did not.
    pub sigterm_problem: Option<String>,
    /// What the server printed to stdout after its listening line (its start, at most
    /// 16 KiB in all).
    pub extra_stdout: Vec<u8>,
}

impl Server {
    /// Starts `binary` with the policy at `policy` on a free port and waits up to
    /// [`STARTUP_TIMEOUT`] for its `listening on` line. The error says what went wrong,
    /// followed by the end of the server's stderr.
    pub fn start(binary: &Path, policy: &Path) -> Result<Server, String> {
        let mut child = Command::new(binary)
            .arg("--config")
            .arg(policy)
            .args(["--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
        let stdout = Captured::new(child.stdout.take().expect("piped"), Keep::Head);
        let stderr = Captured::new(child.stderr.take().expect("piped"), Keep::Tail);
        let mut server = Server {
            pid: child.id(),
            child: Mutex::new(child),
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            stdout,
            stderr,
        };
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        let line = loop {
            if let Some(line) = server.stdout.first_line() {
                break line;
            }
            if server.stdout.is_closed() || server.exited().is_some() {
                server.stdout.wait_closed(DRAIN);
                break server
                    .stdout
                    .first_line()
                    .unwrap_or_else(|| server.stdout.bytes());
            }
            if Instant::now() >= deadline {
                server.kill();
                return Err(format!(
                    "no `listening on` line on stdout within {} s{}",
                    STARTUP_TIMEOUT.as_secs(),
                    server.stderr_tail()
                ));
            }
            thread::sleep(POLL);
        };
        if let Some(port) = parse_listening_line(&line) {
            server.addr.set_port(port);
            return Ok(server);
        }
        // Give a crashing server a moment to finish its message and exit.
        let exited = server.wait_for_exit(Duration::from_millis(200));
        server.kill();
        Err(match exited {
            Some(status) if line.is_empty() => {
                format!("it exited ({status}){}", server.stderr_tail())
            }
            _ => format!(
                "its first stdout line was \"{}\"{}, expected \"listening on http://127.0.0.1:<port>\"{}",
                escape(&line),
                exited.map(|s| format!(" ({s})")).unwrap_or_default(),
                server.stderr_tail()
            ),
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The exit status, if the process has ended.
    pub fn exited(&self) -> Option<ExitStatus> {
        self.child().try_wait().ok().flatten()
    }

    /// The last lines the server wrote to stderr, for failure messages: empty, or
    /// `"; its stderr ends with:"` and up to ten indented lines. Waits briefly for a
    /// dying process to finish its message.
    pub fn stderr_tail(&self) -> String {
        self.stderr.wait_closed(DRAIN);
        let bytes = self.stderr.bytes();
        let text = String::from_utf8_lossy(&bytes);
        let lines: Vec<&str> = text.trim().lines().collect();
        if lines.is_empty() {
            return String::new();
        }
        let tail = &lines[lines.len().saturating_sub(10)..];
        format!("; its stderr ends with:\n  {}", tail.join("\n  "))
    }

    /// Sends SIGTERM, waits for the process to end (killing it after
    /// [`SHUTDOWN_TIMEOUT`]), and collects what it printed.
    pub fn stop(self) -> Stopped {
        let sigterm_problem = match self.exited() {
            // Its pid may be another process's by now: no signal.
            Some(status) => Some(format!("it had exited before SIGTERM ({status})")),
            None => match self.terminate() {
                Err(problem) => Some(problem),
                Ok(()) => match self.wait_for_exit(SHUTDOWN_TIMEOUT) {
                    Some(_) => None,
                    None => Some(format!(
                        "still running {} s after SIGTERM",
                        SHUTDOWN_TIMEOUT.as_secs()
                    )),
                },
            },
        };
        self.kill();
        self.stdout.wait_closed(DRAIN);
        let stdout = self.stdout.bytes();
        let first_line_end = stdout.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1);
        Stopped {
            sigterm_problem,
            extra_stdout: stdout[first_line_end..].to_vec(),
        }
    }

    /// Sends SIGTERM, as a service manager would.
    #[cfg(unix)]
    fn terminate(&self) -> Result<(), String> {
        self.signal("TERM")
    }

    /// Sends SIGHUP: the contract's "read the policy file again".
    #[cfg(unix)]
    pub fn hang_up(&self) -> Result<(), String> {
        self.signal("HUP")
    }

    #[cfg(unix)]
    fn signal(&self, name: &str) -> Result<(), String> {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.pid.to_string()])
            .status()
            .map_err(|e| format!("cannot run `kill`: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`kill -{name}` failed ({status})"))
        }
    }

    /// Waits up to `timeout` for stdout to hold `count` lines (the `listening on` line
    /// included), and returns the complete lines it holds then.
    pub fn wait_for_stdout_lines(&self, count: usize, timeout: Duration) -> Vec<String> {
        self.wait_for_lines(&self.stdout, count, timeout)
    }

    /// Waits up to `timeout` for stderr to hold `count` lines, and returns the complete
    /// lines it holds then. (Each pipe has its own reader thread, so a line the server
    /// wrote to stderr before a line on stdout may still be on its way when the stdout
    /// line is seen.)
    pub fn wait_for_stderr_lines(&self, count: usize, timeout: Duration) -> Vec<String> {
        self.wait_for_lines(&self.stderr, count, timeout)
    }

    fn wait_for_lines(&self, pipe: &Captured, count: usize, timeout: Duration) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let bytes = pipe.bytes();
            let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let lines: Vec<String> = String::from_utf8_lossy(&bytes[..complete])
                .lines()
                .map(str::to_owned)
                .collect();
            if lines.len() >= count || Instant::now() >= deadline || self.exited().is_some() {
                return lines;
            }
            thread::sleep(POLL);
        }
    }

    /// The complete lines on stderr so far (counted as [`Self::wait_for_stderr_lines`]
    /// counts them).
    pub fn stderr_lines(&self) -> Vec<String> {
        self.wait_for_lines(&self.stderr, 0, Duration::ZERO)
    }

    /// No signals here: ending the process is the best there is.
    #[cfg(not(unix))]
    fn terminate(&self) -> Result<(), String> {
        self.child()
            .kill()
            .map_err(|e| format!("cannot end the server: {e}"))
    }

    /// The child, even if a thread panicked holding it: it still has to be stopped.
    fn child(&self) -> MutexGuard<'_, Child> {
        self.child.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Polls until the process exits or `timeout` passes.
    fn wait_for_exit(&self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.exited() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(POLL);
        }
    }

    /// Ends the process with SIGKILL and reaps it.
    fn kill(&self) {
        let mut child = self.child();
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // A panic between start and stop must not leave a server behind.
        if self.exited().is_none() {
            self.kill();
        }
    }
}

/// `listening on http://127.0.0.1:8080\n` → 8080: the contract's line, newline included.
pub fn parse_listening_line(line: &[u8]) -> Option<u16> {
    let line = line.strip_suffix(b"\n")?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let port = line.strip_prefix(b"listening on http://127.0.0.1:")?;
    if port.is_empty() || !port.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(port)
        .ok()?
        .parse()
        .ok()
        .filter(|&p| p != 0)
}

/// Which part of a pipe's output [`Captured`] keeps once there is more than [`KEPT`].
#[derive(Clone, Copy)]
pub(crate) enum Keep {
    /// The first bytes.
    Head,
    /// The last bytes.
    Tail,
}

/// A child's output pipe, read to its end on a thread of its own so that the child
/// never blocks on a full pipe. What has arrived can be looked at any time, without
/// waiting for the end: a process the server started could hold the pipe open long
/// after the server is gone.
pub(crate) struct Captured {
    bytes: Arc<Mutex<Vec<u8>>>,
    closed: Arc<AtomicBool>,
}

impl Captured {
    pub(crate) fn new<R: Read + Send + 'static>(mut pipe: R, keep: Keep) -> Captured {
        let bytes = Arc::new(Mutex::new(Vec::new()));
        let closed = Arc::new(AtomicBool::new(false));
        let (sink, done) = (Arc::clone(&bytes), Arc::clone(&closed));
        thread::spawn(move || {
            let mut buffer = [0; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut buffer) {
                let mut kept = sink.lock().unwrap_or_else(PoisonError::into_inner);
                match keep {
                    Keep::Head => {
                        let room = KEPT.saturating_sub(kept.len()).min(n);
                        kept.extend_from_slice(&buffer[..room]);
                    }
                    Keep::Tail => {
                        kept.extend_from_slice(&buffer[..n]);
                        // Cut only now and then, not on every read.
                        if kept.len() > 2 * KEPT {
                            let cut = kept.len() - KEPT;
                            kept.drain(..cut);
                        }
                    }
                }
            }
            done.store(true, Ordering::Release);
        });
        Captured { bytes, closed }
    }

    /// Everything kept so far.
    pub(crate) fn bytes(&self) -> Vec<u8> {
        self.kept().clone()
    }

    /// The first line, with its line break, once it is complete.
    pub(crate) fn first_line(&self) -> Option<Vec<u8>> {
        let bytes = self.kept();
        let end = bytes.iter().position(|&b| b == b'\n')?;
        Some(bytes[..=end].to_vec())
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Waits up to `timeout` for the end of the pipe; whether it came.
    pub(crate) fn wait_closed(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while !self.is_closed() {
            if Instant::now() >= deadline {
                return false;
            }
            thread::sleep(POLL);
        }
        true
    }

    fn kept(&self) -> MutexGuard<'_, Vec<u8>> {
        self.bytes.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listening_line() {
        assert_eq!(
            parse_listening_line(b"listening on http://127.0.0.1:8080\n"),
            Some(8080)
        );
        assert_eq!(
            parse_listening_line(b"listening on http://127.0.0.1:1\r\n"),
            Some(1)
        );
        assert_eq!(
            parse_listening_line(b"listening on http://127.0.0.1:8080"),
            None
        );
        assert_eq!(
            parse_listening_line(b"listening on http://127.0.0.1:0\n"),
            None
        );
        assert_eq!(
            parse_listening_line(b"listening on http://0.0.0.0:80\n"),
            None
        );
        assert_eq!(parse_listening_line(b"Rocket has launched\n"), None);
        assert_eq!(parse_listening_line(b""), None);
    }

    #[test]
    fn a_missing_binary_does_not_start() {
        let error = Server::start(
            Path::new("/nonexistent/conformance-x"),
            Path::new("policy.json"),
        )
        .err()
        .expect("no server");
        assert!(error.contains("cannot run"), "{error}");
    }

    #[test]
    fn captured_pipes_keep_their_head_or_tail() {
        let input: Vec<u8> = (0..3 * KEPT).map(|i| (i % 251) as u8).collect();
        let head = Captured::new(std::io::Cursor::new(input.clone()), Keep::Head);
        let tail = Captured::new(std::io::Cursor::new(input.clone()), Keep::Tail);
        assert!(head.wait_closed(Duration::from_secs(5)));
        assert!(tail.wait_closed(Duration::from_secs(5)));
        assert_eq!(head.bytes(), input[..KEPT]);
        let kept = tail.bytes();
        assert!((KEPT..=2 * KEPT).contains(&kept.len()));
        assert!(input.ends_with(&kept));
    }
}
