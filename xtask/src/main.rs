//! Project automation, run as `cargo xtask <task>`.
//!
//! - `test [ARGS]`: installs what the tests need when missing (Chromium, Firefox ESR
//!   and WebKitGTK with their WebDriver servers and Xvfb, from Debian's packages;
//!   geckodriver with `cargo install`), then runs `cargo test --workspace [ARGS]`.
//! - `conformance [--adapter NAME] [--no-build]`: builds the example servers in
//!   release mode and runs the conformance suite against each.
//! - `soak [--adapter NAME] [--requests N] [--no-build]`: the soak of `cors-soak` against
//!   each release server, then its reconfiguration soak (1,000 policy swaps under load).
//! - `bench [ARGS]`: runs `cors-benches`' `bench-report`, which writes `BENCHMARKS.md`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use cors_conformance::{binary_name, Report, ADAPTERS};

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  test [ARGS]
      install what the tests need (chromium, chromium-driver, firefox-esr,
      webkit2gtk-driver, xvfb; geckodriver with cargo install), then run
      `cargo test --workspace [ARGS]`
  conformance [--adapter NAME] [--no-build]
      build the example servers (release) and run the conformance suite
      against each, or only against NAME (actix, axum, rocket, warp, poem,
      salvo)
  soak [--adapter NAME] [--requests N] [--no-build]
      a million mixed, rejected and malformed requests over 64 connections
      against each release server: answers checked, memory watched; then
      1,000 policy swaps (SIGHUP) under 64 connections of mixed traffic, every
      answer exactly one policy's
  bench [ARGS]
      every adapter against its framework's usual CORS middleware, in one
      run; writes BENCHMARKS.md (ARGS go to cors-benches' bench-report)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((task, rest)) = args.split_first() else {
        return usage_error("no task given");
    };
    match task.as_str() {
        "test" => test(rest),
        "conformance" => conformance(rest),
        "soak" => soak(rest),
        "bench" => bench(rest),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        other => usage_error(&format!("unknown task `{other}`")),
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}\n\n{USAGE}");
    ExitCode::from(2)
}

/// What the browser tests drive, engine by engine (as `cors-browser`'s `engine.rs`
/// finds them): the executable Debian's package puts in /usr/bin, and the package.
/// WebKitWebDriver starts WebKitGTK's MiniBrowser, which comes with the library the
/// driver's package depends on; Xvfb is the display WebKitGTK draws on.
const BROWSER_PACKAGES: [(&str, &str); 5] = [
    ("/usr/bin/chromium", "chromium"),
    ("/usr/bin/chromedriver", "chromium-driver"),
    ("/usr/bin/firefox-esr", "firefox-esr"),
    ("/usr/bin/WebKitWebDriver", "webkit2gtk-driver"),
    ("/usr/bin/Xvfb", "xvfb"),
];

/// Firefox's WebDriver server, which Debian does not package: `cargo install` builds
/// it from crates.io into cargo's `bin`.
const GECKODRIVER: &str = "geckodriver";

/// `cargo xtask test [ARGS]`: the README's test command.
fn test(args: &[String]) -> ExitCode {
    if let Err(message) = ensure_browser() {
        eprintln!("error: {message}");
        return ExitCode::FAILURE;
    }
    run_cargo(&["test", "--workspace"], args)
}

/// Installs what the browser tests need and is missing: the Debian packages with
/// apt-get (as root), geckodriver with `cargo install`.
fn ensure_browser() -> Result<(), String> {
    let missing: Vec<&str> = BROWSER_PACKAGES
        .iter()
        .filter(|(binary, _)| !Path::new(binary).is_file())
        .map(|(_, package)| *package)
        .collect();
    let geckodriver_missing = geckodriver().is_none();
    if missing.is_empty() && !geckodriver_missing {
        return Ok(());
    }
    let packages = missing.join(" ");
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !missing.is_empty() && !is_root {
        return Err(format!(
            "the browser tests run Chromium, Firefox and WebKit, and these are missing: run `{}`, then this command again",
            install_commands(&missing, geckodriver_missing).join("` and `")
        ));
    }
    if !missing.is_empty() {
        eprintln!("installing {packages} (the browser tests drive them)");
        let apt = |args: &[&str]| {
            Command::new("apt-get")
                .args(args)
                .env("DEBIAN_FRONTEND", "noninteractive")
                .status()
                .map_err(|e| format!("cannot run apt-get: {e}"))
                .and_then(|s| {
                    s.success()
                        .then_some(())
                        .ok_or_else(|| format!("`apt-get {}` failed ({s})", args.join(" ")))
                })
        };
        apt(&["update", "-qq"])?;
        let mut install = vec!["install", "-y", "-qq", "--no-install-recommends"];
        install.extend(&missing);
        apt(&install)?;
        if let Some((binary, _)) = BROWSER_PACKAGES
            .iter()
            .find(|(binary, _)| !Path::new(binary).is_file())
        {
            return Err(format!(
                "{binary} is still missing after installing {packages}"
            ));
        }
    }
    if geckodriver_missing {
        // Needs no root: cargo installs into the user's own cargo `bin`.
        eprintln!("installing geckodriver with `cargo install geckodriver --locked` (Firefox's WebDriver server)");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["install", GECKODRIVER, "--locked"])
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !status.success() {
            return Err(format!(
                "`cargo install geckodriver --locked` failed ({status})"
            ));
        }
        if geckodriver().is_none() {
            return Err(
                "geckodriver is still missing from PATH and ~/.cargo/bin after `cargo install`"
                    .to_owned(),
            );
        }
    }
    Ok(())
}

