//! fetch-cors's decision alone: the floor under every adapter.

use std::collections::HashMap;
use std::hint::black_box;

use fetch_cors::adapter::RequestHeader;
use fetch_cors::{Cors, CorsRequest};

use super::{Answer, Measurement, Run};
use crate::{Policy, Scenario};

/// The policies, built once.
pub struct Core {
    policies: HashMap<Policy, Cors>,
}

impl Default for Core {
    fn default() -> Self {
        Core::new()
    }
}

impl Core {
    /// Builds every scenario's policy.
    pub fn new() -> Self {
        let policies = Scenario::ALL
            .iter()
            .map(|s| (s.policy(), s.policy().cors()))
            .collect();
        Core { policies }
    }

    /// The policy of `scenario`.
    pub fn policy(&self, scenario: Scenario) -> &Cors {
        &self.policies[&scenario.policy()]
    }

    /// One request of `scenario`, ready to decide: the policy looked up and the header
    /// lines found once, so that a measurement times what an adapter does per request
    /// (fill a [`CorsRequest`], decide, read the headers) and nothing of the harness.
    pub fn prepare(&self, scenario: Scenario) -> Prepared<'_> {
        let headers = scenario
            .headers()
            .iter()
            .map(
                |&(name, value)| match RequestHeader::from_name(name.as_bytes()) {
                    Some(header) => (header, value),
                    None => unreachable!("the scenarios send no `{name}`"),
                },
            )
            .collect();
        Prepared {
            cors: self.policy(scenario),
            method: scenario.method(),
            headers,
        }
    }

    /// Decides `iters` requests of `scenario`; counts allocations if asked.
    pub fn run(&self, scenario: Scenario, iters: u64, count_allocations: bool) -> Run {
        let prepared = self.prepare(scenario);
        let measurement = Measurement::start(count_allocations);
        for _ in 0..iters {
            black_box(&prepared).decide_once();
        }
        measurement.stop()
    }

    /// [`Core::run`] under the same policy as a [`LiveCors`](fetch_cors::LiveCors), loaded per
    /// request as adapters load it ([`CorsSource::load`](fetch_cors::CorsSource::load)).
    pub fn run_live(&self, scenario: Scenario, iters: u64, count_allocations: bool) -> Run {
        let source =
            fetch_cors::CorsSource::from(fetch_cors::LiveCors::new(self.policy(scenario).clone()));
        let prepared = self.prepare(scenario);
        // The first load on a thread registers it with the swap, once.
        drop(source.load());
        let measurement = Measurement::start(count_allocations);
        for _ in 0..iters {
            let current = black_box(&source).load();
            black_box(&prepared).decide_with(&current);
        }
        measurement.stop()
    }

    /// The decision for one request of `scenario`, as status (0 when the request goes on
    /// to the handler) and headers.
    pub fn answer(&self, scenario: Scenario) -> Answer {
        let cors = self.policy(scenario);
        let mut req = CorsRequest::new(scenario.method().as_bytes());
        for (name, value) in scenario.headers() {
            req.add_header(name.as_bytes(), value.as_bytes());
        }
        let decision = cors.decide(&req);
        let headers: Vec<(&str, &[u8])> = decision
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes()))
            .collect();
        Answer::new(decision.respond_now().map_or(0, |s| s.as_u16()), headers)
    }
}

/// A scenario's policy and request lines, found once ([`Core::prepare`]). Each line is
/// recorded for its header ([`CorsRequest::add`]), as an adapter records the lines its
/// framework's header map found: matching header names is the framework's work, which the
/// adapters' benchmarks measure.
pub struct Prepared<'c> {
    cors: &'c Cors,
    method: &'static str,
    headers: Vec<(RequestHeader, &'static str)>,
}

impl Prepared<'_> {
    /// Decides one request: fills a [`CorsRequest`] from the header lines and asks the
    /// policy, as an adapter does.
    #[inline]
    pub fn decide_once(&self) {
        let mut req = CorsRequest::new(black_box(self.method).as_bytes());
        for &(header, value) in &self.headers {
            req.add(header, black_box(value).as_bytes());
        }
        black_box(&self.cors.decide(&req));
    }

    /// [`Prepared::decide_once`] under `cors` rather than the prepared policy.
    #[inline]
    pub fn decide_with(&self, cors: &Cors) {
        let mut req = CorsRequest::new(black_box(self.method).as_bytes());
        for &(header, value) in &self.headers {
            req.add(header, black_box(value).as_bytes());
        }
        black_box(&cors.decide(&req));
    }
}
