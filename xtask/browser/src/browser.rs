//! A browser driven over WebDriver: one WebDriver server (and so one browser) per
//! run, with a fresh profile, for any of the three [`Engine`]s; for WebKit, a virtual
//! X display of its own as well.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use cors_conformance::client::{self as http_client, Request};
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde::Deserialize;
use serde_json::Value;

use crate::engine::{Engine, Installation};
use crate::process::{poll_until, within, ProcessGroup};

/// How long the WebDriver server may take to listen, and the browser to start.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// How long one WebDriver command may take; a scenario's script sets its own limit.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(20);

/// How long a scenario's fetches may take in the page.
pub const SCRIPT_TIMEOUT: Duration = Duration::from_secs(15);

/// A WebDriver session with its own WebDriver server and browser (and, for WebKit,
/// its own X display). Dropping it kills them all, and every process the browser
/// started; [`Browser::close`] ends the session politely first.
pub struct Browser {
    engine: Engine,
    client: Option<Client>,
    /// Where the WebDriver server listens, for the commands fantoccini lacks.
    driver_addr: SocketAddr,
    /// The WebDriver session's id.
    session: String,
    // Fields drop in order: the driver's group (and the browser in it) before the
    // display the browser draws on.
    driver: ProcessGroup,
    display: Option<ProcessGroup>,
    log: PathBuf,
}

impl Browser {
    /// Starts the engine's WebDriver server on a free port and opens a session, with
    /// a fresh profile and the driver's log in `scratch`.
    pub async fn launch(installation: &Installation, scratch: &Path) -> Result<Browser, String> {
        let engine = installation.engine;
        let profile = scratch.join("profile");
        let log = scratch.join(format!("{}.log", engine.driver()));
        let mut display = match &installation.xvfb {
            Some(xvfb) => Some(start_display(xvfb, scratch)?),
            None => None,
        };
        // No driver takes `--port=0`: take a free port and hand it over. Another
        // process could take it in between; the retry covers that.
        let mut last_problem = String::new();
        for _ in 0..3 {
            let port = free_port().map_err(|e| format!("no free port for the driver: {e}"))?;
            let mut driver = ProcessGroup::spawn(&mut driver_command(
                installation,
                port,
                &log,
                scratch,
                display.as_ref().map(|d| d.1),
            )?)
            .map_err(|e| format!("cannot run {}: {e}", installation.driver.display()))?;
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            let listening = poll_until(STARTUP_TIMEOUT, || {
                if driver.exited().is_some() {
                    return Some(false);
                }
                TcpStream::connect(addr).is_ok().then_some(true)
            });
            match listening {
                Some(true) => {}
                Some(false) => {
                    last_problem = format!("{} exited{}", engine.driver(), log_tail(&log));
                    continue;
                }
                None => {
                    return Err(format!(
                        "{} did not listen on port {port} within {} s{}",
                        engine.driver(),
                        STARTUP_TIMEOUT.as_secs(),
                        log_tail(&log)
                    ))
                }
            }
            let mut builder = ClientBuilder::new(HttpConnector::new());
            builder.capabilities(engine.capabilities(
                installation.browser.as_deref(),
                &profile,
                SCRIPT_TIMEOUT.as_millis() as u64,
                COMMAND_TIMEOUT.as_millis() as u64,
            ));
            let client = within(
                STARTUP_TIMEOUT,
                &format!("starting {engine} through {}", engine.driver()),
                builder.connect(&format!("http://{addr}")),
            )
            .await
            .map_err(|e| format!("{e}{}", log_tail(&log)))?;
            let session = within(
                COMMAND_TIMEOUT,
                "reading the session id",
                client.session_id(),
            )
            .await?
            .ok_or("the driver gave the session no id")?;
            let browser = Browser {
                engine,
                client: Some(client),
                driver_addr: addr,
                session,
                driver,
                display: display.take().map(|d| d.0),
                log,
            };
            return Ok(browser);
        }
        Err(last_problem)
    }

