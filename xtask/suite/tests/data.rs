//! The suite's data against itself and against fetch-cors, without any server.
//!
//! These run under `cargo test -p cors-conformance` alone: the case files load, every
//! policy file is used, every valid policy is one fetch-cors accepts, and every invalid
//! one is refused with a message naming the field, as the servers will print it.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use cors_conformance::server::load_policy;
use cors_conformance::Suite;

fn suite() -> Suite {
    Suite::builtin().unwrap_or_else(|e| panic!("the suite's data does not load: {e}"))
}

/// The policy names (file stems) in `dir`, without descending.
fn policies_in(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .expect("policies directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn the_suite_is_big_enough() {
    let suite = suite();
    let policies = suite.cases_by_policy().len();
    assert!(policies >= 15, "only {policies} policies have cases");
    assert!(suite.cases.len() >= 150, "only {} cases", suite.cases.len());
    let invalid = suite.startup.iter().filter(|s| s.policy.is_some()).count();
    assert!(invalid >= 12, "only {invalid} invalid-policy checks");
}

#[test]
fn every_policy_file_is_used() {
    let suite = suite();
    let used: BTreeSet<String> = suite.cases.iter().map(|c| c.policy.clone()).collect();
    let unused: Vec<_> = policies_in(&suite.policies_dir)
        .difference(&used)
        .cloned()
        .collect();
    assert!(unused.is_empty(), "policy files without cases: {unused:?}");

    let checked: BTreeSet<String> = suite
        .startup
        .iter()
        .filter_map(|s| {
            s.policy
                .as_deref()?
                .strip_prefix("invalid/")
                .map(str::to_owned)
        })
        .collect();
    let unchecked: Vec<_> = policies_in(&suite.policies_dir.join("invalid"))
        .difference(&checked)
        .cloned()
        .collect();
    assert!(
        unchecked.is_empty(),
        "invalid policy files never checked: {unchecked:?}"
    );
}

#[test]
fn cors_core_accepts_every_valid_policy() {
    let suite = suite();
    let refused: Vec<String> = policies_in(&suite.policies_dir)
        .into_iter()
        .filter_map(|name| {
            let path = suite.policy_path(&name);
            load_policy(&path).err().map(|e| format!("{name}: {e}"))
        })
        .collect();
    assert!(
        refused.is_empty(),
        "fetch-cors refuses valid policies:\n{}",
        refused.join("\n")
    );
}

#[test]
fn cors_core_refuses_every_invalid_policy_naming_the_field() {
    let suite = suite();
    let mut problems = Vec::new();
    for check in &suite.startup {
        let Some(policy) = &check.policy else {
            // A bad command line: only a server can be asked about it.
            continue;
        };
        if !check.adapters.is_empty() {
            // Only some frameworks refuse this policy (fetch-cors-rocket: methods Rocket cannot
            // receive); their own tests check that, and fetch-cors alone accepts it.
            continue;
        }
        let path = suite.policy_path(policy);
        match load_policy(&path) {
            Ok(_) => problems.push(format!("{}: accepted", check.name)),
            Err(message) => {
                let mentioned = check.mentions.is_empty()
                    || check.mentions.iter().any(|m| message.contains(m.as_str()));
                if !mentioned {
                    problems.push(format!(
                        "{}: the message does not mention {:?}: {message}",
                        check.name, check.mentions
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
