//! `bench-report`: measures fetch-cors and every adapter against its framework's usual CORS
//! middleware, in-process and end to end, and writes `BENCHMARKS.md` at the workspace root.
//!
//! ```text
//! cargo run --release -p cors-benches --bin bench-report [-- OPTIONS]
//!
//!   --quick          few samples and short wrk runs: checks the program, not the figures
//!   --samples N      interleaved samples per scenario (default 101)
//!   --batch-ms N     target time of one sample batch, in ms (default 3)
//!   --rounds N       wrk rounds per server and row (default 3)
//!   --no-e2e         skip the end-to-end runs (and wrk)
//!   --only LIST      measure only these, comma-separated: core, axum, actix, rocket, warp,
//!                    poem, salvo, e2e (the report then has only their sections: for a look, not to commit)
//!   --out PATH       where to write the report (default: BENCHMARKS.md at the workspace root)
//! ```
//!
//! In-process, each sample answers a batch of requests (built beforehand) through each of
//! the three apps of a framework, back to back, in an order that rotates from sample to
//! sample: a burst of machine noise hits the three rows alike, and the per-sample
//! differences and ratios cancel it. Medians are reported with their 95% confidence
//! intervals (order statistics, no distribution assumed).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use cors_benches::e2e::{self, Load, LoadShape};
use cors_benches::frameworks::{self, core::Core, Answer, Framework};
use cors_benches::stats::{geometric_mean, summarize, Summary};
use cors_benches::{Row, Scenario};

struct Options {
    samples: usize,
    batch: Duration,
    rounds: usize,
    e2e: bool,
    quick: bool,
    shape: LoadShape,
    out: PathBuf,
    only: Option<Vec<String>>,
}

impl Options {
    fn parse() -> Result<Options, String> {
        let mut options = Options {
            samples: 101,
            batch: Duration::from_millis(3),
            rounds: 3,
            e2e: true,
            quick: false,
            shape: LoadShape::default(),
            out: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../BENCHMARKS.md"),
            only: None,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
            match arg.as_str() {
                "--quick" => {
                    options.quick = true;
                    options.samples = 7;
                    options.rounds = 1;
                    options.shape.duration = Duration::from_secs(1);
                }
                "--samples" => {
                    options.samples = value("--samples")?
                        .parse()
                        .map_err(|e| format!("--samples: {e}"))?;
                }
                "--batch-ms" => {
                    let ms: u64 = value("--batch-ms")?
                        .parse()
                        .map_err(|e| format!("--batch-ms: {e}"))?;
                    options.batch = Duration::from_millis(ms.max(1));
                }
                "--rounds" => {
                    options.rounds = value("--rounds")?
                        .parse()
                        .map_err(|e| format!("--rounds: {e}"))?;
                }
                "--no-e2e" => options.e2e = false,
                "--only" => {
                    options.only = Some(
                        value("--only")?
                            .split(',')
                            .map(|s| s.trim().to_ascii_lowercase())
                            .collect(),
                    );
                }
                "--out" => options.out = PathBuf::from(value("--out")?),
                "-h" | "--help" => {
                    println!(
                        "bench-report [--quick] [--samples N] [--batch-ms N] [--rounds N] \
                         [--no-e2e] [--out PATH]"
                    );
                    std::process::exit(0);
                }
                other => return Err(format!("unknown argument `{other}` (try --help)")),
            }
        }
        options.samples = options.samples.max(3);
        options.rounds = options.rounds.max(1);
        Ok(options)
    }

    /// Whether `part` (`core`, `e2e`, or a framework's first word up to a space or `-`,
    /// lower-case: `actix` for "actix-web 4") is measured.
    fn wants(&self, part: &str) -> bool {
        let part = part.to_ascii_lowercase();
        let key = part.split([' ', '-']).next();
        self.only
            .as_ref()
            .is_none_or(|only| only.iter().any(|o| key == Some(o.as_str())))
    }
}

fn main() {
    let options = match Options::parse() {
        Ok(options) => options,
        Err(error) => {
            eprintln!("bench-report: {error}");
            std::process::exit(2);
        }
    };
    let started = Instant::now();
    let machine = Machine::probe();
    eprintln!(
        "bench-report: {} samples per scenario, batches of {:?}",
        options.samples, options.batch
    );

    let core = if options.wants("core") {
        eprintln!("== fetch-cors");
        measure_core(&options)
    } else {
        Vec::new()
    };

    let live = if options.wants("core") {
        eprintln!("== fetch-cors, fixed and live policy");
        measure_live(&options)
    } else {
        Vec::new()
    };

    let mut tables = Vec::new();
    for framework in frameworks::all() {
        if options.wants(framework.name) {
            eprintln!("== {}", framework.name);
            tables.push(measure_framework(&framework, &options));
        }
    }

    let end_to_end = if options.e2e && options.wants("e2e") {
        eprintln!("== end to end");
        Some(measure_end_to_end(&options))
    } else {
        None
    };

    let report = Report {
        machine,
        load_after: loadavg(),
        elapsed: started.elapsed(),
        core,
        live,
        tables,
        end_to_end,
    };
    let text = report.render(&options);
    if let Err(error) = std::fs::write(&options.out, &text) {
        eprintln!(
            "bench-report: cannot write {}: {error}",
            options.out.display()
        );
        std::process::exit(1);
    }
    eprintln!(
        "bench-report: wrote {} in {:.0?}",
        options.out.display(),
        started.elapsed()
    );
    for line in report.verdicts() {
        eprintln!("  {line}");
    }
}

// ---------------------------------------------------------------------------------------
// Measuring

