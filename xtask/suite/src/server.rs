//! What the six `conformance-<fw>` example servers share, so that each stays a
//! translation of the same few lines into its framework: the command line, loading
//! the policy (live, reloaded on SIGHUP: [`setup_live`]), the `listening on` line, the
//! handler's fixed answer, and, for the
//! servers that run on tokio and handle signals themselves, binding the listener
//! ([`listen`]) and serving until SIGTERM or SIGINT ([`serve_until_signal`]).
//!
//! A server built on it reads, in any framework:
//!
//! ```no_run
//! use cors_conformance::server;
//!
//! // Exits with status 2 and one line on stderr if the arguments or the policy are bad.
//! // SIGHUP reads the file again from here on.
//! let (cors, addr) = server::setup_live();
//! let listener = std::net::TcpListener::bind(addr).unwrap();
//! // ... put `cors` in front of a handler answering `server::BODY` with
//! // `server::HANDLER_HEADERS`, then, once it accepts connections:
//! server::announce(listener.local_addr().unwrap());
//! # drop(cors);
//! ```

use std::ffi::OsString;
use std::future::{Future, IntoFuture};
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use fetch_cors::{Config, Cors, LiveCors};
use tokio::sync::Notify;

/// The headers the handler puts on every answer it gives. `x-handler` tells a test
/// the request got past the CORS layer; the handler's own `vary` shows whether the
/// CORS layer merges `Vary` or overwrites it.
pub const HANDLER_HEADERS: [(&str, &str); 4] = [
    ("x-handler", "reached"),
    ("x-request-id", "42"),
    ("x-trace", "t"),
    ("vary", "accept-encoding"),
];

/// The handler's status code.
pub const STATUS: u16 = 200;

/// The handler's `content-type`.
pub const CONTENT_TYPE: &str = "text/plain";

/// The handler's body (none for `HEAD`).
pub const BODY: &str = "ok";

/// This path, and every path under it, is not routed: the framework's own not-found
/// response (404) answers.
pub const MISSING_PATH: &str = "/missing";

/// This path is routed to a handler that fails through the framework's usual error
/// mechanism (500).
pub const ERROR_PATH: &str = "/error";

/// Whether `path` is [`MISSING_PATH`] or under it.
///
/// ```
/// use cors_conformance::server::is_missing;
/// assert!(is_missing("/missing"));
/// assert!(is_missing("/missing/a/b"));
/// assert!(!is_missing("/missingno"));
/// ```
pub fn is_missing(path: &str) -> bool {
    path.strip_prefix(MISSING_PATH)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The exit status for a bad command line or a bad policy file.
pub const EXIT_BAD_CONFIG: i32 = 2;

/// The command line: `--config <policy.json> [--port <n>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// The policy file.
    pub config: PathBuf,
    /// The port to bind on 127.0.0.1; 0 (the default) takes any free port.
    pub port: u16,
}

impl Args {
    /// Parses arguments (without the program name). `--name value` and
    /// `--name=value` are both accepted.
    ///
    /// ```
    /// use cors_conformance::server::Args;
    /// let args = Args::parse(["--config", "p.json", "--port=8080"]).unwrap();
    /// assert_eq!(args.config.to_str(), Some("p.json"));
    /// assert_eq!(args.port, 8080);
    /// assert!(Args::parse(["--port", "0"]).is_err());
    /// ```
    pub fn parse<I, S>(args: I) -> Result<Args, String>
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        let mut config = None;
        let mut port = 0;
        let mut args = args.into_iter().map(Into::into);
        while let Some(arg) = args.next() {
            let arg = arg
                .into_string()
                .map_err(|a| format!("unexpected argument {a:?}"))?;
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) if name.starts_with("--") => {
                    (name, Some(OsString::from(value)))
                }
                _ => (arg.as_str(), None),
            };
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .ok_or_else(|| format!("{name} needs a value"))
            };
            match name {
                "--config" => config = Some(PathBuf::from(value()?)),
                "--port" => {
                    let text = value()?;
                    port = text.to_str().and_then(|t| t.parse().ok()).ok_or_else(|| {
                        format!("--port {text:?} is not a port number (0..=65535)")
                    })?;
                }
                _ => return Err(format!("unexpected argument {arg:?}")),
            }
        }
        let config = config.ok_or("missing --config <policy.json>")?;
        Ok(Args { config, port })
    }

    /// Parses the process's arguments, or exits with status 2 and a one-line usage
    /// message on stderr.
    pub fn from_env() -> Args {
        let mut args = std::env::args_os();
        let program = args
            .next()
            .as_deref()
            .map(Path::new)
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "conformance-server".to_owned());
        Args::parse(args).unwrap_or_else(|message| {
            exit_with_error(&format!(
                "{message} (usage: {program} --config <policy.json> [--port <n>])"
            ))
        })
    }

    /// The address to bind: 127.0.0.1 and the port asked for.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }
}

