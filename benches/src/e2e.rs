//! End to end over loopback: real servers (axum, actix-web) on 127.0.0.1, each without CORS,
//! with the peer and with ours, under `wrk` for a fixed time and number of connections.
//!
//! Everything is bounded: each server listens on an ephemeral port of 127.0.0.1 only, each
//! `wrk` run lasts the duration given, and each server is stopped once its runs are done.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread::JoinHandle;
use std::time::Duration;

use actix_web::{App, HttpServer};

use crate::frameworks::actix::{self, AppFactory};
use crate::frameworks::axum;
use crate::{Policy, Row, ALLOWED_ORIGIN};

/// The frameworks measured end to end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// axum 0.8 on hyper, `axum::serve`.
    Axum,
    /// actix-web 4, `HttpServer`.
    Actix,
}

impl Server {
    /// Both, in report order.
    pub const ALL: [Server; 2] = [Server::Axum, Server::Actix];

    /// The name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Server::Axum => "axum 0.8",
            Server::Actix => "actix-web 4",
        }
    }

    /// The peer's name in the report.
    pub fn peer(self) -> &'static str {
        match self {
            Server::Axum => "tower-http CorsLayer",
            Server::Actix => "actix-cors",
        }
    }
}

/// The policy every end-to-end server runs: [`Policy::One`]; the load is `GET /` from its
/// allowed origin.
pub const POLICY: Policy = Policy::One;

/// Worker threads of each server: the machine's two cores, shared with `wrk`.
pub const SERVER_WORKERS: usize = 2;

/// A running server; [`Running::stop`] ends it.
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Box<dyn FnOnce() + Send>,
    thread: JoinHandle<()>,
}

impl Running {
    /// Stops the server and waits for its thread.
    pub fn stop(self) {
        (self.stop)();
        let _ = self.thread.join();
    }
}

fn loopback_listener() -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}

/// Starts `server`'s app for `row` on an ephemeral loopback port.
pub fn start(server: Server, row: Row) -> std::io::Result<Running> {
    match server {
        Server::Axum => start_axum(axum::app(row, Some(POLICY))),
        Server::Actix => match row {
            Row::Baseline => start_actix(actix::baseline_app),
            Row::Peer => start_actix(|| actix::peer_app(POLICY)),
            Row::Ours => start_actix(|| actix::ours_app(POLICY)),
        },
    }
}

/// Starts `app` on an ephemeral loopback port, as [`start`] does the benchmark's apps.
pub fn start_axum(app: ::axum::Router) -> std::io::Result<Running> {
    let (listener, addr) = loopback_listener()?;
    listener.set_nonblocking(true)?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(SERVER_WORKERS)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
            let _ = ::axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
        });
        runtime.shutdown_timeout(Duration::from_secs(2));
    });
    Ok(Running {
        addr,
        stop: Box::new(move || {
            let _ = tx.send(());
        }),
        thread,
    })
}

fn start_actix<F, T>(factory: F) -> std::io::Result<Running>
where
    F: Fn() -> App<T> + Send + Clone + 'static,
    T: AppFactory,
{
    let (listener, addr) = loopback_listener()?;
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_rt::System::new().block_on(async move {
            let server = match HttpServer::new(factory)
                .workers(SERVER_WORKERS)
                .disable_signals()
                .shutdown_timeout(2)
                .listen(listener)
            {
                Ok(server) => server.run(),
                Err(error) => {
                    let _ = tx.send(Err(error));
                    return;
                }
            };
            let _ = tx.send(Ok(server.handle()));
            let _ = server.await;
        });
    });
    let handle = rx
        .recv()
        .map_err(|_| std::io::Error::other("the actix-web server thread died"))??;
    Ok(Running {
        addr,
        stop: Box::new(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime");
            runtime.block_on(handle.stop(true));
        }),
        thread,
    })
}

/// What one `wrk` run measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Load {
    /// Requests per second.
    pub requests_per_second: f64,
    /// The 99th percentile of latency, in microseconds.
    pub p99_us: f64,
    /// Responses other than 2xx or 3xx (none is expected).
    pub non_2xx: u64,
    /// Socket errors of any kind.
    pub socket_errors: u64,
    /// Requests answered in the measured run.
    pub requests: u64,
    /// CPU time this process (the server: the report only waits for `wrk` meanwhile) spent
    /// per request, in microseconds; `None` where `/proc/self/stat` cannot be read. Unlike
    /// requests per second, it leaves out `wrk`'s own work, which shares the cores.
    pub server_cpu_us: Option<f64>,
}

/// How `wrk` loads a server.
#[derive(Debug, Clone, Copy)]
pub struct LoadShape {
    /// `wrk -t`.
    pub threads: u32,
    /// `wrk -c`.
    pub connections: u32,
    /// `wrk -d` for the measured run.
    pub duration: Duration,
    /// `wrk -d` for the run before it, whose figures are discarded.
    pub warm_up: Duration,
}

impl Default for LoadShape {
    fn default() -> Self {
        LoadShape {
            threads: 2,
            connections: 32,
            duration: Duration::from_secs(5),
            warm_up: Duration::from_secs(1),
        }
    }
}