/// How many iterations make a batch of about `target`, `run(iters)` giving a batch's time.
fn calibrate(mut run: impl FnMut(u64) -> Duration, target: Duration) -> u64 {
    let mut iters = 1u64;
    loop {
        let took = run(iters);
        if took >= target / 4 || iters >= 1 << 24 {
            let per = took.as_secs_f64() / iters as f64;
            return ((target.as_secs_f64() / per.max(1e-10)).ceil() as u64).clamp(1, 1 << 24);
        }
        iters *= 4;
    }
}

/// Allocations per request: the difference between batches of `2n` and `n`, so that what
/// a batch costs once (a runtime's first poll, say) cancels out.
fn allocations_per_request(mut run: impl FnMut(u64) -> u64) -> f64 {
    const N: u64 = 32;
    run(N); // warm: pools and lazily built state
    let one = run(N);
    let two = run(2 * N);
    two.saturating_sub(one) as f64 / N as f64
}

struct CoreRow {
    scenario: Scenario,
    ns: Summary,
    allocations: f64,
    answer: Answer,
}

fn measure_core(options: &Options) -> Vec<CoreRow> {
    let core = Core::new();
    Scenario::ALL
        .iter()
        .map(|&scenario| {
            let iters = calibrate(|n| core.run(scenario, n, false).elapsed, options.batch);
            let samples: Vec<f64> = (0..options.samples)
                .map(|_| ns_per(core.run(scenario, iters, false).elapsed, iters))
                .collect();
            let allocations = allocations_per_request(|n| core.run(scenario, n, true).allocations);
            let ns = summarize(&samples).expect("samples");
            eprintln!(
                "  {:<32} {:>9.1} ns  {allocations} allocations",
                scenario.name(),
                ns.median
            );
            CoreRow {
                scenario,
                ns,
                allocations,
                answer: core.answer(scenario),
            }
        })
        .collect()
}

/// One scenario decided under a fixed policy and under the same policy as a `LiveCors`,
/// sampled in turn so that both meet the same machine.
struct LiveRow {
    scenario: Scenario,
    fixed: Summary,
    live: Summary,
    allocations: f64,
}

fn measure_live(options: &Options) -> Vec<LiveRow> {
    let core = Core::new();
    [Scenario::AllowedGet, Scenario::AllowedPreflight]
        .into_iter()
        .map(|scenario| {
            let iters = calibrate(|n| core.run(scenario, n, false).elapsed, options.batch);
            let (mut fixed, mut live) = (Vec::new(), Vec::new());
            for _ in 0..options.samples {
                fixed.push(ns_per(core.run(scenario, iters, false).elapsed, iters));
                live.push(ns_per(core.run_live(scenario, iters, false).elapsed, iters));
            }
            let allocations =
                allocations_per_request(|n| core.run_live(scenario, n, true).allocations);
            let (fixed, live) = (
                summarize(&fixed).expect("samples"),
                summarize(&live).expect("samples"),
            );
            eprintln!(
                "  {:<32} fixed {:>7.1} ns, live {:>7.1} ns, {allocations} allocations",
                scenario.name(),
                fixed.median,
                live.median
            );
            LiveRow {
                scenario,
                fixed,
                live,
                allocations,
            }
        })
        .collect()
}

fn ns_per(elapsed: Duration, iters: u64) -> f64 {
    elapsed.as_nanos() as f64 / iters as f64
}

/// One row of one scenario.
struct RowResult {
    ns: Summary,
    allocations: f64,
    answer: Answer,
}

/// One scenario of one framework.
struct ScenarioResult {
    scenario: Scenario,
    /// `None` where the peer cannot express the scenario's policy.
    rows: Option<ScenarioRows>,
}

struct ScenarioRows {
    baseline: RowResult,
    peer: RowResult,
    ours: RowResult,
    /// Per sample: peer − baseline, ours − baseline (ns).
    peer_adds: Summary,
    ours_adds: Summary,
    /// Per sample: ours / peer.
    ratio: Summary,
}

impl ScenarioRows {
    fn row(&self, row: Row) -> &RowResult {
        match row {
            Row::Baseline => &self.baseline,
            Row::Peer => &self.peer,
            Row::Ours => &self.ours,
        }
    }
}

struct Table {
    name: &'static str,
    peer: &'static str,
    ours: &'static str,
    harness: &'static str,
    scenarios: Vec<ScenarioResult>,
}

fn measure_framework(framework: &Framework, options: &Options) -> Table {
    let scenarios = Scenario::ALL
        .iter()
        .map(|&scenario| {
            let runners: Option<Vec<_>> = Row::ALL
                .iter()
                .map(|&row| framework.runner(row, scenario))
                .collect();
            let Some(runners) = runners else {
                eprintln!("  {:<32} (the peer cannot express it)", scenario.name());
                return ScenarioResult {
                    scenario,
                    rows: None,
                };
            };
            let iters: Vec<u64> = runners
                .iter()
                .map(|runner| calibrate(|n| runner.run(scenario, n, false).elapsed, options.batch))
                .collect();
            let mut samples: [Vec<f64>; 3] = Default::default();
            for sample in 0..options.samples {
                // Rotate the order, so no row always runs first (or right after another).
                for k in 0..3 {
                    let i = (sample + k) % 3;
                    let run = runners[i].run(scenario, iters[i], false);
                    samples[i].push(ns_per(run.elapsed, iters[i]));
                }
            }
            let per_sample = |f: &dyn Fn(usize) -> f64| {
                summarize(&(0..options.samples).map(f).collect::<Vec<_>>()).expect("samples")
            };
            let peer_adds = per_sample(&|s| samples[1][s] - samples[0][s]);
            let ours_adds = per_sample(&|s| samples[2][s] - samples[0][s]);
            let ratio = per_sample(&|s| samples[2][s] / samples[1][s]);
            let mut rows = runners
                .iter()
                .zip(&samples)
                .map(|(runner, samples)| RowResult {
                    ns: summarize(samples).expect("samples"),
                    allocations: allocations_per_request(|n| {
                        runner.run(scenario, n, true).allocations
                    }),
                    answer: runner.answer(scenario),
                });
            let (baseline, peer, ours) = (
                rows.next().expect("three rows"),
                rows.next().expect("three rows"),
                rows.next().expect("three rows"),
            );
            eprintln!(
                "  {:<32} {:>9.0} {:>9.0} {:>9.0} ns   ours/peer {:.2}   allocations {} / {} / {}",
                scenario.name(),
                baseline.ns.median,
                peer.ns.median,
                ours.ns.median,
                ratio.median,
                baseline.allocations,
                peer.allocations,
                ours.allocations,
            );
            ScenarioResult {
                scenario,
                rows: Some(ScenarioRows {
                    baseline,
                    peer,
                    ours,
                    peer_adds,
                    ours_adds,
                    ratio,
                }),
            }
        })
        .collect();
    Table {
        name: framework.name,
        peer: framework.peer,
        ours: framework.ours,
        harness: framework.harness,
        scenarios,
    }
}