/// Reads, parses and validates the policy file at `path`.
///
/// The error is what is wrong, on one line, naming the field at fault: the path of a
/// value of the wrong type (`allow_origins: invalid type: ...`) or fetch-cors's own
/// account of a rule broken, its lines joined with `"; "`.
pub fn load_policy(path: &Path) -> Result<Cors, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read it: {e}"))?;
    let mut deserializer = serde_json::Deserializer::from_str(&text);
    let config: Config = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        // A top-level error (an unknown field, bad JSON) has the empty path ".".
        let path = e.path().to_string();
        if path == "." {
            e.inner().to_string()
        } else {
            format!("{path}: {}", e.inner())
        }
    })?;
    deserializer.end().map_err(|e| e.to_string())?;
    Cors::try_from(config).map_err(|e| e.to_string())
}

/// Parses the command line and loads the policy, exiting with status 2 and one line
/// on stderr if either is bad. Returns the policy and the address to bind.
pub fn setup() -> (Cors, SocketAddr) {
    let args = Args::from_env();
    match load_policy(&args.config) {
        Ok(cors) => (cors, args.addr()),
        Err(message) => exit_with_error(&format!("{}: {message}", args.config.display())),
    }
}

/// [`setup`] with the policy live, as the contract asks: SIGHUP reads the policy file
/// again. A valid file replaces the policy for every request that starts afterwards and
/// prints `reloaded`; an invalid or missing one changes nothing, prints one line on stderr
/// naming what is wrong, and `kept`. (Each line on stdout is flushed.)
///
/// The signal is watched from a thread of its own (`signal-hook`), so it works the same
/// whatever runtime the framework brings; it is registered before this returns, so a
/// SIGHUP sent once `listening on` is printed never meets the default action (exit).
pub fn setup_live() -> (LiveCors, SocketAddr) {
    let args = Args::from_env();
    let live = match load_policy(&args.config) {
        Ok(cors) => LiveCors::new(cors),
        Err(message) => exit_with_error(&format!("{}: {message}", args.config.display())),
    };
    let mut hangups = match signal_hook::iterator::Signals::new([signal_hook::consts::SIGHUP]) {
        Ok(signals) => signals,
        Err(e) => exit_with_error(&format!("cannot watch SIGHUP: {e}")),
    };
    let (path, reloaded) = (args.config.clone(), live.clone());
    std::thread::spawn(move || {
        for _ in hangups.forever() {
            reload(&path, &reloaded);
        }
    });
    (live, args.addr())
}

/// Reads the policy file at `path` again into `live`, and says how it went.
pub fn reload(path: &Path, live: &LiveCors) {
    let outcome = load_policy(path).and_then(|cors| live.replace(cors).map_err(|e| e.to_string()));
    let said = match outcome {
        Ok(()) => "reloaded",
        Err(message) => {
            eprintln!("error: {}: {}", path.display(), one_line(&message));
            "kept"
        }
    };
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{said}");
    let _ = stdout.flush();
}

