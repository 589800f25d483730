//! One run: a browser, the page server, and for each policy a conformance server
//! behind a logging proxy, every scenario of that policy fetched from the page.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cors_conformance::client::preview;
use cors_conformance::Report;
use serde_json::{json, Value};

use crate::browser::{Browser, Installation};
use crate::check::{check, Context, PageOutcome};
use crate::page::PageServer;
use crate::process::TempDir;
use crate::proxy::{Exchange, Proxy};
use crate::scenario::{self, Scenario};
use crate::server::ConformanceServer;

/// The placeholder in `policies/*.json` for the page's origin, whose port is only
/// known at run time.
pub const PAGE_ORIGIN: &str = "{page_origin}";

/// How long, after the page's fetches settled, the proxy may take to record the last
/// response.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(2);

/// The outcome of running every scenario against one adapter.
#[derive(Debug, Clone)]
pub struct Run {
    /// Which scenarios passed and which failed, and why.
    pub report: Report,
    /// `browserVersion`, as chromedriver reports it.
    pub browser_version: String,
    /// The scenarios where Chromium departs from the Fetch standard, with what it
    /// does and why; they expect what Chromium does.
    pub deviations: Vec<(String, String)>,
    /// How long the run took, browser start included.
    pub elapsed: Duration,
}

impl fmt::Display for Run {
    /// The per-adapter summary: counts, time and browser, every failure with its
    /// details, and every known departure from the standard.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let report = &self.report;
        writeln!(
            f,
            "browser/{}: {} passed, {} failed in {:.1} s (Chromium {})",
            report.adapter,
            report.passed.len(),
            report.failed.len(),
            self.elapsed.as_secs_f64(),
            self.browser_version
        )?;
        for failure in &report.failed {
            writeln!(f, "  FAIL {}", failure.name)?;
            for line in failure.details.lines() {
                writeln!(f, "       {line}")?;
            }
        }
        if !self.deviations.is_empty() {
            writeln!(
                f,
                "  where Chromium departs from the Fetch standard, these expect what Chromium does:"
            )?;
            for (name, why) in &self.deviations {
                writeln!(f, "    {name}: {why}")?;
            }
        }
        Ok(())
    }
}

