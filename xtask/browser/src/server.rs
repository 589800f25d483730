//! A conformance server process: `conformance-<fw> --config <policy.json> --port 0`,
//! ready once it prints `listening on http://127.0.0.1:<port>`, killed when dropped.
//!
//! The conformance runner has the same logic (`cors_conformance::runner`), with
//! stdout and SIGTERM checks this crate does not need; it is private there, so this
//! is the short version.

use std::io::{BufRead, BufReader, Read};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

use cors_conformance::runner::STARTUP_TIMEOUT;

/// A running conformance server.
pub struct ConformanceServer {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl ConformanceServer {
    /// Starts `binary` with the policy file at `policy` and waits for its
    /// `listening on` line.
    pub fn start(binary: &Path, policy: &Path) -> Result<ConformanceServer, String> {
        let mut child = Command::new(binary)
            .arg("--config")
            .arg(policy)
            .args(["--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;

        // Both pipes are drained to their end on threads of their own, so that the
        // server never blocks on a full pipe.
        let stdout = child.stdout.take().expect("piped");
        let (first_line, line) = mpsc::channel();
        thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(first)) = lines.next() {
                let _ = first_line.send(first);
            }
            lines.for_each(drop);
        });
        let mut stderr_pipe = child.stderr.take().expect("piped");
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&stderr);
        thread::spawn(move || {
            let mut buffer = [0; 4096];
            while let Ok(n @ 1..) = stderr_pipe.read(&mut buffer) {
                sink.lock()
                    .expect("not poisoned")
                    .extend_from_slice(&buffer[..n]);
            }
        });

        let mut server = ConformanceServer {
            child,
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            stderr,
        };
        let port = match line.recv_timeout(STARTUP_TIMEOUT) {
            Ok(line) => line
                .strip_prefix("listening on http://127.0.0.1:")
                .and_then(|port| port.trim_end().parse::<u16>().ok())
                .ok_or_else(|| format!("its first stdout line was {line:?}")),
            Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
                "no `listening on` line within {} s",
                STARTUP_TIMEOUT.as_secs()
            )),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err("it exited".to_owned()),
        };
        match port {
            Ok(port) => {
                server.addr.set_port(port);
                Ok(server)
            }
            Err(problem) => {
                server.kill();
                Err(format!(
                    "{} did not start: {problem}{}",
                    binary.display(),
                    server.stderr_tail()
                ))
            }
        }
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The last lines the server wrote to stderr, for failure messages.
    pub fn stderr_tail(&self) -> String {
        let bytes = self.stderr.lock().expect("not poisoned").clone();
        let text = String::from_utf8_lossy(&bytes);
        let lines: Vec<&str> = text.trim().lines().collect();
        if lines.is_empty() {
            return String::new();
        }
        let tail = &lines[lines.len().saturating_sub(10)..];
        format!("; its stderr ends with:\n  {}", tail.join("\n  "))
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ConformanceServer {
    fn drop(&mut self) {
        self.kill();
    }
}
