//! The contract's reload: SIGHUP makes a server read its policy file again, `reloaded`
//! when the new policy took effect, `kept` (and one line on stderr) when it was refused.
//! Run by [`run_suite`](crate::run_suite) against every adapter, after the cases.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::client::{self, Request, Response};
use crate::process::Server;

/// How long a server may take to print its answer to a SIGHUP.
const RELOAD_TIMEOUT: Duration = Duration::from_secs(10);

/// The first policy, then the one a valid reload brings: every part differs.
const BEFORE: &str = r#"{"allow_origins": ["https://a.example"], "allow_methods": ["PUT"]}"#;
const AFTER: &str = r#"{"allow_origins": ["https://b.example"], "allow_methods": ["PATCH"],
  "allow_headers": ["x-b"], "allow_credentials": true, "max_age": 30}"#;
/// Invalid: `*` with credentials.
const INVALID: &str = r#"{"allow_origins": "*", "allow_credentials": true}"#;

/// The reload checks, each with its problems (none when it passed).
pub(crate) fn checks(binary: &Path, adapter: &str) -> Vec<(&'static str, Vec<String>)> {
    let dir = std::env::temp_dir().join(format!("cors-reload-{adapter}-{}", std::process::id()));
    let outcome = run(binary, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    match outcome {
        Ok(checks) => checks,
        Err(problem) => NAMES
            .iter()
            .map(|name| (*name, vec![problem.clone()]))
            .collect(),
    }
}

const NAMES: [&str; 3] = [
    "reload/SIGHUP with a valid file replaces the whole policy and prints `reloaded`",
    "reload/SIGHUP with an invalid file keeps the policy, prints `kept` and names the field",
    "reload/SIGHUP with a missing file keeps the policy and prints `kept`",
];

fn run(binary: &Path, dir: &Path) -> Result<Vec<(&'static str, Vec<String>)>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
    let policy: PathBuf = dir.join("policy.json");
    write(&policy, BEFORE)?;
    let server = Server::start(binary, &policy)?;
    let mut checks = Vec::new();

    let mut problems = expect_origin(&server, "https://a.example", true);
    write(&policy, AFTER)?;
    problems.extend(hang_up(&server, 2, "reloaded"));
    problems.extend(expect_origin(&server, "https://a.example", false));
    problems.extend(expect_after(&server));
    checks.push((NAMES[0], problems));

    write(&policy, INVALID)?;
    let stderr_before = server.stderr_lines().len();
    let mut problems = hang_up(&server, 3, "kept");
    let stderr = server.wait_for_stderr_lines(stderr_before + 1, RELOAD_TIMEOUT);
    let new_lines: Vec<&str> = stderr
        .iter()
        .skip(stderr_before)
        .map(String::as_str)
        .collect();
    if new_lines.len() != 1 || !new_lines[0].contains("allow_credentials") {
        problems.push(format!(
            "expected one new stderr line naming allow_credentials, got {new_lines:?}"
        ));
    }
    problems.extend(expect_after(&server));
    checks.push((NAMES[1], problems));

    std::fs::remove_file(&policy).map_err(|e| format!("cannot remove the policy: {e}"))?;
    let mut problems = hang_up(&server, 4, "kept");
    problems.extend(expect_after(&server));
    checks.push((NAMES[2], problems));

    let stopped = server.stop();
    if let Some(problem) = stopped.sigterm_problem {
        checks.push(("reload/SIGTERM still ends the server", vec![problem]));
    }
    Ok(checks)
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Sends SIGHUP and expects stdout's line `line` (1-based, `listening on` being 1) to be
/// `said`.
fn hang_up(server: &Server, line: usize, said: &str) -> Vec<String> {
    if let Err(problem) = server.hang_up() {
        return vec![problem];
    }
    let lines = server.wait_for_stdout_lines(line, RELOAD_TIMEOUT);
    match lines.get(line - 1) {
        Some(got) if got == said => Vec::new(),
        Some(got) => vec![format!(
            "after SIGHUP stdout said {got:?}, expected {said:?}"
        )],
        None => vec![format!(
            "no {said:?} on stdout within {} s of SIGHUP (stdout: {lines:?}){}",
            RELOAD_TIMEOUT.as_secs(),
            match server.exited() {
                Some(status) => format!("; the server exited ({status})"),
                None => String::new(),
            }
        )],
    }
}

fn send(server: &Server, method: &str, headers: &[(&str, &str)]) -> Result<Response, String> {
    let request = Request {
        method: method.to_owned(),
        path: "/".to_owned(),
        headers: headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), v.as_bytes().to_vec()))
            .collect(),
        body: Vec::new(),
    };
    client::send(server.addr(), &request).map_err(|e| format!("{method} /: {e}"))
}

/// A GET from `origin` gets `Access-Control-Allow-Origin: origin` when `allowed`, none
/// otherwise.
fn expect_origin(server: &Server, origin: &str, allowed: bool) -> Vec<String> {
    match send(server, "GET", &[("origin", origin)]) {
        Ok(response) => {
            let acao = response.header("access-control-allow-origin");
            let expected = allowed.then(|| origin.as_bytes().to_vec());
            if acao == expected {
                Vec::new()
            } else {
                vec![format!(
                    "GET from {origin}: access-control-allow-origin {:?}, expected {:?}",
                    acao.map(|v| String::from_utf8_lossy(&v).into_owned()),
                    expected.map(|_| origin)
                )]
            }
        }
        Err(problem) => vec![problem],
    }
}

/// The second policy answers a preflight with every one of its parts.
fn expect_after(server: &Server) -> Vec<String> {
    let response = match send(
        server,
        "OPTIONS",
        &[
            ("origin", "https://b.example"),
            ("access-control-request-method", "PATCH"),
            ("access-control-request-headers", "x-b"),
        ],
    ) {
        Ok(response) => response,
        Err(problem) => return vec![problem],
    };
    let mut problems = Vec::new();
    if response.status != 204 {
        problems.push(format!(
            "preflight under the new policy: status {}",
            response.status
        ));
    }
    for (name, value) in [
        ("access-control-allow-origin", "https://b.example"),
        ("access-control-allow-methods", "PATCH"),
        ("access-control-allow-headers", "x-b"),
        ("access-control-allow-credentials", "true"),
        ("access-control-max-age", "30"),
    ] {
        let got = response.header(name);
        if got.as_deref() != Some(value.as_bytes()) {
            problems.push(format!(
                "preflight under the new policy: {name} {:?}, expected {value:?}",
                got.map(|v| String::from_utf8_lossy(&v).into_owned())
            ));
        }
    }
    problems
}
