//! The scenarios as data: `scenarios/*.toml` beside this crate's `Cargo.toml`, run
//! unchanged against every adapter. The format is described in the crate
//! documentation.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::Engine;

/// One thing a page does, and what the Fetch standard says must come of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// `<file stem>/<name>`, unique.
    pub name: String,
    /// The policy the server runs: `policies/<policy>.json`.
    pub policy: String,
    /// The Fetch standard section that decides the outcome (`#cors-check`).
    pub spec: Option<String>,
    /// One fetch, or more to the same URL, one after the other (the preflight cache).
    pub fetches: Vec<Fetch>,
    /// What the Fetch standard requires.
    pub expect: Expect,
    /// Where an engine does otherwise, or where the scenario does not apply to it:
    /// what it does instead, and why.
    pub engines: BTreeMap<Engine, EngineNote>,
}

impl Scenario {
    /// What a run in `engine` must observe: the engine's behaviour where it is known
    /// to differ, the standard's everywhere else; `None` where the scenario does not
    /// apply to the engine.
    pub fn observed(&self, engine: Engine) -> Option<&Expect> {
        match self.engines.get(&engine) {
            None => Some(&self.expect),
            Some(EngineNote::Differs(deviation)) => Some(&deviation.expect),
            Some(EngineNote::NotApplicable(_)) => None,
        }
    }
}

/// What a scenario says about one engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineNote {
    /// The engine does something else than the standard, or something worth
    /// knowing that a run cannot see; the scenario expects what the engine does.
    Differs(Deviation),
    /// The scenario cannot run in the engine; why (as a sentence naming it). Reported
    /// with every run, never skipped silently.
    NotApplicable(String),
}

impl EngineNote {
    /// Why the engine is different.
    pub fn why(&self) -> &str {
        match self {
            EngineNote::Differs(deviation) => &deviation.why,
            EngineNote::NotApplicable(why) => why,
        }
    }
}

/// A known difference between an engine and the Fetch standard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deviation {
    /// What the engine does instead, and why, as a sentence starting with its name.
    pub why: String,
    /// The whole expectation under the engine: the standard's, with the fields the
    /// deviation gives replaced (none, for a difference a run cannot see).
    pub expect: Expect,
}

/// The `fetch()` call the page makes. The URL is the proxy's origin, `path`, and a
/// query naming the scenario.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Fetch {
    /// As given to `fetch()`, which upper-cases only the methods Fetch normalises.
    #[serde(default = "default_method")]
    pub method: String,
    /// A path without query or fragment.
    #[serde(default = "default_path")]
    pub path: String,
    /// Request headers, as given to `fetch()`.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The request body.
    pub body: Option<String>,
    /// `RequestInit.credentials`; the browser's default (`same-origin`) when absent.
    pub credentials: Option<Credentials>,
    /// `RequestInit.mode`; the browser's default (`cors`) when absent.
    pub mode: Option<Mode>,
}

impl Default for Fetch {
    /// `fetch(url)`: a GET of `/`.
    fn default() -> Self {
        Fetch {
            method: default_method(),
            path: default_path(),
            headers: BTreeMap::new(),
            body: None,
            credentials: None,
            mode: None,
        }
    }
}

fn default_method() -> String {
    "GET".to_owned()
}

fn default_path() -> String {
    "/".to_owned()
}

/// Fetch #concept-request-credentials-mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Credentials {
    /// Never send or store cookies.
    Omit,
    /// Cookies for same-origin requests only (the default).
    SameOrigin,
    /// Cookies even cross-origin; the response must then allow credentials.
    Include,
}

/// Fetch #concept-request-mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// The CORS protocol (the default for `fetch()`).
    Cors,
    /// No CORS: an opaque response, and only safelisted methods and headers.
    NoCors,
    /// Same-origin only: any cross-origin fetch fails.
    SameOrigin,
}