struct EndToEnd {
    wrk: Result<String, String>,
    servers: Vec<ServerResult>,
}

struct ServerResult {
    server: e2e::Server,
    /// Per row, one load per round.
    loads: [Vec<Result<Load, String>>; 3],
}

fn measure_end_to_end(options: &Options) -> EndToEnd {
    let wrk = match e2e::ensure_wrk() {
        Ok(wrk) => wrk,
        Err(error) => {
            eprintln!("  {error}");
            return EndToEnd {
                wrk: Err(error),
                servers: Vec::new(),
            };
        }
    };
    let version = Command::new(&wrk)
        .arg("-v")
        .output()
        .map(|o| {
            let text = String::from_utf8_lossy(&o.stdout).into_owned()
                + &String::from_utf8_lossy(&o.stderr);
            text.lines().next().unwrap_or("wrk").trim().to_owned()
        })
        .unwrap_or_else(|_| "wrk".to_owned());
    let servers = e2e::Server::ALL
        .iter()
        .map(|&server| {
            let mut loads: [Vec<Result<Load, String>>; 3] = Default::default();
            for round in 0..options.rounds {
                for k in 0..3 {
                    let i = (round + k) % 3;
                    let row = Row::ALL[i];
                    let load = e2e::start(server, row)
                        .map_err(|e| format!("cannot start the server: {e}"))
                        .and_then(|running| {
                            let load = e2e::load(&wrk, running.addr, options.shape);
                            running.stop();
                            load
                        });
                    match &load {
                        Ok(load) => eprintln!(
                            "  {:<12} {:<9} {:>10.0} req/s  p99 {:>8.0} us  server CPU {:>6.2} us/request",
                            server.name(),
                            row.name(),
                            load.requests_per_second,
                            load.p99_us,
                            load.server_cpu_us.unwrap_or(f64::NAN),
                        ),
                        Err(error) => eprintln!("  {} {}: {error}", server.name(), row.name()),
                    }
                    loads[i].push(load);
                }
            }
            ServerResult { server, loads }
        })
        .collect();
    EndToEnd {
        wrk: Ok(version),
        servers,
    }
}

// ---------------------------------------------------------------------------------------
// The machine

struct Machine {
    nproc: String,
    cpu: String,
    rustc: String,
    kernel: String,
    date: String,
    load_before: String,
    versions: Vec<(String, String)>,
}

impl Machine {
    fn probe() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| {
                l.strip_prefix("model name")?
                    .split_once(':')
                    .map(|(_, v)| v.trim())
            })
            .unwrap_or("unknown")
            .to_owned();
        Machine {
            nproc: command("nproc", &[]),
            cpu,
            rustc: command(
                &std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned()),
                &["-V"],
            ),
            kernel: command("uname", &["-sr"]),
            date: command("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
            load_before: loadavg(),
            versions: locked_versions(&[
                "axum",
                "tower-http",
                "actix-web",
                "actix-cors",
                "rocket",
                "rocket_cors",
                "warp",
                "poem",
                "salvo",
                "salvo-cors",
                "hyper",
                "tokio",
            ]),
        }
    }
}

fn command(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned())
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// The versions of `names` in the workspace's `Cargo.lock`.
fn locked_versions(names: &[&str]) -> Vec<(String, String)> {
    let lock =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock"))
            .unwrap_or_default();
    let mut found = Vec::new();
    let mut name = None;
    for line in lock.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"').to_owned());
        } else if let (Some(v), Some(n)) = (line.strip_prefix("version = "), name.take()) {
            if names.contains(&n.as_str()) {
                found.push((n, v.trim_matches('"').to_owned()));
            }
        }
    }
    found.sort_by_key(|(n, _)| names.iter().position(|x| x == n));
    found
}

// ---------------------------------------------------------------------------------------
// The report

struct Report {
    machine: Machine,
    load_after: String,
    elapsed: Duration,
    core: Vec<CoreRow>,
    live: Vec<LiveRow>,
    tables: Vec<Table>,
    end_to_end: Option<EndToEnd>,
}

/// A time for a table: ns below 10 µs, µs above.
fn time(ns: f64) -> String {
    if ns.abs() >= 10_000.0 {
        format!("{:.1} µs", ns / 1000.0)
    } else if ns.abs() >= 100.0 {
        format!("{ns:.0} ns")
    } else {
        format!("{ns:.1} ns")
    }
}

