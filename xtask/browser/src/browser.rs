//! Headless Chromium driven over WebDriver: Debian's `chromium` and `chromedriver`,
//! one chromedriver (and so one browser) per run, with a fresh profile.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

use crate::process::{poll_until, within, ProcessGroup};

/// The message for a machine without Chromium: the tests fail, never pass silently.
pub const NOT_FOUND: &str = "Chromium not found: run `cargo xtask test` (installs chromium and \
     chromium-driver) or `apt-get install chromium chromium-driver`";

/// The Chromium flags these machines need: no sandbox (the tests run as root), no GPU,
/// no QUIC, and nothing that talks to the network on its own.
pub const CHROMIUM_FLAGS: [&str; 8] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// How long chromedriver may take to listen, and Chromium to start.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// How long one WebDriver command may take; a scenario's script sets its own limit.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(20);

/// How long a scenario's fetches may take in the page.
pub const SCRIPT_TIMEOUT: Duration = Duration::from_secs(15);

/// Where Chromium and chromedriver are installed.
#[derive(Debug, Clone)]
pub struct Installation {
    /// The browser (`/usr/bin/chromium`, Debian's launcher script).
    pub chromium: PathBuf,
    /// The WebDriver server (`/usr/bin/chromedriver`).
    pub chromedriver: PathBuf,
}

impl Installation {
    /// Finds `chromium` and `chromedriver`, or says how to install them.
    pub fn find() -> Result<Installation, String> {
        let chromium = on_path("chromium");
        let chromedriver = on_path("chromedriver");
        match (chromium, chromedriver) {
            (Some(chromium), Some(chromedriver)) => Ok(Installation {
                chromium,
                chromedriver,
            }),
            (chromium, chromedriver) => {
                let missing: Vec<&str> = [("chromium", chromium), ("chromedriver", chromedriver)]
                    .into_iter()
                    .filter(|(_, path)| path.is_none())
                    .map(|(name, _)| name)
                    .collect();
                Err(format!(
                    "{NOT_FOUND} (not found on PATH or in /usr/bin: {})",
                    missing.join(", ")
                ))
            }
        }
    }
}

/// The first executable file called `name` in a directory of `PATH`, or in `/usr/bin`,
/// where Debian's packages put both, should `PATH` leave it out.
fn on_path(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .map(|dir| dir.join(name))
        .find(|file| {
            file.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// A WebDriver session with its own chromedriver and Chromium. Dropping it kills both
/// (and every process Chromium started); [`Browser::close`] ends the session politely
/// first.
pub struct Browser {
    client: Option<Client>,
    driver: ProcessGroup,
    log: PathBuf,
}

impl Browser {
    /// Starts chromedriver on a free port and opens a session, with a fresh profile
    /// and chromedriver's log in `scratch`.
    pub async fn launch(installation: &Installation, scratch: &Path) -> Result<Browser, String> {
        let profile = scratch.join("profile");
        let log = scratch.join("chromedriver.log");
        // chromedriver has no `--port=0`: take a free port and hand it over. Another
        // process could take it in between; the retry covers that.
        let mut last_problem = String::new();
        for _ in 0..3 {
            let port = free_port().map_err(|e| format!("no free port for chromedriver: {e}"))?;
            let mut driver = ProcessGroup::spawn(
                Command::new(&installation.chromedriver)
                    .arg(format!("--port={port}"))
                    .arg(format!("--log-path={}", log.display()))
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null()),
            )
            .map_err(|e| format!("cannot run {}: {e}", installation.chromedriver.display()))?;
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
                    last_problem = format!("chromedriver exited{}", log_tail(&log));
                    continue;
                }
                None => {
                    return Err(format!(
                        "chromedriver did not listen on port {port} within {} s{}",
                        STARTUP_TIMEOUT.as_secs(),
                        log_tail(&log)
                    ))
                }
            }
            let mut builder = ClientBuilder::new(HttpConnector::new());
            builder.capabilities(capabilities(&installation.chromium, &profile));
            let client = within(
                STARTUP_TIMEOUT,
                "starting Chromium through chromedriver",
                builder.connect(&format!("http://{addr}")),
            )
            .await
            .map_err(|e| format!("{e}{}", log_tail(&log)))?;
            let browser = Browser {
                client: Some(client),
                driver,
                log,
            };
            return Ok(browser);
        }
        Err(last_problem)
    }

    fn client(&self) -> &Client {
        self.client.as_ref().expect("open until closed")
    }

    /// `browserVersion`, as chromedriver reports it.
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

    /// chromedriver's last log lines, for failure messages.
    pub fn log_tail(&self) -> String {
        log_tail(&self.log)
    }

    /// Ends the session (chromedriver then quits Chromium) and stops chromedriver.
    pub async fn close(mut self) {
        if let Some(client) = self.client.take() {
            let _ = within(COMMAND_TIMEOUT, "closing the session", client.close()).await;
        }
        self.driver.kill();
    }
}

/// The session's capabilities: Debian's Chromium with this machine's flags, a fresh
/// profile, and the script timeout.
fn capabilities(chromium: &Path, profile: &Path) -> serde_json::Map<String, Value> {
    let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| (*f).to_owned()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": args,
        },
        "timeouts": {
            "script": SCRIPT_TIMEOUT.as_millis() as u64,
            "pageLoad": COMMAND_TIMEOUT.as_millis() as u64,
        },
    });
    match capabilities {
        Value::Object(map) => map,
        _ => unreachable!("an object literal"),
    }
}

/// A port nobody listens on right now.
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// The last lines of chromedriver's log.
fn log_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.trim().lines().collect();
    if lines.is_empty() {
        return String::new();
    }
    let tail = &lines[lines.len().saturating_sub(15)..];
    format!("; chromedriver's log ends with:\n  {}", tail.join("\n  "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_chromium_says_how_to_install_it() {
        assert_eq!(on_path("no-such-browser-anywhere"), None);
        assert!(on_path("sh").is_some());
        assert!(NOT_FOUND.starts_with("Chromium not found: run `cargo xtask test`"));
    }

    #[test]
    fn capabilities_carry_the_flags_and_a_fresh_profile() {
        let caps = capabilities(Path::new("/usr/bin/chromium"), Path::new("/tmp/p"));
        let options = &caps["goog:chromeOptions"];
        assert_eq!(options["binary"], "/usr/bin/chromium");
        let args: Vec<&str> = options["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(&args[..8], CHROMIUM_FLAGS);
        assert_eq!(args[8], "--user-data-dir=/tmp/p");
    }
}