/// What must be observed. Only what is given is checked, except the counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expect {
    /// How each fetch settles.
    pub outcome: Outcome,
    /// `Response.type`: `cors`, `opaque`, ...
    pub response_type: Option<String>,
    /// The body the page reads.
    pub body: Option<Body>,
    /// Response headers as the page reads them with `headers.get()`.
    pub headers: BTreeMap<String, Readable>,
    /// How many preflights the server got, over all the scenario's fetches.
    pub preflights: usize,
    /// How many other requests the server got: those that reached it past a preflight,
    /// or needed none.
    pub requests: usize,
    /// The status every preflight was answered with.
    pub preflight_status: Option<u16>,
    /// Headers every preflight response carried, as the server sent them: a value,
    /// any value ([`Readable::Any`]), or none ([`Readable::Hidden`]: absent).
    pub preflight_headers: BTreeMap<String, Readable>,
    /// The `Access-Control-Request-Headers` every preflight carried.
    pub request_headers: Option<String>,
    /// Whether the requests past the preflight carried the page's cookie.
    pub cookie: Option<bool>,
    /// The messages, and no others, that the browser's console must show about the
    /// scenario's fetches, in any order (`Some(vec![])`: none), where the engine hands
    /// its console to WebDriver
    /// ([`Engine::exposes_console_log`](crate::engine::Engine::exposes_console_log));
    /// elsewhere the run reports them as not checked. Each is the text after the
    /// console's `<page URL> - ` prefix, with `{url}` for the fetch's URL and
    /// `{page_origin}` for the page's origin.
    pub console: Option<Vec<String>>,
}

/// How a fetch settles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The promise resolves with a response of this status.
    Status(u16),
    /// The promise rejects with an exception of this name (a network error is a
    /// `TypeError`).
    Error(String),
}

/// What the page must read as the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// Exactly this text.
    Text(String),
    /// Exactly what the server sent, whatever the framework put there (its 404 and
    /// 500 pages differ).
    AsSent,
}

/// What `headers.get(name)` must return in the page; for a preflight's response,
/// which the page never sees, what the server sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readable {
    /// Exactly this value.
    Value(String),
    /// Some value: the header is exposed (for a preflight: sent).
    Any,
    /// `null`: the CORS filter hides it (for a preflight: not sent).
    Hidden,
}

/// A data file that could not be loaded, or a scenario that makes no sense.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError(pub String);

impl std::fmt::Display for DataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DataError {}

/// This crate's directory.
fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `policies/` beside this crate's `Cargo.toml`.
pub fn policies_dir() -> PathBuf {
    crate_dir().join("policies")
}

/// The scenarios shipped in this crate: `scenarios/*.toml`, files in name order,
/// scenarios in file order.
pub fn builtin() -> Result<Vec<Scenario>, DataError> {
    load(&crate_dir().join("scenarios"), &policies_dir())
}

/// Loads every `*.toml` file in `dir`, checking that the policies named exist in
/// `policies`.
pub fn load(dir: &Path, policies: &Path) -> Result<Vec<Scenario>, DataError> {
    let error = |place: &Path, message: &dyn std::fmt::Display| {
        DataError(format!("{}: {message}", place.display()))
    };
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| error(dir, &e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    let mut scenarios = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).map_err(|e| error(&file, &e))?;
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or_else(|| error(&file, &"file name is not UTF-8"))?;
        let parsed: RawFile = toml::from_str(&text).map_err(|e| error(&file, &e))?;
        for raw in parsed.scenario {
            let name = format!("{stem}/{}", raw.name);
            let scenario = raw
                .resolve(name.clone(), parsed.policy.as_deref())
                .map_err(|message| DataError(format!("{name}: {message}")))?;
            scenarios.push(scenario);
        }
    }
    let mut names = BTreeSet::new();
    for scenario in &scenarios {
        if !names.insert(&scenario.name) {
            return Err(DataError(format!(
                "{}: two scenarios have this name",
                scenario.name
            )));
        }
        let policy = policies.join(format!("{}.json", scenario.policy));
        if !policy.is_file() {
            return Err(DataError(format!(
                "{}: policy file {} does not exist",
                scenario.name,
                policy.display()
            )));
        }
    }
    Ok(scenarios)
}

/// The scenarios grouped by policy, policies in name order, one server each.
pub fn by_policy(scenarios: &[Scenario]) -> BTreeMap<&str, Vec<&Scenario>> {
    let mut groups: BTreeMap<&str, Vec<&Scenario>> = BTreeMap::new();
    for scenario in scenarios {
        groups.entry(&scenario.policy).or_default().push(scenario);
    }
    groups
}

// ---- The file format, as serde reads it. ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    /// What the file covers; for the reader only.
    #[serde(default)]
    #[allow(dead_code)]
    about: String,
    /// The policy of every scenario that names none.
    policy: Option<String>,
    #[serde(default)]
    scenario: Vec<RawScenario>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: String,
    policy: Option<String>,
    spec: Option<String>,
    /// A GET of `/` when absent.
    #[serde(default)]
    fetch: Fetch,
    then: Option<Then>,
    expect: RawExpect,
    chromium: Option<RawDeviation>,
    firefox: Option<RawDeviation>,
    webkit: Option<RawDeviation>,
}

