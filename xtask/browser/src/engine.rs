//! The three browser engines the scenarios run in, and what each needs: its browser,
//! its WebDriver server, its capabilities, a display or not, and where it comes from
//! on Debian.
//!
//! | engine   | browser                              | WebDriver server                  | display          |
//! |----------|--------------------------------------|-----------------------------------|------------------|
//! | Chromium | `chromium` (`--headless`)            | `chromedriver` (`chromium-driver`) | none             |
//! | Firefox  | `firefox-esr` (`-headless`)          | `geckodriver` (`cargo install`)    | none             |
//! | WebKit   | WebKitGTK's `MiniBrowser --automation` | `WebKitWebDriver` (`webkit2gtk-driver`) | `Xvfb` (`xvfb`) |
//!
//! WebKitGTK has no headless mode of its own, so its browser draws on a virtual X
//! display started for the run.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

/// A browser engine, named as the scenario files name it (`chromium`, `firefox`,
/// `webkit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Engine {
    /// Blink, in Debian's Chromium, through chromedriver.
    Chromium,
    /// Gecko, in Debian's Firefox ESR, through geckodriver.
    Firefox,
    /// WebKit, in WebKitGTK's MiniBrowser, through WebKitWebDriver.
    WebKit,
}

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

impl Engine {
    /// Every engine, in the order a run takes them.
    pub const ALL: [Engine; 3] = [Engine::Chromium, Engine::Firefox, Engine::WebKit];

    /// The key of this engine's entries in the scenario files.
    pub fn key(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
            Engine::WebKit => "webkit",
        }
    }

    /// The engine a scenario file's key names.
    pub fn from_key(key: &str) -> Option<Engine> {
        Engine::ALL.into_iter().find(|e| e.key() == key)
    }

    /// The WebDriver server's executable.
    pub fn driver(self) -> &'static str {
        match self {
            Engine::Chromium => "chromedriver",
            Engine::Firefox => "geckodriver",
            Engine::WebKit => "WebKitWebDriver",
        }
    }

    /// The executables a run needs, the driver's first.
    pub fn executables(self) -> &'static [&'static str] {
        match self {
            Engine::Chromium => &["chromedriver", "chromium"],
            Engine::Firefox => &["geckodriver", "firefox-esr"],
            // The driver starts MiniBrowser, which comes with the library it depends on.
            Engine::WebKit => &["WebKitWebDriver", "Xvfb"],
        }
    }

    /// What installs this engine on Debian: apt packages, and the crates.io crate
    /// for geckodriver, which Debian does not package.
    pub fn install_hint(self) -> &'static str {
        match self {
            Engine::Chromium => "apt-get install chromium chromium-driver",
            Engine::Firefox => "apt-get install firefox-esr; cargo install geckodriver --locked",
            Engine::WebKit => "apt-get install webkit2gtk-driver xvfb",
        }
    }

    /// Whether the browser must draw on an X display: WebKitGTK has no headless mode.
    pub fn needs_display(self) -> bool {
        self == Engine::WebKit
    }

    /// Whether the engine hands the page's console messages to WebDriver. Only
    /// chromedriver does, through the `goog:loggingPrefs` capability (set in
    /// [`Engine::capabilities`]) and its `/session/{id}/se/log` endpoint (legacy
    /// `/log`); the W3C WebDriver standard has no log command, geckodriver never
    /// implemented one (<https://github.com/mozilla/geckodriver/issues/284>), and
    /// WebKitWebDriver neither. A console check in Firefox or WebKit must say it
    /// cannot look, never pass for having looked.
    pub fn exposes_console_log(self) -> bool {
        self == Engine::Chromium
    }

    /// The new-session capabilities: this machine's flags, a fresh profile in
    /// `profile` (Chromium; geckodriver makes Firefox's under `--profile-root`, and
    /// WebKitWebDriver's MiniBrowser runs an ephemeral session), the page-load and
    /// script timeouts.
    pub fn capabilities(
        self,
        browser: Option<&Path>,
        profile: &Path,
        script_timeout_ms: u64,
        page_load_timeout_ms: u64,
    ) -> Map<String, Value> {
        let timeouts = json!({ "script": script_timeout_ms, "pageLoad": page_load_timeout_ms });
        let capabilities = match self {
            Engine::Chromium => {
                let mut args: Vec<String> =
                    CHROMIUM_FLAGS.iter().map(|f| (*f).to_owned()).collect();
                args.push(format!("--user-data-dir={}", profile.display()));
                json!({
                    "browserName": "chrome",
                    "goog:chromeOptions": { "binary": browser, "args": args },
                    // Keeps the page's console for `se/log`, for console checks.
                    "goog:loggingPrefs": { "browser": "ALL" },
                    "timeouts": timeouts,
                })
            }
            Engine::Firefox => json!({
                "browserName": "firefox",
                "moz:firefoxOptions": {
                    "binary": browser,
                    "args": ["-headless"],
                    "prefs": {
                        // Nothing that talks to the network on its own, as for Chromium.
                        "app.update.enabled": false,
                        "browser.safebrowsing.downloads.remote.enabled": false,
                        "network.captive-portal-service.enabled": false,
                        "network.connectivity-service.enabled": false,
                        "datareporting.policy.dataSubmissionEnabled": false,
                    },
                },
                "timeouts": timeouts,
            }),
            Engine::WebKit => json!({
                // WebKitWebDriver starts its own MiniBrowser when no binary is given.
                "webkitgtk:browserOptions": { "args": ["--automation"] },
                "timeouts": timeouts,
            }),
        };
        match capabilities {
            Value::Object(map) => map,
            _ => unreachable!("an object literal"),
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Engine::Chromium => "Chromium",
            Engine::Firefox => "Firefox",
            Engine::WebKit => "WebKit",
        })
    }
}