fn time_ci(s: &Summary) -> String {
    format!("{} [{}–{}]", time(s.median), time(s.low), time(s.high))
}

fn signed(ns: f64) -> String {
    if ns >= 0.0 {
        format!("+{}", time(ns))
    } else {
        format!("−{}", time(-ns))
    }
}

fn allocations(n: f64) -> String {
    if (n - n.round()).abs() < 0.05 {
        format!("{}", n.round())
    } else {
        format!("{n:.1}")
    }
}

fn ratio_ci(s: &Summary) -> String {
    format!("{:.2} [{:.2}–{:.2}]", s.median, s.low, s.high)
}

/// What a middleware costs in a scenario: its time over the app without CORS for an
/// actual request, its whole answer for a preflight (the app without CORS has no `OPTIONS`
/// route, so it answers a 404 or 405 that is no baseline for a preflight).
fn cost(rows: &ScenarioRows, scenario: Scenario, row: Row) -> f64 {
    if scenario.is_preflight() {
        rows.row(row).ns.median
    } else {
        match row {
            Row::Baseline => 0.0,
            Row::Peer => rows.peer_adds.median,
            Row::Ours => rows.ours_adds.median,
        }
    }
}

/// The floor put under a middleware's cost before dividing by it: a difference of medians
/// is noise below this.
const COST_FLOOR_NS: f64 = 1.0;

impl Table {
    fn measured(&self) -> impl Iterator<Item = (Scenario, &ScenarioRows)> {
        self.scenarios
            .iter()
            .filter_map(|s| s.rows.as_ref().map(|r| (s.scenario, r)))
    }

    /// Geometric mean of peer / ours over whole times.
    fn speedup_total(&self) -> Option<f64> {
        let ratios: Vec<f64> = self.measured().map(|(_, r)| 1.0 / r.ratio.median).collect();
        geometric_mean(&ratios)
    }

    /// Geometric mean of peer / ours over the middlewares' own costs.
    fn speedup_cost(&self) -> Option<f64> {
        let ratios: Vec<f64> = self
            .measured()
            .map(|(s, r)| {
                cost(r, s, Row::Peer).max(COST_FLOOR_NS) / cost(r, s, Row::Ours).max(COST_FLOOR_NS)
            })
            .collect();
        geometric_mean(&ratios)
    }
}

impl Report {
    fn render(&self, options: &Options) -> String {
        let mut md = String::new();
        let m = &self.machine;
        let _ = writeln!(md, "# Benchmarks\n");
        let _ = writeln!(
            md,
            "Generated by `cargo run --release -p cors-benches --bin bench-report` on {} \
             ({:.0?} wall time){}. Do not edit by hand: run it again.\n",
            m.date,
            self.elapsed,
            if options.quick {
                " **with `--quick`: too few samples for the figures to mean anything**"
            } else {
                ""
            }
        );
        let _ = writeln!(
            md,
            "Every CORS middleware here is measured against the same app without CORS and \
             against the framework's usual CORS middleware, with identical requests and \
             identical policies, in one run. Times are medians with their 95% confidence \
             intervals in brackets; *ours/peer* is the median of the per-sample ratios of \
             whole request times; *adds* is what a middleware adds to the app without CORS \
             (median of per-sample differences).\n"
        );
        self.render_summary(&mut md);
        self.render_machine(&mut md, options);
        self.render_core(&mut md);
        self.render_live(&mut md);
        for table in &self.tables {
            render_table(&mut md, table);
        }
        if let Some(e2e) = &self.end_to_end {
            render_end_to_end(&mut md, e2e, options);
        }
        self.render_targets(&mut md);
        md.push_str(FINDINGS);
        md.push('\n');
        render_method(&mut md, options);
        for table in &self.tables {
            render_answers(&mut md, table);
        }
        md
    }

