//! Starting a `conformance-<fw>` server, watching it, and stopping it.
//!
//! This repeats, in small, what `cors_conformance::runner` does privately: start the
//! binary with `--config <policy.json> --port 0` and read its
//! `listening on http://127.0.0.1:<port>` line.

use std::io::{BufRead, BufReader, Read};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use cors_conformance::client::escape;
use cors_conformance::runner::{parse_listening_line, SHUTDOWN_TIMEOUT, STARTUP_TIMEOUT};

/// What the soak needs to know about the server while it runs.
pub(crate) trait Watch: Sync {
    /// How the process ended, if it has.
    fn exited(&self) -> Option<String>;
    /// Its resident memory in KiB, where the platform tells.
    fn rss_kib(&self) -> Option<u64>;
    /// What it last wrote to stderr, to explain a crash.
    fn last_words(&self) -> String;
}

/// How much of the server's stderr is kept for the report: the end of it, where a
/// panic message would be.
const STDERR_KEPT: usize = 16 * 1024;

/// A running server process.
pub(crate) struct Server {
    child: Mutex<Child>,
    pid: u32,
    addr: SocketAddr,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl Server {
    /// Starts `binary` with the policy at `policy` on a free port and waits for its
    /// `listening on` line.
    pub(crate) fn start(binary: &Path, policy: &Path) -> Result<Server, String> {
        let mut child = Command::new(binary)
            .arg("--config")
            .arg(policy)
            .args(["--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        let kept = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&kept);
        thread::spawn(move || keep_tail(stderr, &sink));
        let (line_tx, line_rx) = mpsc::channel();
        thread::spawn(move || {
            let mut stdout = BufReader::new(stdout);
            let mut line = Vec::new();
            let _ = stdout.read_until(b'\n', &mut line);
            let _ = line_tx.send(line);
            // Keep reading, so that the server never blocks on a full pipe.
            let _ = std::io::copy(&mut stdout, &mut std::io::sink());
        });
        let mut server = Server {
            pid: child.id(),
            child: Mutex::new(child),
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            stderr: kept,
        };
        let line = line_rx.recv_timeout(STARTUP_TIMEOUT).map_err(|_| {
            format!(
                "no `listening on` line on stdout within {} s{}",
                STARTUP_TIMEOUT.as_secs(),
                server.stderr_tail()
            )
        })?;
        match parse_listening_line(&line) {
            Some(port) => {
                server.addr.set_port(port);
                Ok(server)
            }
            None => {
                // Give a crashing server a moment to finish its message.
                thread::sleep(Duration::from_millis(200));
                let exited = server
                    .exited()
                    .map(|s| format!(" ({s})"))
                    .unwrap_or_default();
                Err(format!(
                    "its first stdout line was \"{}\"{exited}, expected \"listening on http://127.0.0.1:<port>\"{}",
                    escape(&line),
                    server.stderr_tail()
                ))
            }
        }
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The last lines the server wrote to stderr, for the report.
    pub(crate) fn stderr_tail(&self) -> String {
        let bytes = self.stderr.lock().expect("not poisoned").clone();
        let text = String::from_utf8_lossy(&bytes);
        let lines: Vec<&str> = text.trim().lines().collect();
        if lines.is_empty() {
            return String::new();
        }
        let tail = &lines[lines.len().saturating_sub(10)..];
        format!("; its stderr ends with:\n  {}", tail.join("\n  "))
    }

    /// Ends the process: SIGTERM, then SIGKILL if it is still there after
    /// [`SHUTDOWN_TIMEOUT`].
    pub(crate) fn stop(&self) {
        let mut child = self.child.lock().expect("not poisoned");
        if child.try_wait().ok().flatten().is_some() {
            return;
        }
        #[cfg(unix)]
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status();
        let deadline = Instant::now() + SHUTDOWN_TIMEOUT;
        while Instant::now() < deadline {
            if child.try_wait().ok().flatten().is_some() {
                return;
            }
            thread::sleep(Duration::from_millis(10));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Watch for Server {
    fn exited(&self) -> Option<String> {
        let status = self.child.lock().expect("not poisoned").try_wait().ok()??;
        Some(status.to_string())
    }

    fn rss_kib(&self) -> Option<u64> {
        rss_kib(self.pid)
    }

    fn last_words(&self) -> String {
        // Give a dying process a moment to finish its message.
        thread::sleep(Duration::from_millis(200));
        self.stderr_tail()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // A panic in the soak must not leave a server behind.
        let child = self.child.get_mut().unwrap_or_else(|e| e.into_inner());
        if child.try_wait().ok().flatten().is_none() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Reads `pipe` to its end, keeping only the last [`STDERR_KEPT`] bytes: a server
/// that logs every refused request would otherwise fill memory over a million.
fn keep_tail(mut pipe: impl Read, kept: &Mutex<Vec<u8>>) {
    let mut buffer = [0; 4096];
    while let Ok(n @ 1..) = pipe.read(&mut buffer) {
        let mut kept = kept.lock().expect("not poisoned");
        kept.extend_from_slice(&buffer[..n]);
        if kept.len() > 2 * STDERR_KEPT {
            let cut = kept.len() - STDERR_KEPT;
            kept.drain(..cut);
        }
    }
}

/// `VmRSS` of process `pid` from `/proc/<pid>/status`, in KiB.
pub(crate) fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_vm_rss(&status)
}

fn parse_vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let mut words = line["VmRSS:".len()..].split_whitespace();
    let kib = words.next()?.parse().ok()?;
    (words.next() == Some("kB")).then_some(kib)
}

/// The soak's policy, written to a file of its own for the server to read, and
/// removed again when dropped.
pub(crate) struct PolicyFile {
    path: PathBuf,
}

impl PolicyFile {
    pub(crate) fn write(contents: &str, adapter: &str) -> Result<PolicyFile, String> {
        let path = std::env::temp_dir().join(format!(
            "cors-soak-{}-{adapter}-{}.json",
            std::process::id(),
            unique()
        ));
        std::fs::write(&path, contents)
            .map_err(|e| format!("cannot write the policy to {}: {e}", path.display()))?;
        Ok(PolicyFile { path })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for PolicyFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A number no other call in this process returns, for file names.
fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_rss() {
        let status = "Name:\tx\nVmPeak:\t  9000 kB\nVmRSS:\t    7364 kB\nThreads:\t3\n";
        assert_eq!(parse_vm_rss(status), Some(7364));
        assert_eq!(parse_vm_rss("VmRSS: 12 MB\n"), None);
        assert_eq!(parse_vm_rss("Name: x\n"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_has_resident_memory() {
        assert!(rss_kib(std::process::id()).is_some_and(|kib| kib > 0));
    }

    #[test]
    fn a_missing_binary_does_not_start() {
        let policy = PolicyFile::write("{}", "test").unwrap();
        let error = Server::start(Path::new("/nonexistent/conformance-x"), policy.path())
            .err()
            .expect("no server");
        assert!(error.contains("cannot run"), "{error}");
    }
}
