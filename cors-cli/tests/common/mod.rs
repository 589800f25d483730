//! What the command-line tests share: running the built `fetch-cors` binary, and small HTTP
//! servers that answer CORS wrongly on purpose.

#![allow(dead_code)] // Each test file uses its part.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::thread;

/// What a run of the command printed, and its exit status.
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

/// Runs `fetch-cors` with `args`.
pub fn fetch_cors(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_fetch-cors"))
        .args(args)
        .output()
        .expect("the fetch-cors binary runs");
    Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code: output.status.code().expect("exited, not killed"),
    }
}

impl Run {
    /// Asserts that stdout has every one of `parts`, showing the whole output when not.
    pub fn says(&self, parts: &[&str]) -> &Self {
        for part in parts {
            assert!(
                self.stdout.contains(part),
                "stdout lacks {part:?}:\n{}\nstderr:\n{}",
                self.stdout,
                self.stderr
            );
        }
        self
    }

    /// Asserts the exit status.
    pub fn exits(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit status; stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Writes `text` to `name` in `dir`, and returns the path as a string.
pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write the policy file");
    path.to_str().expect("UTF-8 temp path").to_owned()
}

/// A request a [`WrongServer`] received: its request line and header lines, lower-cased
/// names as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub head: String,
}

impl Received {
    /// The value of the header `name` (as sent, exact bytes).
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }
}

/// An HTTP/1.1 server on 127.0.0.1 that answers each request with what `answer` returns for
/// its method (status line and header lines, without the final blank line), one request per
/// connection, at most `limit` connections. It records what it received.
pub struct WrongServer {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl WrongServer {
    pub fn start(limit: usize, answer: fn(&str) -> &'static str) -> WrongServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/items", listener.local_addr().expect("addr"));
        let received = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&received);
        // Detached: it ends with the test process, or after `limit` connections.
        thread::spawn(move || {
            for stream in listener.incoming().take(limit) {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut head = String::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    head.push_str(line.trim_end_matches(['\r', '\n']));
                    head.push('\n');
                }
                let method = head.split(' ').next().unwrap_or_default().to_owned();
                record.lock().expect("lock").push(Received {
                    method: method.clone(),
                    head,
                });
                let response = format!(
                    "{}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                    answer(&method).trim_end().replace('\n', "\r\n")
                );
                let _ = stream.write_all(response.as_bytes());
            }
        });
        WrongServer { url, received }
    }

    /// Every request received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }
}