    fn render_summary(&self, md: &mut String) {
        let _ = writeln!(md, "## Summary\n");
        let _ = writeln!(
            md,
            "| framework | peer | scenarios | ours faster in | speed-up, whole request (geo. mean) | speed-up, middleware's own cost (geo. mean) |"
        );
        let _ = writeln!(md, "|---|---|---:|---:|---:|---:|");
        for table in &self.tables {
            let measured: Vec<_> = table.measured().collect();
            let faster = measured
                .iter()
                .filter(|(_, r)| r.ratio.median < 1.0)
                .count();
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} |",
                table.name,
                table.peer,
                measured.len(),
                faster,
                table
                    .speedup_total()
                    .map_or("—".to_owned(), |x| format!("{x:.2}×")),
                table
                    .speedup_cost()
                    .map_or("—".to_owned(), |x| format!("{x:.2}×")),
            );
        }
        let _ = writeln!(
            md,
            "\n*Middleware's own cost*: for an actual request, what it adds over the app \
             without CORS; for a preflight, its whole answer. Each is floored at \
             {COST_FLOOR_NS} ns before dividing. Verdicts on each target: \
             [Targets](#targets).\n"
        );
    }

    fn render_machine(&self, md: &mut String, options: &Options) {
        let m = &self.machine;
        let _ = writeln!(md, "## Machine\n");
        let _ = writeln!(md, "| | |\n|---|---|");
        let _ = writeln!(md, "| `nproc` | {} |", m.nproc);
        let _ = writeln!(md, "| CPU (`/proc/cpuinfo`) | {} |", m.cpu);
        let _ = writeln!(md, "| rustc | {} |", m.rustc);
        let _ = writeln!(md, "| kernel | {} |", m.kernel);
        let _ = writeln!(
            md,
            "| load average before / after | {} / {} |",
            m.load_before, self.load_after
        );
        let versions: Vec<String> = m.versions.iter().map(|(n, v)| format!("{n} {v}")).collect();
        let _ = writeln!(md, "| crates (Cargo.lock) | {} |", versions.join(", "));
        let _ = writeln!(
            md,
            "| sampling | {} samples per scenario, batches of about {:?} per row and sample |",
            options.samples, options.batch
        );
        let _ = writeln!(md);
        let _ = writeln!(md, "To reproduce, from the workspace root:\n");
        let _ = writeln!(md, "```sh");
        let _ = writeln!(
            md,
            "cargo run --release -p cors-benches --bin bench-report   # this file (~5 min)"
        );
        let _ = writeln!(
            md,
            "cargo bench -p cors-benches                              # the same rows under criterion"
        );
        let _ = writeln!(
            md,
            "cargo bench -p cors-benches --bench axum -- 'allowed GET'   # one framework, one scenario"
        );
        let _ = writeln!(md, "```\n");
        let _ = writeln!(
            md,
            "The end-to-end runs need `wrk`; the report installs Debian's package with \
             `apt-get` when it is missing (as root). Other processes on the machine show up \
             as wide intervals: compare the load averages above with `nproc`.\n"
        );
    }

    fn render_live(&self, md: &mut String) {
        if self.live.is_empty() {
            return;
        }
        let _ = writeln!(md, "## fetch-cors: a fixed policy and a live one\n");
        let _ = writeln!(
            md,
            "The same decision under a `Cors` and under a `LiveCors` holding the same policy, \
             loaded per request as every adapter loads it (one atomic read of the replacement \
             count and a thread's copy; callgrind: about 80 instructions more than the fixed \
             policy's 240 and 1,030); samples of the two taken in turn.\n"
        );
        let _ = writeln!(
            md,
            "| scenario | fixed policy | live policy | difference | allocations (live) |"
        );
        let _ = writeln!(md, "|---|---:|---:|---:|---:|");
        for row in &self.live {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {:+.1} ns | {} |",
                row.scenario.name(),
                time_ci(&row.fixed),
                time_ci(&row.live),
                row.live.median - row.fixed.median,
                allocations(row.allocations),
            );
        }
        let _ = writeln!(md);
    }

    fn render_core(&self, md: &mut String) {
        let _ = writeln!(md, "## fetch-cors: the decision alone\n");
        let _ = writeln!(
            md,
            "`Cors::decide` on a `CorsRequest` filled from the request's header lines, as the \
             adapters do; the floor under every adapter.\n"
        );
        let _ = writeln!(md, "| scenario | time | allocations | decision |");
        let _ = writeln!(md, "|---|---:|---:|---|");
        let preflight = self
            .core
            .iter()
            .find(|r| r.scenario == Scenario::AllowedPreflight)
            .map(|r| r.ns.median);
        for row in &self.core {
            let times = match (row.scenario.is_adversarial(), preflight) {
                (true, Some(p)) => format!(" ({:.1}× the allowed preflight)", row.ns.median / p),
                _ => String::new(),
            };
            let _ = writeln!(
                md,
                "| {} | {}{} | {} | {} |",
                row.scenario.name(),
                time_ci(&row.ns),
                times,
                allocations(row.allocations),
                describe_decision(&row.answer),
            );
        }
        let _ = writeln!(md);
    }

    fn render_targets(&self, md: &mut String) {
        let _ = writeln!(md, "## Targets\n");
        for line in self.verdicts() {
            let _ = writeln!(md, "- {line}");
        }
        let _ = writeln!(md);
    }

    /// The two targets on fetch-cors alone.
    fn core_verdicts(&self, lines: &mut Vec<String>) {
        let mark = |ok: bool| if ok { "**met**" } else { "**missed**" };
        let allocating: Vec<String> = self
            .core
            .iter()
            .filter(|r| r.allocations > 0.0)
            .map(|r| format!("{} ({})", r.scenario.name(), allocations(r.allocations)))
            .collect();
        lines.push(format!(
            "fetch-cors: zero allocations in every scenario: {}{}.",
            mark(allocating.is_empty()),
            if allocating.is_empty() {
                String::new()
            } else {
                format!(" (allocates in: {})", allocating.join(", "))
            }
        ));
        let preflight = self
            .core
            .iter()
            .find(|r| r.scenario == Scenario::AllowedPreflight)
            .map(|r| r.ns.median);
        if let Some(p) = preflight {
            let worst = self
                .core
                .iter()
                .filter(|r| r.scenario.is_adversarial())
                .map(|r| r.ns.median / p)
                .fold(0.0, f64::max);
            lines.push(format!(
                "fetch-cors: hostile preflights at most 20× the allowed preflight: {} (worst \
                 {worst:.1}×).",
                mark(worst <= 20.0)
            ));
        }
    }

    /// One line per target and framework: met or missed, with the figures.
    fn verdicts(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let mark = |ok: bool| if ok { "**met**" } else { "**missed**" };
        for table in &self.tables {
            let slower: Vec<String> = table
                .measured()
                .filter(|(_, r)| r.ratio.median >= 1.0)
                .map(|(s, r)| format!("{} ({:.2})", s.name(), r.ratio.median))
                .collect();
            let speedup = table.speedup_total().unwrap_or(0.0);
            let speedup_cost = table.speedup_cost().unwrap_or(0.0);
            lines.push(format!(
                "{}: faster than {} in every scenario both express: {}{}; at least 2× on the \
                 geometric mean: {} on the middleware's own cost ({speedup_cost:.2}×), {} on \
                 whole request times ({speedup:.2}×).",
                table.name,
                table.peer,
                mark(slower.is_empty()),
                if slower.is_empty() {
                    String::new()
                } else {
                    format!(" (ours/peer ≥ 1 in: {})", slower.join(", "))
                },
                mark(speedup_cost >= 2.0),
                mark(speedup >= 2.0),
            ));
            let over: Vec<String> = table
                .measured()
                .filter(|(s, _)| !s.is_preflight())
                .filter(|(_, r)| r.ours_adds.median > 0.5 * r.peer_adds.median.max(0.0))
                .map(|(s, r)| {
                    format!(
                        "{} (ours {}, peer {})",
                        s.name(),
                        signed(r.ours_adds.median),
                        signed(r.peer_adds.median)
                    )
                })
                .collect();
            lines.push(format!(
                "{}: what ours adds over no CORS is at most half what {} adds: {}{}.",
                table.name,
                table.peer,
                mark(over.is_empty()),
                if over.is_empty() {
                    String::new()
                } else {
                    format!(" (not in: {})", over.join("; "))
                }
            ));
            let preflight = table
                .measured()
                .find(|(s, _)| *s == Scenario::AllowedPreflight)
                .map(|(_, r)| r.ours.ns.median);
            if let Some(p) = preflight {
                let worst = table
                    .measured()
                    .filter(|(s, _)| s.is_adversarial())
                    .map(|(_, r)| r.ours.ns.median / p)
                    .fold(0.0, f64::max);
                lines.push(format!(
                    "{}: hostile preflights cost ours at most 20× the allowed preflight: {} \
                     (worst {worst:.1}×).",
                    table.name,
                    mark(worst <= 20.0)
                ));
            }
        }
        if !self.core.is_empty() {
            self.core_verdicts(&mut lines);
        }
        if let Some(e2e) = &self.end_to_end {
            for server in &e2e.servers {
                match (
                    median_load(&server.loads[0], |l| l.requests_per_second),
                    median_load(&server.loads[2], |l| l.requests_per_second),
                ) {
                    (Some(base), Some(ours)) => {
                        let ratio = ours / base;
                        lines.push(format!(
                            "{} end to end: requests per second with ours within 3% of no \
                             CORS: {} ({:.1}% of no CORS).",
                            server.server.name(),
                            mark(ratio >= 0.97),
                            ratio * 100.0
                        ));
                    }
                    _ => lines.push(format!(
                        "{} end to end: not measured (see the end-to-end section).",
                        server.server.name()
                    )),
                }
            }
        }
        lines
    }
}