/// Runs the built-in scenarios with headless Chromium against the conformance server
/// `binary`, reporting under the name `adapter`.
///
/// An `Err` is a run that could not happen at all (no Chromium, bad scenario data, a
/// browser that would not start); a scenario that fails is in the report.
pub fn run(binary: &Path, adapter: &str) -> Result<Run, String> {
    let started = Instant::now();
    let installation = Installation::find()?;
    let scenarios = scenario::builtin().map_err(|e| format!("scenario data: {e}"))?;
    if !binary.is_file() {
        return Err(format!(
            "{} does not exist; build it first",
            binary.display()
        ));
    }
    // Declared before the browser, so removed after it is gone.
    let scratch = TempDir::new(adapter).map_err(|e| format!("no scratch directory: {e}"))?;
    let page = PageServer::start().map_err(|e| format!("cannot start the page server: {e}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("no async runtime: {e}"))?;
    let (report, browser_version) = runtime.block_on(async {
        let browser = Browser::launch(&installation, scratch.path()).await?;
        let version = browser.version();
        let report = run_scenarios(&browser, &page, binary, adapter, &scenarios, scratch.path())
            .await
            .map_err(|e| format!("{e}{}", browser.log_tail()));
        browser.close().await;
        report.map(|report| (report, version))
    })?;
    let deviations = scenarios
        .iter()
        .filter_map(|s| Some((s.name.clone(), s.chromium.as_ref()?.why.clone())))
        .collect();
    Ok(Run {
        report,
        browser_version,
        deviations,
        elapsed: started.elapsed(),
    })
}

async fn run_scenarios(
    browser: &Browser,
    page: &PageServer,
    binary: &Path,
    adapter: &str,
    scenarios: &[Scenario],
    scratch: &Path,
) -> Result<Report, String> {
    browser.goto(&page.url()).await?;
    let cookie = browser.execute("return document.cookie;").await?;
    if cookie.as_str() != Some(page.cookie()) {
        return Err(format!(
            "the browser did not keep the page server's cookie: document.cookie is {cookie}"
        ));
    }
    let page_origin = page.origin();
    let context = Context {
        page_origin: &page_origin,
        cookie: page.cookie(),
    };
    let policies = scratch.join("policies");
    fs::create_dir_all(&policies).map_err(|e| format!("{}: {e}", policies.display()))?;

    let mut report = Report::new(adapter);
    let mut index = 0;
    for (policy, group) in scenario::by_policy(scenarios) {
        let started = write_policy(policy, &page_origin, &policies)
            .and_then(|file| ConformanceServer::start(binary, &file))
            .and_then(|server| {
                let proxy = Proxy::start(server.addr())
                    .map_err(|e| format!("cannot start the proxy: {e}"))?;
                Ok((server, proxy))
            });
        let (server, proxy) = match started {
            Ok(started) => started,
            Err(problem) => {
                for scenario in group {
                    report.fail(&scenario.name, format!("policy `{policy}`: {problem}"));
                }
                continue;
            }
        };
        for scenario in group {
            index += 1;
            let mut problems = run_scenario(browser, &proxy, scenario, index, context).await;
            if !problems.is_empty() {
                problems.push(format!(
                    "policy: policies/{policy}.json{}",
                    server.stderr_tail()
                ));
            }
            report.record(&scenario.name, problems);
        }
        // The proxy first: its connections end before the server does.
        drop(proxy);
        drop(server);
    }
    Ok(report)
}

/// Writes `policies/<policy>.json` with the page's origin filled in.
fn write_policy(policy: &str, page_origin: &str, dir: &Path) -> Result<PathBuf, String> {
    let template = scenario::policies_dir().join(format!("{policy}.json"));
    let text = fs::read_to_string(&template)
        .map_err(|e| format!("cannot read {}: {e}", template.display()))?;
    let file = dir.join(format!("{policy}.json"));
    fs::write(&file, text.replace(PAGE_ORIGIN, page_origin))
        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    Ok(file)
}

/// Runs one scenario's fetches in the page and checks the outcome; the problems,
/// followed by what happened, for context.
async fn run_scenario(
    browser: &Browser,
    proxy: &Proxy,
    scenario: &Scenario,
    index: usize,
    context: Context<'_>,
) -> Vec<String> {
    // A query of its own gives each scenario fresh URLs, so no preflight cache entry
    // of another scenario applies, and tells its requests apart at the proxy.
    let marker = format!("?scenario={index}");
    let expect = scenario.observed();
    let read: Vec<&String> = expect.headers.keys().collect();
    let fetches: Vec<Value> = scenario
        .fetches
        .iter()
        .map(|fetch| {
            json!({
                "url": format!("{}{}{marker}", proxy.origin(), fetch.path),
                "method": fetch.method,
                "headers": fetch.headers,
                "body": fetch.body,
                "credentials": fetch.credentials,
                "mode": fetch.mode,
                "read": read,
            })
        })
        .collect();
    let result = browser
        .run_scenario(Value::Array(fetches))
        .await
        .and_then(|value| {
            serde_json::from_value::<Vec<PageOutcome>>(value.clone())
                .map_err(|e| format!("the page reported {value}, which does not parse: {e}"))
        });
    let exchanges = proxy.exchanges(&marker, SETTLE_TIMEOUT);
    let (mut problems, outcomes) = match result {
        Ok(outcomes) => (
            check(expect, &scenario.fetches, &outcomes, &exchanges, context),
            outcomes,
        ),
        Err(problem) => (vec![problem], Vec::new()),
    };
    if problems.is_empty() {
        return problems;
    }
    if let Some(spec) = &scenario.spec {
        problems.push(format!("see https://fetch.spec.whatwg.org/{spec}"));
    }
    if let Some(deviation) = &scenario.chromium {
        problems.push(format!(
            "expected Chromium's behaviour, not the standard's: {}",
            deviation.why
        ));
    }
    for outcome in &outcomes {
        problems.push(format!("page: {}", describe_outcome(outcome)));
    }
    if exchanges.is_empty() {
        problems.push("wire: the server got no request".to_owned());
    }
    for exchange in &exchanges {
        problems.push(format!("wire: {}", describe_exchange(exchange)));
    }
    problems
}

fn describe_outcome(outcome: &PageOutcome) -> String {
    match &outcome.error {
        Some(error) => format!("{}: {}", error.name, error.message),
        None => format!(
            "status {:?}, type {:?}, body {:?}, readable headers {:?}",
            outcome.status,
            outcome.response_type.as_deref().unwrap_or_default(),
            outcome.body.as_deref().unwrap_or_default(),
            outcome.names
        ),
    }
}

/// The exchange's summary with the headers CORS is about, request and response.
fn describe_exchange(exchange: &Exchange) -> String {
    let cors_related = |name: &str| {
        let name = name.to_ascii_lowercase();
        name.starts_with("access-control-")
            || ["origin", "cookie", "vary", "content-type"].contains(&name.as_str())
    };
    let mut text = exchange.summary();
    for (name, value) in &exchange.request.headers {
        if cors_related(name) {
            text.push_str(&format!("\n    > {name}: {value}"));
        }
    }
    if let Some(response) = &exchange.response {
        for (name, value) in &response.headers {
            let name = String::from_utf8_lossy(name);
            if cors_related(&name) {
                text.push_str(&format!("\n    < {name}: {}", preview(value)));
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use cors_conformance::server::load_policy;

    /// Every policy file, its origin filled in, is one the servers accept.
    #[test]
    fn every_policy_loads_with_a_page_origin() {
        let dir = TempDir::new("policies").unwrap();
        let mut count = 0;
        for entry in fs::read_dir(scenario::policies_dir()).unwrap() {
            let path = entry.unwrap().path();
            let policy = path.file_stem().unwrap().to_str().unwrap();
            let file = write_policy(policy, "http://127.0.0.1:4321", dir.path()).unwrap();
            if let Err(error) = load_policy(&file) {
                panic!("policies/{policy}.json: {error}");
            }
            count += 1;
        }
        assert!(count > 0);
    }

    /// Every policy file is used by some scenario, and every scenario's data loads.
    #[test]
    fn the_scenarios_load_and_use_every_policy() {
        let scenarios = scenario::builtin().unwrap_or_else(|e| panic!("{e}"));
        // The issue asks for at least 30 per adapter; every scenario runs for each.
        assert!(scenarios.len() >= 30, "{} scenarios", scenarios.len());
        let used = scenario::by_policy(&scenarios);
        for entry in fs::read_dir(scenario::policies_dir()).unwrap() {
            let path = entry.unwrap().path();
            let policy = path.file_stem().unwrap().to_str().unwrap().to_owned();
            assert!(
                used.contains_key(policy.as_str()),
                "policies/{policy}.json is unused"
            );
        }
    }
}