/// `{ why = "…", expect = { … } }`, `expect` optional, or `{ not_applicable = "…" }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeviation {
    why: Option<String>,
    expect: Option<RawExpect>,
    not_applicable: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    status: Option<u16>,
    error: Option<String>,
    #[serde(rename = "type")]
    response_type: Option<String>,
    body: Option<String>,
    body_as_sent: Option<bool>,
    #[serde(default)]
    headers: BTreeMap<String, RawReadable>,
    preflights: Option<usize>,
    requests: Option<usize>,
    preflight_status: Option<u16>,
    #[serde(default)]
    preflight_headers: BTreeMap<String, RawReadable>,
    request_headers: Option<String>,
    cookie: Option<bool>,
    console: Option<Vec<String>>,
}

/// The fetches after the first: one table, or a list of them.
#[derive(Deserialize)]
#[serde(untagged)]
enum Then {
    One(Fetch),
    Many(Vec<Fetch>),
}

/// `"value"`, `true` (any value) or `false` (hidden).
#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum RawReadable {
    Value(String),
    Flag(bool),
}

impl RawScenario {
    fn resolve(self, name: String, file_policy: Option<&str>) -> Result<Scenario, String> {
        let policy = self
            .policy
            .or(file_policy.map(str::to_owned))
            .ok_or("no policy: name one in the scenario or the file")?;
        let mut fetches = vec![self.fetch];
        match self.then {
            None => {}
            Some(Then::One(fetch)) => fetches.push(fetch),
            Some(Then::Many(more)) => fetches.extend(more),
        }
        for fetch in &fetches {
            fetch.check()?;
        }
        let expect = self.expect.clone().resolve()?;
        let mut engines = BTreeMap::new();
        for (engine, raw) in [
            (Engine::Chromium, self.chromium),
            (Engine::Firefox, self.firefox),
            (Engine::WebKit, self.webkit),
        ] {
            let Some(raw) = raw else { continue };
            let note = match (raw.why, raw.expect, raw.not_applicable) {
                (Some(why), expect, None) => EngineNote::Differs(Deviation {
                    expect: self
                        .expect
                        .clone()
                        .overridden_by(expect.unwrap_or_default())
                        .resolve()?,
                    why,
                }),
                (None, None, Some(why)) => EngineNote::NotApplicable(why),
                _ => {
                    return Err(format!(
                        "{}: give `why` (and `expect`), or `not_applicable` alone",
                        engine.key()
                    ))
                }
            };
            engines.insert(engine, note);
        }
        Ok(Scenario {
            name,
            policy,
            spec: self.spec,
            fetches,
            expect,
            engines,
        })
    }
}

impl Fetch {
    fn check(&self) -> Result<(), String> {
        if !self.path.starts_with('/') || self.path.contains(['?', '#']) {
            return Err(format!(
                "path {:?}: give a path starting with `/`, without query or fragment \
                 (the runner adds a query naming the scenario)",
                self.path
            ));
        }
        // fetch() itself throws for these; a scenario about that would say so
        // explicitly rather than by accident.
        let bodiless = ["GET", "HEAD"]
            .iter()
            .any(|m| self.method.eq_ignore_ascii_case(m));
        if bodiless && self.body.is_some() {
            return Err(format!("a {} request cannot have a body", self.method));
        }
        Ok(())
    }
}

impl RawExpect {
    /// This expectation with every field `other` gives replaced; `status` and `error`
    /// replace each other, and a fetch that fails has no response whose body, type
    /// or headers could be kept.
    fn overridden_by(self, other: RawExpect) -> RawExpect {
        let outcome_given = other.status.is_some() || other.error.is_some();
        let keep_response = other.error.is_none();
        let mut headers = if keep_response {
            self.headers
        } else {
            BTreeMap::new()
        };
        headers.extend(other.headers);
        let kept = |own: Option<String>| own.filter(|_| keep_response);
        RawExpect {
            status: if outcome_given {
                other.status
            } else {
                self.status
            },
            error: if outcome_given {
                other.error
            } else {
                self.error
            },
            response_type: other.response_type.or(kept(self.response_type)),
            body: other.body.or(kept(self.body)),
            body_as_sent: other
                .body_as_sent
                .or(self.body_as_sent.filter(|_| keep_response)),
            headers,
            preflights: other.preflights.or(self.preflights),
            requests: other.requests.or(self.requests),
            preflight_status: other.preflight_status.or(self.preflight_status),
            // The preflight is answered before the fetch settles either way.
            preflight_headers: {
                let mut headers = self.preflight_headers;
                headers.extend(other.preflight_headers);
                headers
            },
            request_headers: other.request_headers.or(self.request_headers),
            cookie: other.cookie.or(self.cookie),
            console: other.console.or(self.console),
        }
    }