fn render_table(md: &mut String, table: &Table) {
    let _ = writeln!(md, "## {}: {} vs {}\n", table.name, table.ours, table.peer);
    let _ = writeln!(md, "In-process through {}.\n", table.harness);
    let _ = writeln!(
        md,
        "| scenario | no CORS | {} | {} (ours) | ours/peer | peer adds | ours adds | allocations: none / peer / ours |",
        table.peer, table.ours
    );
    let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|---:|---:|");
    for result in &table.scenarios {
        let Some(rows) = &result.rows else {
            let _ = writeln!(
                md,
                "| {} | | *cannot express it* | | | | | |",
                result.scenario.name()
            );
            continue;
        };
        let (peer_adds, ours_adds) = if result.scenario.is_preflight() {
            ("n/a¹".to_owned(), "n/a¹".to_owned())
        } else {
            (signed(rows.peer_adds.median), signed(rows.ours_adds.median))
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} / {} / {} |",
            result.scenario.name(),
            time_ci(&rows.baseline.ns),
            time_ci(&rows.peer.ns),
            time_ci(&rows.ours.ns),
            ratio_ci(&rows.ratio),
            peer_adds,
            ours_adds,
            allocations(rows.baseline.allocations),
            allocations(rows.peer.allocations),
            allocations(rows.ours.allocations),
        );
    }
    let _ = writeln!(
        md,
        "\n¹ The app without CORS has no `OPTIONS` route: its answer to a preflight \
         ({}) is no baseline, so compare ours with the peer directly.\n",
        table
            .scenarios
            .iter()
            .find_map(|s| s
                .rows
                .as_ref()
                .filter(|_| s.scenario.is_preflight())
                .map(|r| r.baseline.answer.status.to_string()))
            .unwrap_or_else(|| "—".to_owned())
    );
    let notes = peer_notes(table);
    if !notes.is_empty() {
        let _ = writeln!(md, "Where the rows do not do the same work:\n");
        for note in notes {
            let _ = writeln!(md, "- {note}");
        }
        let _ = writeln!(md);
    }
}