/// Where one engine's executables are.
#[derive(Debug, Clone)]
pub struct Installation {
    /// Which engine.
    pub engine: Engine,
    /// The WebDriver server.
    pub driver: PathBuf,
    /// The browser, for the engines whose driver is told which to start.
    pub browser: Option<PathBuf>,
    /// `Xvfb`, for the engine that needs a display.
    pub xvfb: Option<PathBuf>,
}

impl Installation {
    /// Finds `engine`'s executables, or says how to install them.
    pub fn find(engine: Engine) -> Result<Installation, String> {
        let found: Vec<(&str, Option<PathBuf>)> = engine
            .executables()
            .iter()
            .map(|name| (*name, on_path(name)))
            .collect();
        let missing: Vec<&str> = found
            .iter()
            .filter(|(_, path)| path.is_none())
            .map(|(name, _)| *name)
            .collect();
        if !missing.is_empty() {
            return Err(not_found(engine, &missing));
        }
        let mut paths = found.into_iter().map(|(_, path)| path);
        let driver = paths.next().flatten().expect("found");
        let second = paths.next().flatten();
        let (browser, xvfb) = if engine.needs_display() {
            (None, second)
        } else {
            (second, None)
        };
        Ok(Installation {
            engine,
            driver,
            browser,
            xvfb,
        })
    }
}

/// The message for a machine without `engine`: the tests fail, never pass silently.
pub fn not_found(engine: Engine, missing: &[&str]) -> String {
    format!(
        "{engine} not found (missing on PATH, in /usr/bin and in ~/.cargo/bin: {}): run \
         `cargo xtask test`, which installs it, or `{}`",
        missing.join(", "),
        engine.install_hint()
    )
}

/// The first executable file called `name` in a directory of `PATH`, in `/usr/bin`,
/// where Debian's packages put theirs, or in cargo's `bin`, where `cargo install`
/// puts geckodriver, should `PATH` leave them out.
pub fn on_path(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH").unwrap_or_default();
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")));
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .chain(cargo_home.map(|dir| dir.join("bin")))
        .map(|dir| dir.join(name))
        .find(|file| {
            file.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_each_engine_once() {
        for engine in Engine::ALL {
            assert_eq!(Engine::from_key(engine.key()), Some(engine));
        }
        assert_eq!(Engine::from_key("safari"), None);
    }

    #[test]
    fn a_missing_engine_says_how_to_install_it() {
        assert_eq!(on_path("no-such-browser-anywhere"), None);
        assert!(on_path("sh").is_some());
        let message = not_found(Engine::Firefox, &["geckodriver"]);
        assert!(message.starts_with("Firefox not found"), "{message}");
        assert!(
            message.contains("cargo install geckodriver --locked"),
            "{message}"
        );
    }

    #[test]
    fn only_chromium_exposes_its_console() {
        let exposing: Vec<Engine> = Engine::ALL
            .into_iter()
            .filter(|e| e.exposes_console_log())
            .collect();
        assert_eq!(exposing, [Engine::Chromium]);
        let caps = Engine::Chromium.capabilities(None, Path::new("/p"), 1, 2);
        assert_eq!(caps["goog:loggingPrefs"]["browser"], "ALL");
    }

    #[test]
    fn capabilities_carry_the_flags_and_a_fresh_profile() {
        let caps = Engine::Chromium.capabilities(
            Some(Path::new("/usr/bin/chromium")),
            Path::new("/tmp/p"),
            15_000,
            20_000,
        );
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
        assert_eq!(caps["timeouts"]["script"], 15_000);

        let firefox = Engine::Firefox.capabilities(
            Some(Path::new("/usr/bin/firefox-esr")),
            Path::new("/tmp/p"),
            15_000,
            20_000,
        );
        assert_eq!(firefox["moz:firefoxOptions"]["args"][0], "-headless");
        let webkit = Engine::WebKit.capabilities(None, Path::new("/tmp/p"), 15_000, 20_000);
        assert_eq!(
            webkit["webkitgtk:browserOptions"]["args"][0],
            "--automation"
        );
    }
}