    fn resolve(self) -> Result<Expect, String> {
        let outcome = match (self.status, self.error) {
            (Some(status), None) => Outcome::Status(status),
            (None, Some(error)) => Outcome::Error(error),
            _ => return Err("give exactly one of expect.status and expect.error".into()),
        };
        let body = match (self.body, self.body_as_sent) {
            (Some(_), Some(true)) => {
                return Err("give expect.body or expect.body_as_sent, not both".into())
            }
            (Some(text), _) => Some(Body::Text(text)),
            (None, Some(true)) => Some(Body::AsSent),
            (None, _) => None,
        };
        if matches!(outcome, Outcome::Error(_)) && body.is_some() {
            return Err("a fetch that fails has no body to read".into());
        }
        // Every scenario says what reached the server: that is the half of CORS the
        // page cannot see.
        let preflights = self
            .preflights
            .ok_or("give expect.preflights: how many preflights the server got")?;
        let requests = self
            .requests
            .ok_or("give expect.requests: how many other requests the server got")?;
        let readable = |raw: BTreeMap<String, RawReadable>| -> BTreeMap<String, Readable> {
            raw.into_iter()
                .map(|(name, readable)| {
                    let readable = match readable {
                        RawReadable::Value(value) => Readable::Value(value),
                        RawReadable::Flag(true) => Readable::Any,
                        RawReadable::Flag(false) => Readable::Hidden,
                    };
                    (name.to_ascii_lowercase(), readable)
                })
                .collect()
        };
        Ok(Expect {
            outcome,
            response_type: self.response_type,
            body,
            headers: readable(self.headers),
            preflights,
            requests,
            preflight_status: self.preflight_status,
            preflight_headers: readable(self.preflight_headers),
            request_headers: self.request_headers,
            cookie: self.cookie,
            console: self.console,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Scenario, String> {
        let file: RawFile = toml::from_str(text).map_err(|e| e.message().to_owned())?;
        let raw = file.scenario.into_iter().next().expect("one scenario");
        raw.resolve("t/x".into(), file.policy.as_deref())
    }

    #[test]
    fn a_deviation_overrides_only_what_it_gives() {
        let scenario = parse(
            r#"
            policy = "exact"
            [[scenario]]
            name = "x"
            fetch = { method = "PUT", body = "{}", credentials = "include" }
            expect = { status = 200, body = "ok", preflights = 1, requests = 1, headers = { a = "1", b = false } }
            chromium = { why = "because", expect = { status = 204, headers = { b = true } } }
            "#,
        )
        .unwrap();
        assert_eq!(scenario.fetches[0].credentials, Some(Credentials::Include));
        assert_eq!(scenario.expect.outcome, Outcome::Status(200));
        let chromium = scenario.observed(Engine::Chromium).unwrap();
        assert_eq!(chromium.outcome, Outcome::Status(204));
        assert_eq!(chromium.body, Some(Body::Text("ok".into())));
        assert_eq!(chromium.preflights, 1);
        assert_eq!(chromium.headers["a"], Readable::Value("1".into()));
        assert_eq!(chromium.headers["b"], Readable::Any);
        assert_eq!(scenario.observed(Engine::Firefox), Some(&scenario.expect));
    }

    #[test]
    fn a_deviation_to_an_error_drops_the_response() {
        let scenario = parse(
            r#"
            policy = "exact"
            [[scenario]]
            name = "x"
            fetch = {}
            expect = { status = 200, body = "ok", type = "cors", preflights = 0, requests = 1, headers = { a = "1" } }
            chromium = { why = "because", expect = { error = "TypeError", requests = 0 } }
            "#,
        )
        .unwrap();
        let chromium = scenario.observed(Engine::Chromium).unwrap();
        assert_eq!(chromium.outcome, Outcome::Error("TypeError".into()));
        assert_eq!(
            (chromium.body.as_ref(), chromium.response_type.as_ref()),
            (None, None)
        );
        assert!(chromium.headers.is_empty());
        assert_eq!((chromium.preflights, chromium.requests), (0, 0));
    }

    #[test]
    fn each_engine_has_its_own_note() {
        let scenario = parse(
            r#"
            policy = "exact"
            [[scenario]]
            name = "x"
            expect = { status = 200, preflights = 1, requests = 2 }
            chromium = { why = "Chromium forgets", expect = { preflights = 3 } }
            firefox = { why = "Firefox caps it at 24 h, which a run cannot see" }
            webkit = { not_applicable = "WebKit has no such thing" }
            "#,
        )
        .unwrap();
        assert_eq!(scenario.observed(Engine::Chromium).unwrap().preflights, 3);
        // A note without `expect` keeps the standard's expectation.
        assert_eq!(scenario.observed(Engine::Firefox), Some(&scenario.expect));
        assert_eq!(
            scenario.engines[&Engine::Firefox].why(),
            "Firefox caps it at 24 h, which a run cannot see"
        );
        assert_eq!(scenario.observed(Engine::WebKit), None);
        assert_eq!(
            scenario.engines[&Engine::WebKit],
            EngineNote::NotApplicable("WebKit has no such thing".into())
        );
        let both = parse(
            r#"
            policy = "exact"
            [[scenario]]
            name = "x"
            expect = { status = 200, preflights = 1, requests = 1 }
            webkit = { why = "a", not_applicable = "b" }
            "#,
        )
        .unwrap_err();
        assert!(both.contains("`not_applicable` alone"), "{both}");
    }

    #[test]
    fn console_messages_and_preflight_headers_are_read() {
        let scenario = parse(
            r#"
            policy = "exact"
            [[scenario]]
            name = "x"
            fetch = { method = "PATCH" }
            expect.error = "TypeError"
            expect.preflights = 1
            expect.requests = 0
            expect.preflight_headers = { Access-Control-Allow-Origin = true, access-control-allow-methods = false }
            expect.console = ["Access to fetch at '{url}' has been blocked"]
            firefox = { why = "because", expect = { preflight_headers = { x = "1" } } }
            "#,
        )
        .unwrap();
        let expect = &scenario.expect;
        assert_eq!(
            expect.console.as_deref(),
            Some(&["Access to fetch at '{url}' has been blocked".to_owned()][..])
        );
        assert_eq!(
            expect.preflight_headers["access-control-allow-origin"],
            Readable::Any
        );
        assert_eq!(
            expect.preflight_headers["access-control-allow-methods"],
            Readable::Hidden
        );
        // An engine's note keeps the console and adds to the preflight's headers.
        let firefox = scenario.observed(Engine::Firefox).unwrap();
        assert_eq!(firefox.console, expect.console);
        assert_eq!(firefox.preflight_headers.len(), 3);
        let none = parse(
            "policy = \"p\"\n[[scenario]]\nname = \"x\"\n\
             expect = { status = 200, preflights = 0, requests = 1 }",
        )
        .unwrap();
        assert_eq!(none.expect.console, None);
        assert!(none.expect.preflight_headers.is_empty());
    }

    #[test]
    fn nonsense_is_refused() {
        let refused = |fetch: &str, expect: &str| {
            parse(&format!(
                "policy = \"p\"\n[[scenario]]\nname = \"x\"\nfetch = {fetch}\nexpect = {expect}"
            ))
            .unwrap_err()
        };
        let counts = "preflights = 0, requests = 1";
        assert!(refused("{}", &format!("{{ {counts} }}")).contains("exactly one"));
        assert!(refused("{}", "{ status = 200, preflights = 0 }").contains("expect.requests"));
        assert!(refused(
            "{ path = \"/?a\" }",
            &format!("{{ status = 200, {counts} }}")
        )
        .contains("without query"));
        assert!(
            refused("{ body = \"x\" }", &format!("{{ status = 200, {counts} }}"))
                .contains("cannot have a body")
        );
        assert!(refused(
            "{}",
            &format!("{{ error = \"TypeError\", body = \"\", {counts} }}")
        )
        .contains("no body"));
        assert!(refused(
            "{ mode = \"navigate\" }",
            &format!("{{ status = 200, {counts} }}")
        )
        .contains("unknown variant"));
    }
}
