//! Running the suite against a server binary: one server process per policy, every
//! case of that policy sent to it in turn, then the start-up checks.

use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::case::{Case, StartupCheck, Suite};
use crate::check::check;
use crate::client::{self, escape, preview, Request};
use crate::report::Report;
use crate::server::EXIT_BAD_CONFIG;

/// How long a server may take to print its `listening on` line (a debug build of a
/// big framework can be slow to start on a busy machine).
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a server may take to exit after SIGTERM; the contract says "promptly".
pub const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// The two checks made on every server process, besides the cases it serves.
const STDOUT_CHECK: &str = "lifecycle/stdout holds only the listening line";
const SIGTERM_CHECK: &str = "lifecycle/SIGTERM ends the server promptly";

/// Runs the built-in suite against `binary`, reporting under the name `adapter`.
/// Failures listed in `known-deviations.toml` are reported as known, not as failed.
pub fn run(binary: &Path, adapter: &str) -> Report {
    let mut report = match Suite::builtin() {
        Ok(suite) => run_suite(&suite, binary, adapter),
        Err(error) => {
            let mut report = Report::new(adapter);
            report.fail("suite data", error.to_string());
            report
        }
    };
    match crate::report::known_deviations() {
        Ok(deviations) => report.apply_known_deviations(&deviations),
        Err(error) => report.fail("known deviations", error),
    }
    report
}

/// Runs `suite` against `binary`, reporting under the name `adapter`.
pub fn run_suite(suite: &Suite, binary: &Path, adapter: &str) -> Report {
    let mut report = Report::new(adapter);
    if !binary.is_file() {
        report.fail(
            "server binary",
            format!("{} does not exist; build it first", binary.display()),
        );
        return report;
    }
    let mut stdout_problems = Vec::new();
    let mut sigterm_problems = Vec::new();
    for (policy, cases) in suite.cases_by_policy() {
        let policy_path = suite.policy_path(policy);
        let mut server = match Server::start(binary, &policy_path) {
            Ok(server) => server,
            Err(problem) => {
                let details = format!("the server for policy `{policy}` did not start: {problem}");
                for case in cases {
                    report.fail(&case.name, &details);
                }
                continue;
            }
        };
        for case in cases {
            report.record(&case.name, run_case(&mut server, case));
        }
        let stopped = server.stop();
        if let Some(problem) = stopped.sigterm_problem {
            sigterm_problems.push(format!("policy `{policy}`: {problem}"));
        }
        if !stopped.extra_stdout.trim_ascii().is_empty() {
            stdout_problems.push(format!(
                "policy `{policy}`: after the listening line stdout got \"{}\"",
                escape(&stopped.extra_stdout)
            ));
        }
    }
    report.record(STDOUT_CHECK, stdout_problems);
    report.record(SIGTERM_CHECK, sigterm_problems);
    // A check for other adapters only is not run, and not reported.
    for startup in suite.startup.iter().filter(|s| s.applies_to(adapter)) {
        report.record(&startup.name, run_startup_check(binary, startup));
    }
    report
}

/// Sends one case's request and compares the response; the problems found, if any,
/// followed by the exchange for context.
fn run_case(server: &mut Server, case: &Case) -> Vec<String> {
    let mut problems = match client::send(server.addr, &case.request) {
        Ok(response) => {
            let problems = check(&case.expect, &response);
            if problems.is_empty() {
                return problems;
            }
            let mut problems = problems;
            problems.push(describe_request(&case.request));
            problems.push(format!("response: {}", indent(&response.head_text())));
            problems
        }
        Err(error) => vec![
            format!("request failed: {error}"),
            describe_request(&case.request),
        ],
    };
    if let Some(status) = server.exited() {
        problems.push(format!("the server has exited ({status})"));
    }
    problems
}

fn describe_request(request: &Request) -> String {
    let mut text = format!("request: {} {}", request.method, request.path);
    for (name, value) in &request.headers {
        text.push_str(&format!("\n  {name}: {}", preview(value)));
    }
    text
}

