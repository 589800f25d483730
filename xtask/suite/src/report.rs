//! The outcome of running the suite against one server binary.

use std::fmt;

/// Which cases passed and which failed, and why, for one adapter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The adapter's name (`axum`, ...).
    pub adapter: String,
    /// Names of the cases that passed, in the order they ran.
    pub passed: Vec<String>,
    /// The cases that failed, in the order they ran.
    pub failed: Vec<Failure>,
    /// Failures listed in `known-deviations.toml` for this adapter, with the listed reason.
    pub known: Vec<Failure>,
}

/// A failed case and what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The case's name (`origins/listed origin is echoed`).
    pub name: String,
    /// Expected versus got, one or more lines.
    pub details: String,
}

impl Report {
    /// An empty report for `adapter`.
    pub fn new(adapter: &str) -> Self {
        Report {
            adapter: adapter.to_owned(),
            ..Report::default()
        }
    }

    /// Records that `name` passed.
    pub fn pass(&mut self, name: impl Into<String>) {
        self.passed.push(name.into());
    }

    /// Records that `name` failed, for the reason given.
    pub fn fail(&mut self, name: impl Into<String>, details: impl Into<String>) {
        self.failed.push(Failure {
            name: name.into(),
            details: details.into(),
        });
    }

    /// Records `name` as passed when `problems` is empty, else as failed with them.
    pub fn record(&mut self, name: impl Into<String>, problems: Vec<String>) {
        if problems.is_empty() {
            self.pass(name);
        } else {
            self.fail(name, problems.join("\n"));
        }
    }

    /// Whether nothing failed (known deviations aside).
    pub fn is_success(&self) -> bool {
        self.failed.is_empty()
    }

    /// Moves the failures listed as known deviations of this adapter to `known`; a listed
    /// case that passed becomes a failure, so the stale entry gets removed.
    pub fn apply_known_deviations(&mut self, deviations: &[Deviation]) {
        let adapter = self.adapter.clone();
        for d in deviations.iter().filter(|d| d.adapter == adapter) {
            if let Some(i) = self.failed.iter().position(|f| f.name == d.case) {
                let mut failure = self.failed.remove(i);
                failure.details = d.why.clone();
                self.known.push(failure);
            } else if let Some(i) = self.passed.iter().position(|p| *p == d.case) {
                let name = self.passed.remove(i);
                self.fail(
                    name,
                    "listed in known-deviations.toml but passed: remove the entry",
                );
            }
        }
    }
}

/// A case an adapter is known to fail, from `known-deviations.toml`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deviation {
    /// The adapter (`rocket`, ...).
    pub adapter: String,
    /// The case's full name.
    pub case: String,
    /// Why it fails, printed with every report.
    pub why: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviationFile {
    deviation: Vec<Deviation>,
}

/// The known deviations shipped with the suite.
pub fn known_deviations() -> Result<Vec<Deviation>, String> {
    let text = include_str!("../known-deviations.toml");
    toml::from_str::<DeviationFile>(text)
        .map(|f| f.deviation)
        .map_err(|e| format!("known-deviations.toml: {e}"))
}

/// A summary line, then each failure with its details indented.
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} passed, {} failed, {} known deviations",
            self.adapter,
            self.passed.len(),
            self.failed.len(),
            self.known.len()
        )?;
        for known in &self.known {
            writeln!(f, "  KNOWN {}", known.name)?;
            for line in known.details.lines() {
                writeln!(f, "       {line}")?;
            }
        }
        for failure in &self.failed {
            writeln!(f, "  FAIL {}", failure.name)?;
            for line in failure.details.lines() {
                writeln!(f, "       {line}")?;
            }
        }
        Ok(())
    }
}