/// The commands that install the `missing` packages and, if `geckodriver_missing`,
/// geckodriver: what a user who is not root is told to run.
fn install_commands(missing: &[&str], geckodriver_missing: bool) -> Vec<String> {
    let mut commands = Vec::new();
    if !missing.is_empty() {
        commands.push(format!(
            "sudo apt-get update && sudo apt-get install -y --no-install-recommends {}",
            missing.join(" ")
        ));
    }
    if geckodriver_missing {
        commands.push("cargo install geckodriver --locked".to_owned());
    }
    commands
}

/// geckodriver on `PATH` or in cargo's `bin` (`$CARGO_HOME/bin`, else `~/.cargo/bin`),
/// where the browser tests look for it too.
fn geckodriver() -> Option<PathBuf> {
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
        .map(|dir| dir.join("bin"));
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(cargo_bin)
        .map(|dir| dir.join(GECKODRIVER))
        .find(|file| file.is_file())
}

/// `cargo xtask bench [ARGS]`: the benchmark report, `BENCHMARKS.md`.
fn bench(args: &[String]) -> ExitCode {
    run_cargo(
        &[
            "run",
            "--release",
            "-p",
            "cors-benches",
            "--bin",
            "bench-report",
            "--",
        ],
        args,
    )
}

/// Runs cargo in the workspace root with `fixed` then `extra` arguments; its verdict.
fn run_cargo(fixed: &[&str], extra: &[String]) -> ExitCode {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(fixed)
        .args(extra)
        .current_dir(workspace_root())
        .status();
    match status {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: cannot run cargo: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The options `conformance` and `soak` share.
struct RunOptions {
    adapters: Vec<&'static str>,
    build: bool,
    requests: Option<u64>,
}

/// Parses `[--adapter NAME] [--no-build]`, and `[--requests N]` where `requests` is true.
fn run_options(args: &[String], requests: bool) -> Result<RunOptions, ExitCode> {
    let mut options = RunOptions {
        adapters: ADAPTERS.to_vec(),
        build: true,
        requests: None,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--no-build" => options.build = false,
            "--adapter" => {
                let Some(name) = args.next() else {
                    return Err(usage_error("--adapter needs a name"));
                };
                let Some(&known) = ADAPTERS.iter().find(|a| **a == name.as_str()) else {
                    let known = ADAPTERS.join(", ");
                    return Err(usage_error(&format!(
                        "unknown adapter `{name}` (one of: {known})"
                    )));
                };
                options.adapters = vec![known];
            }
            "--requests" if requests => {
                let Some(n) = args.next().and_then(|n| n.parse().ok()) else {
                    return Err(usage_error("--requests needs a whole number"));
                };
                options.requests = Some(n);
            }
            other => return Err(usage_error(&format!("unexpected argument `{other}`"))),
        }
    }
    Ok(options)
}

/// Builds every example server in release mode; the directory they are in.
fn release_examples(build: bool) -> Result<PathBuf, ExitCode> {
    let root = workspace_root();
    if build {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--release", "--examples", "--workspace"])
            .current_dir(&root)
            .status();
        match status {
            Ok(status) if status.success() => {}
            Ok(status) => {
                eprintln!(
                    "error: `cargo build --release --examples --workspace` failed ({status})"
                );
                return Err(ExitCode::FAILURE);
            }
            Err(error) => {
                eprintln!("error: cannot run cargo: {error}");
                return Err(ExitCode::FAILURE);
            }
        }
    }
    Ok(target_dir(&root).join("release").join("examples"))
}

/// `cargo xtask conformance [--adapter NAME] [--no-build]`.
fn conformance(args: &[String]) -> ExitCode {
    let options = match run_options(args, false) {
        Ok(options) => options,
        Err(code) => return code,
    };
    let examples = match release_examples(options.build) {
        Ok(dir) => dir,
        Err(code) => return code,
    };
    let reports: Vec<Report> = options
        .adapters
        .iter()
        .map(|adapter| {
            let binary = examples.join(binary_name(adapter));
            eprintln!("running the suite against {}", binary.display());
            cors_conformance::run(&binary, adapter)
        })
        .collect();

    print_summary(&reports);
    if reports.iter().all(Report::is_success) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `cargo xtask soak [--adapter NAME] [--requests N] [--no-build]`: a million mixed,
/// rejected and malformed requests (by default) against each release server.
fn soak(args: &[String]) -> ExitCode {
    let options = match run_options(args, true) {
        Ok(options) => options,
        Err(code) => return code,
    };
    let examples = match release_examples(options.build) {
        Ok(dir) => dir,
        Err(code) => return code,
    };
    let reports: Vec<cors_soak::Report> = options
        .adapters
        .iter()
        .map(|adapter| {
            let binary = examples.join(binary_name(adapter));
            let mut config = cors_soak::Config::new(&binary, adapter);
            if let Some(n) = options.requests {
                config = config.with_requests(n);
            }
            eprintln!(
                "soaking {} with {} requests",
                binary.display(),
                config.requests
            );
            let report = cors_soak::run(&config);
            println!("{report}");
            report
        })
        .collect();
    println!("{}", cors_soak::markdown_table(&reports));
    println!("{}", cors_soak::outcomes_table(&reports));
    let reconfigured: Vec<cors_soak::reconfigure::ReconfigureReport> = options
        .adapters
        .iter()
        .map(|adapter| {
            let binary = examples.join(binary_name(adapter));
            let config = cors_soak::reconfigure::ReconfigureConfig::new(&binary, adapter);
            eprintln!("reconfiguring {} {} times", binary.display(), config.swaps);
            let report = cors_soak::reconfigure::run(&config);
            println!("{report}");
            report
        })
        .collect();
    if reports.iter().all(cors_soak::Report::is_success)
        && reconfigured.iter().all(|r| r.is_success())
    {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Prints every failure and known deviation in detail, then the adapter × passed × failed
/// table.
fn print_summary(reports: &[Report]) {
    for report in reports
        .iter()
        .filter(|r| !r.is_success() || !r.known.is_empty())
    {
        println!("{report}");
    }
    println!(
        "{:<10} {:>7} {:>7} {:>7}",
        "adapter", "passed", "failed", "known"
    );
    for report in reports {
        println!(
            "{:<10} {:>7} {:>7} {:>7}",
            report.adapter,
            report.passed.len(),
            report.failed.len(),
            report.known.len()
        );
        for failure in &report.failed {
            println!("{:<10}   failed: {}", "", failure.name);
        }
        for known in &report.known {
            println!("{:<10}   known deviation: {}", "", known.name);
        }
    }
    let passed: usize = reports.iter().map(|r| r.passed.len()).sum();
    let failed: usize = reports.iter().map(|r| r.failed.len()).sum();
    // The plain closing line CI reads.
    println!("conformance: {passed} passed, {failed} failed");
}

/// The workspace root: the parent of this crate's directory.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_owned()
}

/// Where cargo puts build output: `CARGO_TARGET_DIR` if set, else `<root>/target`.
fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_who_is_not_root_is_told_what_to_install() {
        assert_eq!(
            install_commands(&["firefox-esr", "xvfb"], true),
            [
                "sudo apt-get update && sudo apt-get install -y --no-install-recommends firefox-esr xvfb",
                "cargo install geckodriver --locked",
            ]
        );
        assert_eq!(
            install_commands(&["chromium"], false),
            ["sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium"]
        );
        // Every engine's executables are looked for, each with its package.
        let packages: Vec<&str> = BROWSER_PACKAGES.iter().map(|(_, p)| *p).collect();
        assert_eq!(
            packages,
            [
                "chromium",
                "chromium-driver",
                "firefox-esr",
                "webkit2gtk-driver",
                "xvfb"
            ]
        );
    }
}