/// Indents every line after the first by two spaces, dropping the final newline.
fn indent(text: &str) -> String {
    text.trim_end().replace('\n', "\n  ")
}

/// A running server process.
pub struct Server {
    child: Child,
    addr: SocketAddr,
    stdout: Captured,
    stderr: Captured,
}

/// What stopping a server found out.
struct Stopped {
    sigterm_problem: Option<String>,
    /// Everything the server printed to stdout after its listening line.
    extra_stdout: Vec<u8>,
}

impl Server {
    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Starts `binary` with the policy at `policy_path` on a free port and waits for
    /// its `listening on` line.
    pub fn start(binary: &Path, policy_path: &Path) -> Result<Server, String> {
        let mut child = Command::new(binary)
            .arg("--config")
            .arg(policy_path)
            .args(["--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
        let stdout = Captured::new(child.stdout.take().expect("piped"));
        let stderr = Captured::new(child.stderr.take().expect("piped"));
        let mut server = Server {
            child,
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
                // Give the reader a moment to pick up what the process wrote last.
                server.stdout.wait_closed(Duration::from_millis(500));
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
        let exited = server.exited();
        server.kill();
        Err(match exited {
            Some(status) if line.is_empty() => {
                format!("it exited ({status}){}", server.stderr_tail())
            }
            _ => format!(
                "its first stdout line was \"{}\", expected \"listening on http://127.0.0.1:<port>\"{}",
                escape(&line),
                server.stderr_tail()
            ),
        })
    }

    /// The exit status, if the process has ended.
    fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Ends the process with SIGKILL and reaps it.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The last lines the server wrote to stderr, for failure messages.
    pub fn stderr_tail(&self) -> String {
        self.stderr.wait_closed(Duration::from_millis(500));
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
    fn stop(mut self) -> Stopped {
        let sigterm_problem = match terminate(&mut self.child) {
            Err(problem) => Some(problem),
            Ok(()) => match wait_for_exit(&mut self.child, SHUTDOWN_TIMEOUT) {
                Some(_) => None,
                None => Some(format!(
                    "still running {} s after SIGTERM",
                    SHUTDOWN_TIMEOUT.as_secs()
                )),
            },
        };
        self.kill();
        self.stdout.wait_closed(Duration::from_millis(500));
        let stdout = self.stdout.bytes();
        let first_line_end = stdout.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1);
        Stopped {
            sigterm_problem,
            extra_stdout: stdout[first_line_end..].to_vec(),
        }
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

/// Sends SIGTERM, as a service manager would.
#[cfg(unix)]
fn terminate(child: &mut Child) -> Result<(), String> {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .map_err(|e| format!("cannot run `kill`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`kill -TERM` failed ({status})"))
    }
}

/// No signals here: ending the process is the best there is.
#[cfg(not(unix))]
fn terminate(child: &mut Child) -> Result<(), String> {
    child
        .kill()
        .map_err(|e| format!("cannot end the server: {e}"))
}

/// How often waiting loops look again.
const POLL: Duration = Duration::from_millis(5);

/// Polls until `child` exits or `timeout` passes.
fn wait_for_exit(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if Instant::now() >= deadline {
            return None;
        }
        thread::sleep(POLL);
    }
}

/// A child's output pipe, read to its end on a thread of its own so that the child
/// never blocks on a full pipe. What has arrived can be looked at any time, without
/// waiting for the end: a process the server started could hold the pipe open long
/// after the server is gone.
struct Captured {
    bytes: Arc<Mutex<Vec<u8>>>,
    closed: Arc<AtomicBool>,
}

impl Captured {
    fn new<R: Read + Send + 'static>(mut pipe: R) -> Captured {
        let bytes = Arc::new(Mutex::new(Vec::new()));
        let closed = Arc::new(AtomicBool::new(false));
        let (sink, done) = (Arc::clone(&bytes), Arc::clone(&closed));
        thread::spawn(move || {
            let mut buffer = [0; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut buffer) {
                sink.lock()
                    .expect("not poisoned")
                    .extend_from_slice(&buffer[..n]);
            }
            done.store(true, Ordering::Release);
        });
        Captured { bytes, closed }
    }

    /// Everything read so far.
    fn bytes(&self) -> Vec<u8> {
        self.bytes.lock().expect("not poisoned").clone()
    }

    /// The first line, with its line break, once it is complete.
    fn first_line(&self) -> Option<Vec<u8>> {
        let bytes = self.bytes.lock().expect("not poisoned");
        let end = bytes.iter().position(|&b| b == b'\n')?;
        Some(bytes[..=end].to_vec())
    }

    fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Waits up to `timeout` for the end of the pipe; whether it came.
    fn wait_closed(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while !self.is_closed() {
            if Instant::now() >= deadline {
                return false;
            }
            thread::sleep(POLL);
        }
        true
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

/// Starts the binary with arguments it must refuse, and checks how it refuses.
fn run_startup_check(binary: &Path, startup: &StartupCheck) -> Vec<String> {
    let mut child = match Command::new(binary)
        .args(&startup.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(error) => return vec![format!("cannot run {}: {error}", binary.display())],
    };
    let stdout = Captured::new(child.stdout.take().expect("piped"));
    let stderr = Captured::new(child.stderr.take().expect("piped"));
    let mut problems = Vec::new();
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break Some(status);
        }
        // A server that starts serving will not exit by itself: stop it now rather
        // than after the timeout.
        if stdout.first_line().is_some() {
            problems.push("it started; expected it to refuse the configuration".to_owned());
            break None;
        }
        if Instant::now() >= deadline {
            problems.push(format!(
                "still running after {} s; expected it to refuse the configuration",
                STARTUP_TIMEOUT.as_secs()
            ));
            break None;
        }
        thread::sleep(POLL);
    };
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    stdout.wait_closed(Duration::from_millis(500));
    stderr.wait_closed(Duration::from_millis(500));
    let (stdout, stderr) = (stdout.bytes(), stderr.bytes());

    if let Some(status) = status.filter(|s| s.code() != Some(EXIT_BAD_CONFIG)) {
        problems.push(format!(
            "exit status: expected {EXIT_BAD_CONFIG}, got {status}"
        ));
    }
    if !stdout.is_empty() {
        problems.push(format!(
            "stdout: expected nothing, got \"{}\"",
            escape(&stdout)
        ));
    }
    let line = stderr.strip_suffix(b"\n").unwrap_or(&stderr);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.trim_ascii().is_empty() {
        problems.push("stderr: expected one line, got nothing".to_owned());
    } else if line.contains(&b'\n') {
        problems.push(format!(
            "stderr: expected one line, got {}: \"{}\"",
            line.split(|&b| b == b'\n').count(),
            escape(&stderr)
        ));
    } else if !startup.mentions.is_empty()
        && !startup
            .mentions
            .iter()
            .any(|m| line.windows(m.len()).any(|w| w == m.as_bytes()))
    {
        let wanted: Vec<String> = startup.mentions.iter().map(|m| format!("`{m}`")).collect();
        problems.push(format!(
            "stderr: expected to mention {}, got \"{}\"",
            wanted.join(" or "),
            escape(line)
        ));
    }
    if !problems.is_empty() {
        problems.push(format!(
            "command: {} {}",
            binary.display(),
            startup.args.join(" ")
        ));
    }
    problems
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
    fn a_missing_binary_fails_the_report() {
        let report = run(Path::new("/nonexistent/conformance-x"), "x");
        assert_eq!(report.passed.len(), 0);
        assert_eq!(report.failed.len(), 1);
        assert!(report.failed[0].details.contains("does not exist"));
    }
}