/// Differences between the peer's answers and ours, read from the answers themselves.
fn peer_notes(table: &Table) -> Vec<String> {
    let mut notes = Vec::new();
    let measured: Vec<_> = table.measured().collect();
    let no_vary: Vec<&str> = measured
        .iter()
        .filter(|(_, r)| r.peer.answer.get("vary").is_none() && r.ours.answer.get("vary").is_some())
        .map(|(s, _)| s.name())
        .collect();
    if !no_vary.is_empty() {
        notes.push(format!(
            "{} sends no `Vary` where ours does ({}): caches may then serve one origin's \
             answer to another.",
            table.peer,
            no_vary.join("; ")
        ));
    }
    let differs: Vec<String> = measured
        .iter()
        // 200 and 204 both pass a preflight: only a different class of status, or a
        // handler that runs in one row and not the other, is a different answer.
        .filter(|(_, r)| {
            r.peer.answer.status / 100 != r.ours.answer.status / 100
                || r.peer.answer.handler_ran != r.ours.answer.handler_ran
        })
        .map(|(s, r)| {
            format!(
                "{}: {} answers {}{}, ours {}{}",
                s.name(),
                table.peer,
                r.peer.answer.status,
                if r.peer.answer.handler_ran {
                    ""
                } else {
                    " without the handler"
                },
                r.ours.answer.status,
                if r.ours.answer.handler_ran {
                    ""
                } else {
                    " without the handler"
                },
            )
        })
        .collect();
    if !differs.is_empty() {
        notes.push(format!("Different answers — {}.", differs.join("; ")));
    }
    let lenient: Vec<&str> = measured
        .iter()
        .filter(|(s, r)| {
            // Only the hostile lists: a peer that accepts the rejected preflight (a refused
            // origin) is shown under "different answers" above, not blamed on the limits.
            s.is_adversarial()
                && r.ours.answer.status >= 400
                && r.peer.answer.status < 400
                && r.peer.answer.get("access-control-allow-origin").is_some()
        })
        .map(|(s, _)| s.name())
        .collect();
    if !lenient.is_empty() {
        notes.push(format!(
            "{} accepts preflights that ours refuses ({}): ours refuses a requested-header \
             list past fetch-cors's documented limits ({} bytes, {} lines, {} empty elements), \
             whatever the policy.",
            table.peer,
            lenient.join("; "),
            fetch_cors::MAX_REQUEST_HEADERS_BYTES,
            fetch_cors::MAX_REQUEST_HEADERS_LINES,
            fetch_cors::MAX_EMPTY_ELEMENTS,
        ));
    }
    notes.extend(
        STATIC_NOTES
            .iter()
            .filter(|(name, _)| *name == table.peer)
            .map(|(_, n)| (*n).to_owned()),
    );
    notes
}

/// The profiles behind the targets missed, written by hand (instruction counts do not
/// change from run to run, so they are not measured here).
const FINDINGS: &str = include_str!("../../profile-findings.md");

/// What the peers do differently that the answers alone do not show.
const STATIC_NOTES: &[(&str, &str)] = &[
    (
        "tower-http 0.7 CorsLayer",
        "tower-http never validates the requested method or headers: it answers every \
         preflight from an allowed origin with its configured lists (or `*`), and leaves the \
         browser to refuse. Ours checks both, as the Fetch standard's CORS-preflight fetch \
         does on the browser side, and answers 403 when they are not allowed.",
    ),
    (
        "actix-cors 0.7",
        "actix-cors runs with `block_on_origin_mismatch(false)`, so a disallowed origin's \
         actual request reaches the handler as it does with ours; by default actix-cors \
         answers it 400 itself.",
    ),
    (
        "rocket_cors 0.6",
        "rocket_cors reroutes a refused request to its own error route (403, no handler), \
         and parses every requested header name into an owned, case-insensitive string.",
    ),
    (
        "poem 3 `poem::middleware::Cors`",
        "poem's `Cors` answers a disallowed origin's actual request with its own 403 \
         (`CorsError::OriginNotAllowed`) instead of passing it to the handler, and sends no \
         `Vary: Origin` for a listed origin or a request without `Origin`. With nothing listed it allows any origin, \
         method and header, and then echoes the requested header list without checking it.",
    ),
    (
        "salvo-cors 1",
        "salvo-cors (a port of tower-http's layer) never validates the requested method or \
         headers: it answers every preflight with its configured lists (or `*`) and leaves \
         the browser to refuse; it runs the rest of the chain before adding its headers, \
         preflights included. Ours checks both and answers 403 when they are not allowed. \
         Given one origin, salvo-cors sends it in `Access-Control-Allow-Origin` (with \
         `-Allow-Credentials`) on every response, to requests without `Origin` or from \
         another origin too, and answers their preflights 204: the browser, comparing the \
         origins, refuses them.",
    ),
    (
        "warp 0.4 `warp::cors`",
        "`warp::cors` has no origin patterns and cannot allow any header, so those \
         scenarios have no row. It validates the requested headers by parsing each into a \
         `HeaderName`, and stops at the first that is not listed.",
    ),
];

fn median_load(loads: &[Result<Load, String>], f: impl Fn(&Load) -> f64) -> Option<f64> {
    let values: Vec<f64> = loads
        .iter()
        .filter_map(|l| l.as_ref().ok())
        .map(f)
        .filter(|v| v.is_finite())
        .collect();
    summarize(&values).map(|s| s.median)
}

