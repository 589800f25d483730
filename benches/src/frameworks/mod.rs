//! One module per framework: its three apps per policy, and a [`Runner`] for each that
//! answers a batch of requests in-process, the way the framework's own test tools do.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::{alloc, Policy, Row, Scenario};

pub mod actix;
pub mod axum;
pub mod core;
pub mod poem;
pub mod rocket;
pub mod salvo;
pub mod warp;

/// What answering a batch of requests took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Run {
    /// Wall time for the batch.
    pub elapsed: Duration,
    /// Heap allocations (and reallocations) during the batch; zero unless counted.
    pub allocations: u64,
}

/// What one app answered to one request: its status and CORS headers, to check that every
/// row answers the way the report says it does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The `access-control-*` and `vary` headers, lower-case names, in order.
    pub headers: Vec<(String, String)>,
    /// Whether the handler ran.
    pub handler_ran: bool,
}

impl Answer {
    /// Keeps the CORS headers of an answer given as `(name, value)` pairs, and tells from
    /// the `x-handler` header the handlers set whether the handler ran.
    pub fn new<'a>(status: u16, headers: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Self {
        let mut answer = Answer {
            status,
            ..Answer::default()
        };
        for (name, value) in headers {
            let name = name.to_ascii_lowercase();
            if name == HANDLER_HEADER {
                answer.handler_ran = true;
            } else if name.starts_with("access-control-") || name == "vary" {
                answer
                    .headers
                    .push((name, String::from_utf8_lossy(value).into_owned()));
            }
        }
        answer
    }

    /// The value of a header, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The header every benchmark handler adds to its answer, so [`Answer`] can tell a handler's
/// response from a middleware's.
pub const HANDLER_HEADER: &str = "x-handler";

/// The body every benchmark handler answers.
pub const HANDLER_BODY: &str = "ok";

/// One app, answering requests of any scenario.
pub trait Runner {
    /// Answers `iters` requests of `scenario`, built beforehand (outside the measurement),
    /// one after the other, dropping each response; counts allocations if asked.
    fn run(&self, scenario: Scenario, iters: u64, count_allocations: bool) -> Run;

    /// Answers one request of `scenario`.
    fn answer(&self, scenario: Scenario) -> Answer;
}

/// Starts a measurement: the clock, and the allocation count if asked.
pub(crate) struct Measurement {
    start: Instant,
    counting: bool,
}

impl Measurement {
    pub(crate) fn start(counting: bool) -> Self {
        if counting {
            alloc::start();
        }
        Measurement {
            start: Instant::now(),
            counting,
        }
    }

    pub(crate) fn stop(self) -> Run {
        let elapsed = self.start.elapsed();
        let allocations = if self.counting { alloc::stop() } else { 0 };
        Run {
            elapsed,
            allocations,
        }
    }
}

/// A framework's apps: one without CORS, and the peer's and ours for each policy the
/// framework's peer can express.
pub struct Framework {
    /// The framework, as in the report's headings.
    pub name: &'static str,
    /// The peer middleware, with its version.
    pub peer: &'static str,
    /// Our adapter.
    pub ours: &'static str,
    /// How a measured request is answered in-process.
    pub harness: &'static str,
    /// The policy each scenario's policy becomes here; `None` where the peer cannot express
    /// it.
    pub(crate) policy_of: fn(Policy) -> Option<Policy>,
    pub(crate) baseline: Box<dyn Runner>,
    pub(crate) peers: HashMap<Policy, Box<dyn Runner>>,
    pub(crate) ours_by_policy: HashMap<Policy, Box<dyn Runner>>,
}

impl Framework {
    /// The policy `scenario` runs under here, or `None` if the peer cannot express it.
    pub fn policy(&self, scenario: Scenario) -> Option<Policy> {
        (self.policy_of)(scenario.policy())
    }

    /// The app for `row` in `scenario`, or `None` if the peer cannot express its policy.
    pub fn runner(&self, row: Row, scenario: Scenario) -> Option<&dyn Runner> {
        let policy = self.policy(scenario)?;
        match row {
            Row::Baseline => Some(self.baseline.as_ref()),
            Row::Peer => self.peers.get(&policy).map(|r| r.as_ref()),
            Row::Ours => self.ours_by_policy.get(&policy).map(|r| r.as_ref()),
        }
    }

    /// Builds the apps for every policy, with `build(row, policy)`.
    pub(crate) fn build(
        name: &'static str,
        peer: &'static str,
        ours: &'static str,
        harness: &'static str,
        policy_of: fn(Policy) -> Option<Policy>,
        mut build: impl FnMut(Row, Option<Policy>) -> Box<dyn Runner>,
    ) -> Framework {
        let mut policies: Vec<Policy> = Scenario::ALL
            .iter()
            .filter_map(|s| policy_of(s.policy()))
            .collect();
        policies.dedup();
        let mut peers = HashMap::new();
        let mut ours_by_policy = HashMap::new();
        for policy in policies {
            peers
                .entry(policy)
                .or_insert_with(|| build(Row::Peer, Some(policy)));
            ours_by_policy
                .entry(policy)
                .or_insert_with(|| build(Row::Ours, Some(policy)));
        }
        Framework {
            name,
            peer,
            ours,
            harness,
            policy_of,
            baseline: build(Row::Baseline, None),
            peers,
            ours_by_policy,
        }
    }
}

/// Every framework, in report order.
pub fn all() -> Vec<Framework> {
    vec![
        axum::framework(),
        actix::framework(),
        rocket::framework(),
        warp::framework(),
        poem::framework(),
        salvo::framework(),
    ]
}