/// Prints `listening on http://127.0.0.1:<port>` to stdout and flushes it. Call it
/// once the server accepts connections, with the address it is bound to.
pub fn announce(addr: SocketAddr) {
    let mut stdout = std::io::stdout().lock();
    // If stdout is gone nobody is waiting for the line, and serving is still right.
    let _ = writeln!(stdout, "listening on http://127.0.0.1:{}", addr.port());
    let _ = stdout.flush();
}

/// Binds a tokio listener on `addr` and [`announce`]s it: the listener accepts (into its
/// backlog) from here on, before the framework serves. Exits with status 2 and one line on
/// stderr if it cannot.
pub async fn listen(addr: SocketAddr) -> tokio::net::TcpListener {
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => exit_with_error(&format!("cannot bind {addr}: {e}")),
    };
    match listener.local_addr() {
        Ok(local) => announce(local),
        Err(e) => exit_with_error(&format!("cannot read the bound address: {e}")),
    }
    listener
}

/// How long requests in flight may run after SIGTERM/SIGINT before the process exits
/// anyway, so that a client holding a half-sent request cannot keep the server alive
/// (the contract asks for a prompt exit).
pub const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

/// The future [`serve_until_signal`] hands a framework's graceful shutdown.
pub type Shutdown = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Serves until SIGTERM or SIGINT, for a server on tokio: `serve` wires the [`Shutdown`]
/// future it is given into its framework's graceful shutdown, which closes idle
/// keep-alive connections at once; requests still in flight then get [`SHUTDOWN_GRACE`].
/// The server's own outcome, or `None` if the grace period ran out first.
pub async fn serve_until_signal<S>(serve: impl FnOnce(Shutdown) -> S) -> Option<S::Output>
where
    S: IntoFuture,
{
    let signalled = Arc::new(Notify::new());
    let notify = Arc::clone(&signalled);
    let serving = serve(Box::pin(async move {
        shutdown_signal().await;
        notify.notify_one();
    }));
    tokio::select! {
        outcome = serving.into_future() => Some(outcome),
        _ = async {
            signalled.notified().await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } => None,
    }
}

/// Resolves on SIGTERM (how a service manager, and the runner, stop a server) or SIGINT
/// (Ctrl-C). actix-web and Rocket listen for both signals themselves and need no such
/// future.
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut terminate) = signal(SignalKind::terminate()) else {
            // Without a SIGTERM handler the default action (exit) still applies.
            let _ = interrupt.await;
            return;
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

/// Prints `error: <message>` as one line on stderr and exits with status 2.
pub fn exit_with_error(message: &str) -> ! {
    eprintln!("error: {}", one_line(message));
    std::process::exit(EXIT_BAD_CONFIG)
}

/// `message` on one line: line breaks become `"; "`.
fn one_line(message: &str) -> String {
    message
        .trim_end()
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments() {
        let args = Args::parse(["--port", "9", "--config=a=b.json"]).unwrap();
        assert_eq!(args.config, PathBuf::from("a=b.json"));
        assert_eq!(args.port, 9);
        assert_eq!(args.addr(), "127.0.0.1:9".parse().unwrap());
        assert_eq!(Args::parse(["--config", "p"]).unwrap().port, 0);
        assert!(Args::parse(["--config"]).is_err());
        assert!(Args::parse(["--config", "p", "--port", "65536"]).is_err());
        assert!(Args::parse(["--config", "p", "--verbose"]).is_err());
        assert!(Args::parse(Vec::<String>::new()).is_err());
    }

    #[test]
    fn messages_become_one_line() {
        assert_eq!(one_line("a\nb\r\n\nc\n"), "a; b; c");
        assert_eq!(one_line("only"), "only");
    }

    #[test]
    fn missing_paths() {
        assert!(is_missing("/missing/"));
        assert!(!is_missing("/"));
        assert!(!is_missing("/error"));
    }
}