fn render_end_to_end(md: &mut String, e2e: &EndToEnd, options: &Options) {
    let _ = writeln!(md, "## End to end over loopback\n");
    let version = match &e2e.wrk {
        Ok(version) => version,
        Err(error) => {
            let _ = writeln!(md, "Not measured: {error}\n");
            return;
        }
    };
    let shape = options.shape;
    let _ = writeln!(
        md,
        "Each server on 127.0.0.1 with {} worker threads; `{}` with {} threads and {} \
         connections sends `GET /` with `Origin: {}` (allowed) for {} s after a {} s warm-up. \
         {} round(s), the rows in rotating order; medians over rounds. Server and load \
         generator share the machine's cores, so requests per second also fall when `wrk` \
         has more to read (CORS headers make each response about 100 bytes longer); \
         *server CPU per request* is this process's CPU time over the measured run (the \
         report itself only waits for `wrk` meanwhile) divided by the requests answered, \
         and leaves `wrk` out.\n",
        e2e::SERVER_WORKERS,
        version,
        shape.threads,
        shape.connections,
        cors_benches::ALLOWED_ORIGIN,
        shape.duration.as_secs(),
        shape.warm_up.as_secs(),
        options.rounds,
    );
    let _ = writeln!(
        md,
        "| server | row | requests/s | vs no CORS | p99 latency | vs no CORS | server CPU per request | vs no CORS | rounds (req/s) |"
    );
    let _ = writeln!(md, "|---|---|---:|---:|---:|---:|---:|---:|---|");
    for server in &e2e.servers {
        let base_rps = median_load(&server.loads[0], |l| l.requests_per_second);
        let base_p99 = median_load(&server.loads[0], |l| l.p99_us);
        let base_cpu = median_load(&server.loads[0], |l| l.server_cpu_us.unwrap_or(f64::NAN));
        for (i, row) in Row::ALL.iter().enumerate() {
            let loads = &server.loads[i];
            let rps = median_load(loads, |l| l.requests_per_second);
            let p99 = median_load(loads, |l| l.p99_us);
            let cpu = median_load(loads, |l| l.server_cpu_us.unwrap_or(f64::NAN));
            let name = match row {
                Row::Baseline => "no CORS",
                Row::Peer => server.server.peer(),
                Row::Ours => "ours",
            };
            let rounds: Vec<String> = loads
                .iter()
                .map(|l| match l {
                    Ok(l) if l.non_2xx > 0 || l.socket_errors > 0 => format!(
                        "{:.0} ({} non-2xx, {} socket errors)",
                        l.requests_per_second, l.non_2xx, l.socket_errors
                    ),
                    Ok(l) => format!("{:.0}", l.requests_per_second),
                    Err(e) => format!("failed: {}", e.lines().next().unwrap_or("")),
                })
                .collect();
            let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
                (Some(a), Some(b)) if b > 0.0 => format!("{:.1}%", a / b * 100.0),
                _ => "—".to_owned(),
            };
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                server.server.name(),
                name,
                rps.map_or("—".to_owned(), |r| format!("{r:.0}")),
                ratio(rps, base_rps),
                p99.map_or("—".to_owned(), |p| time(p * 1000.0)),
                ratio(p99, base_p99),
                cpu.filter(|c| c.is_finite())
                    .map_or("—".to_owned(), |c| format!("{c:.2} µs")),
                ratio(
                    cpu.filter(|c| c.is_finite()),
                    base_cpu.filter(|c| c.is_finite())
                ),
                rounds.join(", "),
            );
        }
    }
    let _ = writeln!(md);
}

fn render_method(md: &mut String, options: &Options) {
    let _ = writeln!(md, "## How it is measured\n");
    let _ = writeln!(
        md,
        "- **Same requests, same policies.** `benches/src/scenario.rs` defines the nine \
         requests and the policies; `benches/src/frameworks/` builds each framework's three \
         apps from them (a trivial `GET /` handler that adds one header, no `OPTIONS` \
         route) and the criterion benches (`cargo bench -p cors-benches`) run the very same \
         apps. Header values are `'static`, as a server's are slices of its read buffer: \
         cloning one allocates nothing in any row.\n\
         - **Back to back.** Each of the {} samples runs a batch of about {:?} through each \
         of the three apps in turn, the order rotating between samples; requests are built \
         before the clock starts and each response is dropped inside it.\n\
         - **Intervals.** Medians with distribution-free 95% confidence intervals (order \
         statistics); *adds* and *ours/peer* are medians of per-sample differences and \
         ratios, so a burst of noise that slows a whole sample cancels out.\n\
         - **Instructions.** Timings wander on a shared machine; for profiles, \
         `bench-profile FRAMEWORK SCENARIO ROW N` answers N requests through one app and \
         nothing else, for callgrind or perf (see the profiles section).\n\
         - **Allocations** are counted by a global allocator (every `alloc`, `alloc_zeroed` \
         and `realloc`) over a batch of 64 requests minus a batch of 32, divided by 32, so \
         that what a batch costs once cancels out.\n\
         - **Policies.** *One origin*: `{}` with methods PUT, DELETE, headers \
         content-type, x-request-id, x-trace, credentials, max-age 600. *1000 origins*: the \
         same with 999 more origins listed first. *Pattern*: the one origin plus \
         `{}` (a predicate or a regex for peers without patterns). *Any*: any origin, \
         method and header, no credentials (the hostile preflights marked *any header*; \
         the other two run under *one origin*).\n",
        options.samples,
        options.batch,
        cors_benches::ALLOWED_ORIGIN,
        cors_benches::PATTERN,
    );
}

fn render_answers(md: &mut String, table: &Table) {
    let _ = writeln!(md, "### What each row answered: {}\n", table.name);
    let _ = writeln!(md, "| scenario | no CORS | {} | ours |", table.peer);
    let _ = writeln!(md, "|---|---|---|---|");
    for result in &table.scenarios {
        let Some(rows) = &result.rows else {
            continue;
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} |",
            result.scenario.name(),
            describe(&rows.baseline.answer),
            describe(&rows.peer.answer),
            describe(&rows.ours.answer),
        );
    }
    let _ = writeln!(md);
}

/// `200 h; allow-origin allow-credentials; vary: Origin`: the status, `h` when the handler
/// ran, the CORS headers without their `access-control-` prefix, and `Vary`'s value.
fn describe(answer: &Answer) -> String {
    let mut text = answer.status.to_string();
    if answer.handler_ran {
        text.push_str(" h");
    }
    let names: Vec<&str> = answer
        .headers
        .iter()
        .filter_map(|(name, _)| name.strip_prefix("access-control-"))
        .collect();
    if !names.is_empty() {
        text.push_str("; ");
        text.push_str(&names.join(" "));
    }
    for (_, value) in answer.headers.iter().filter(|(name, _)| name == "vary") {
        text.push_str("; vary: ");
        text.push_str(&shorten(value));
    }
    text
}

fn describe_decision(answer: &Answer) -> String {
    let mut text = describe(answer);
    if answer.status == 0 {
        text = format!("to the handler{}", text.trim_start_matches('0'));
    }
    text
}

fn shorten(value: &str) -> String {
    if value.len() > 40 {
        format!("{}…", &value[..40])
    } else {
        value.to_owned()
    }
}