    /// Which engine this is.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    fn client(&self) -> &Client {
        self.client.as_ref().expect("open until closed")
    }

    /// `browserVersion`, as the driver reports it (WebKitGTK's version for WebKit).
    pub fn version(&self) -> String {
        self.client()
            .capabilities()
            .and_then(|c| c.get("browserVersion"))
            .and_then(Value::as_str)
            .unwrap_or("(version unknown)")
            .to_owned()
    }

    /// Navigates to `url` and waits for the page to load.
    pub async fn goto(&self, url: &str) -> Result<(), String> {
        within(
            COMMAND_TIMEOUT,
            &format!("loading {url}"),
            self.client().goto(url),
        )
        .await
    }

    /// Runs `script` in the page (`return ...`).
    pub async fn execute(&self, script: &str) -> Result<Value, String> {
        within(
            COMMAND_TIMEOUT,
            "running a script",
            self.client().execute(script, Vec::new()),
        )
        .await
    }

    /// Calls the page's `runScenario(fetches)` and returns what it resolves to.
    pub async fn run_scenario(&self, fetches: Value) -> Result<Value, String> {
        // WebDriver passes a callback as the last argument of an async script.
        const SCRIPT: &str = "const [fetches, done] = arguments;\
            runScenario(fetches).then(done, (e) => done({ harness: String(e) }));";
        let value = within(
            SCRIPT_TIMEOUT + COMMAND_TIMEOUT,
            "running the scenario's fetches",
            self.client().execute_async(SCRIPT, vec![fetches]),
        )
        .await?;
        match value.get("harness") {
            Some(problem) => Err(format!("the page's script failed: {problem}")),
            None => Ok(value),
        }
    }

    /// The console messages the page logged since the last call (chromedriver hands
    /// each over once), each as the console words it: `<page URL> - <text>`.
    ///
    /// Only where [`Engine::exposes_console_log`]: chromedriver's `POST
    /// /session/{id}/se/log` with `{"type": "browser"}`, which needs the
    /// `goog:loggingPrefs` capability the Chromium session asks for. No W3C command
    /// reads the console (`GET /session/{id}/log` and `…/goog/log` are unknown
    /// commands to chromedriver 156), and fantoccini has none: the request goes to the
    /// driver directly.
    pub async fn console_log(&self) -> Result<Vec<String>, String> {
        let engine = self.engine;
        if !engine.exposes_console_log() {
            return Err(format!(
                "{engine} does not hand its console to WebDriver ({})",
                engine.driver()
            ));
        }
        let request = Request {
            method: "POST".to_owned(),
            path: format!("/session/{}/se/log", self.session),
            headers: vec![("Content-Type".to_owned(), b"application/json".to_vec())],
            body: br#"{"type":"browser"}"#.to_vec(),
        };
        let addr = self.driver_addr;
        let response = tokio::task::spawn_blocking(move || http_client::send(addr, &request))
            .await
            .map_err(|e| format!("reading the console: {e}"))?
            .map_err(|e| format!("reading the console from {}: {e}", engine.driver()))?;
        #[derive(Deserialize)]
        struct Entry {
            message: String,
        }
        #[derive(Deserialize)]
        struct Answer {
            value: Vec<Entry>,
        }
        let body = String::from_utf8_lossy(&response.body);
        match serde_json::from_str::<Answer>(&body) {
            Ok(answer) if response.status == 200 => {
                Ok(answer.value.into_iter().map(|e| e.message).collect())
            }
            _ => Err(format!(
                "reading the console: {} answered {} {}",
                engine.driver(),
                response.status,
                http_client::preview(&response.body)
            )),
        }
    }

    /// The driver's last log lines, for failure messages.
    pub fn log_tail(&self) -> String {
        log_tail(&self.log)
    }

    /// Ends the session (the driver then quits the browser), stops the driver and
    /// the display.
    pub async fn close(mut self) {
        if let Some(client) = self.client.take() {
            let _ = within(COMMAND_TIMEOUT, "closing the session", client.close()).await;
        }
        self.driver.kill();
        if let Some(display) = &mut self.display {
            display.terminate(Duration::from_secs(2));
        }
    }
}

/// The command that starts `installation`'s WebDriver server on `port`, logging to
/// `log`, on X display `display` if the engine needs one.
fn driver_command(
    installation: &Installation,
    port: u16,
    log: &Path,
    scratch: &Path,
    display: Option<u32>,
) -> Result<Command, String> {
    let mut command = Command::new(&installation.driver);
    command.stdin(Stdio::null()).stdout(Stdio::null());
    match installation.engine {
        Engine::Chromium => {
            command
                .arg(format!("--port={port}"))
                .arg(format!("--log-path={}", log.display()))
                .stderr(Stdio::null());
        }
        Engine::Firefox => {
            // geckodriver makes a fresh profile for each session under
            // `--profile-root`, and removes it only on a clean exit: in the scratch
            // directory, it goes with the run whatever happens. Firefox's crash
            // reporter would lead a process group of its own; off, nothing escapes
            // the driver's group.
            command
                .args(["--port", &port.to_string(), "--profile-root"])
                .arg(scratch)
                .env("MOZ_CRASHREPORTER_DISABLE", "1")
                .stderr(log_file(log)?);
        }
        Engine::WebKit => {
            let display = display.ok_or("WebKit needs an X display")?;
            command
                .arg(format!("--port={port}"))
                .env("DISPLAY", format!(":{display}"))
                // GTK would otherwise look for the accessibility bus, which does not
                // exist here; the search only slows MiniBrowser's start.
                .env("NO_AT_BRIDGE", "1")
                .stderr(log_file(log)?);
        }
    }
    Ok(command)
}

/// `log`, created, for a driver's stderr.
fn log_file(log: &Path) -> Result<std::fs::File, String> {
    std::fs::File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))
}

/// Starts `Xvfb` on the first free display; the display's group and number.
///
/// `-displayfd 1` makes the server choose the display itself (taking the lock file
/// for it, so runs started together get different ones) and write its number to
/// stdout once it accepts connections: a file in `scratch`, read when it has a line.
fn start_display(xvfb: &Path, scratch: &Path) -> Result<(ProcessGroup, u32), String> {
    let file = scratch.join("display");
    let out = std::fs::File::create(&file)
        .map_err(|e| format!("cannot create {}: {e}", file.display()))?;
    let mut server = ProcessGroup::spawn(
        Command::new(xvfb)
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x1024x24",
                "-nolisten",
                "tcp",
            ])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(Stdio::null()),
    )
    .map_err(|e| format!("cannot run {}: {e}", xvfb.display()))?;
    let number = poll_until(STARTUP_TIMEOUT, || {
        if server.exited().is_some() {
            return Some(None);
        }
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let line = text.strip_suffix('\n')?;
        Some(line.trim().parse::<u32>().ok())
    });
    match number {
        Some(Some(number)) => Ok((server, number)),
        Some(None) => Err(format!(
            "{} exited or wrote no display number",
            xvfb.display()
        )),
        None => Err(format!(
            "{} chose no display within {} s",
            xvfb.display(),
            STARTUP_TIMEOUT.as_secs()
        )),
    }
}

/// A port nobody listens on right now.
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// The last lines of the driver's log.
fn log_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.trim().lines().collect();
    if lines.is_empty() {
        return String::new();
    }
    let tail = &lines[lines.len().saturating_sub(15)..];
    format!("; the driver's log ends with:\n  {}", tail.join("\n  "))
}
