//! Running the suite against a server binary: one server process per policy, every
//! case of that policy sent to it in turn, then the start-up checks.

use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::case::{Case, StartupCheck, Suite};
use crate::check::check;
use crate::client::{self, escape, preview, Request};
use crate::process::{Captured, Keep, POLL, STARTUP_TIMEOUT};
use crate::report::Report;
use crate::server::EXIT_BAD_CONFIG;

// The browser tests name the server process the runner's.
pub use crate::process::Server;

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
        let server = match Server::start(binary, &policy_path) {
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
            report.record(&case.name, run_case(&server, case));
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
    for (name, problems) in crate::reload::checks(binary, adapter) {
        report.record(name, problems);
    }
    // A check for other adapters only is not run, and not reported.
    for startup in suite.startup.iter().filter(|s| s.applies_to(adapter)) {
        report.record(&startup.name, run_startup_check(binary, startup));
    }
    report
}

/// Sends one case's request and compares the response; the problems found, if any,
/// followed by the exchange for context.
fn run_case(server: &Server, case: &Case) -> Vec<String> {
    let mut problems = match client::send(server.addr(), &case.request) {
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
    let stdout = Captured::new(child.stdout.take().expect("piped"), Keep::Head);
    let stderr = Captured::new(child.stderr.take().expect("piped"), Keep::Head);
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
    fn a_missing_binary_fails_the_report() {
        let report = run(Path::new("/nonexistent/conformance-x"), "x");
        assert_eq!(report.passed.len(), 0);
        assert_eq!(report.failed.len(), 1);
        assert!(report.failed[0].details.contains("does not exist"));
    }
}
