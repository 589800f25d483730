//! cors-core's decision alone: the floor under every adapter.

use std::collections::HashMap;
use std::hint::black_box;

use cors_core::{Cors, CorsRequest};

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

    /// Decides one request of `scenario`: fills a [`CorsRequest`] from its header lines and
    /// asks the policy, as an adapter does.
    #[inline]
    pub fn decide_once(&self, scenario: Scenario) -> usize {
        let cors = self.policy(scenario);
        let mut req = CorsRequest::new(black_box(scenario.method()).as_bytes());
        for (name, value) in scenario.headers() {
            req.add_header(name.as_bytes(), black_box(value).as_bytes());
        }
        let decision = cors.decide(&req);
        black_box(decision.headers().len())
    }

    /// Decides `iters` requests of `scenario`; counts allocations if asked.
    pub fn run(&self, scenario: Scenario, iters: u64, count_allocations: bool) -> Run {
        let measurement = Measurement::start(count_allocations);
        for _ in 0..iters {
            self.decide_once(black_box(scenario));
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