/// Finds `wrk` on `PATH`, installing Debian's package with `apt-get` if it is missing.
pub fn ensure_wrk() -> Result<PathBuf, String> {
    if let Some(path) = find_on_path("wrk") {
        return Ok(path);
    }
    eprintln!("wrk not found: installing Debian's `wrk` with apt-get");
    let install = || {
        Command::new("apt-get")
            .args(["install", "-y", "-q", "wrk"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success())
    };
    if !install() {
        // A fresh machine has no package lists yet.
        let _ = Command::new("apt-get").args(["update", "-q"]).status();
        install();
    }
    find_on_path("wrk").ok_or_else(|| {
        "wrk is not installed and `apt-get install -y wrk` failed (not root, or no Debian \
         package lists); install it and run again"
            .to_owned()
    })
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Loads `addr` with `GET /` from the allowed origin: a warm-up run, then the measured one.
pub fn load(wrk: &Path, addr: SocketAddr, shape: LoadShape) -> Result<Load, String> {
    run_wrk(wrk, addr, shape, shape.warm_up)?;
    let before = process_cpu_seconds();
    let mut load = run_wrk(wrk, addr, shape, shape.duration)?;
    let after = process_cpu_seconds();
    load.server_cpu_us = match (before, after) {
        (Some(before), Some(after)) if load.requests > 0 => {
            Some((after - before) * 1e6 / load.requests as f64)
        }
        _ => None,
    };
    Ok(load)
}

/// User and system CPU time of this process so far, in seconds, from `/proc/self/stat`
/// (clock ticks of 1/100 s, the Linux default `CLK_TCK`).
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after `)`.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn run_wrk(
    wrk: &Path,
    addr: SocketAddr,
    shape: LoadShape,
    duration: Duration,
) -> Result<Load, String> {
    let output = Command::new(wrk)
        .arg(format!("-t{}", shape.threads))
        .arg(format!("-c{}", shape.connections))
        .arg(format!("-d{}s", duration.as_secs().max(1)))
        .arg("--latency")
        .args(["-H", &format!("Origin: {ALLOWED_ORIGIN}")])
        .arg(format!("http://{addr}/"))
        .output()
        .map_err(|e| format!("cannot run wrk: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "wrk failed ({}): {stdout}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    parse_wrk(&stdout).ok_or_else(|| format!("cannot read wrk's output:\n{stdout}"))
}

/// Reads `Requests/sec`, the 99% latency, non-2xx responses and socket errors from `wrk
/// --latency` output.
pub fn parse_wrk(output: &str) -> Option<Load> {
    let mut requests_per_second = None;
    let mut p99_us = None;
    let mut non_2xx = 0;
    let mut socket_errors = 0;
    let mut requests = 0;
    for line in output.lines().map(str::trim) {
        if let Some((count, _)) = line.split_once(" requests in ") {
            requests = count.trim().parse().unwrap_or(0);
        }
        if let Some(rest) = line.strip_prefix("Requests/sec:") {
            requests_per_second = rest.trim().parse().ok();
        } else if let Some(rest) = line.strip_prefix("99%") {
            p99_us = parse_duration_us(rest.trim());
        } else if let Some(rest) = line.strip_prefix("Non-2xx or 3xx responses:") {
            non_2xx = rest.trim().parse().unwrap_or(u64::MAX);
        } else if let Some(rest) = line.strip_prefix("Socket errors:") {
            socket_errors = rest
                .split(',')
                .filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok())
                .sum();
        }
    }
    Some(Load {
        requests_per_second: requests_per_second?,
        p99_us: p99_us?,
        non_2xx,
        socket_errors,
        requests,
        server_cpu_us: None,
    })
}

/// `wrk`'s durations: `812.00us`, `1.23ms`, `1.05s`, `2.00m`.
fn parse_duration_us(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale = match unit {
        "us" => 1.0,
        "ms" => 1e3,
        "s" => 1e6,
        "m" => 60e6,
        _ => return None,
    };
    Some(number * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrk_output() {
        let output = "Running 5s test @ http://127.0.0.1:40000/
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   400.12us  300.00us   5.00ms   90.00%
    Req/Sec    40.00k     2.00k   45.00k    70.00%
  Latency Distribution
     50%  350.00us
     75%  450.00us
     90%  600.00us
     99%    1.25ms
  400000 requests in 5.00s, 50.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
Requests/sec:  80000.50
Transfer/sec:     10.00MB
";
        let load = parse_wrk(output).unwrap();
        assert_eq!(load.requests_per_second, 80000.5);
        assert_eq!(load.p99_us, 1250.0);
        assert_eq!(load.non_2xx, 0);
        assert_eq!(load.socket_errors, 3);
        assert_eq!(load.requests, 400000);
        assert!(process_cpu_seconds().is_some());
        assert_eq!(parse_duration_us("812.00us"), Some(812.0));
        assert_eq!(parse_duration_us("1.05s"), Some(1.05e6));
    }
}
