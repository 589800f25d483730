//! `fetch-cors`: why a browser allows or refuses a cross-origin fetch. See the crate's
//! README for usage.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use fetch_cors::Cors;
use fetch_cors_cli::browser::Credentials;
use fetch_cors_cli::{check, explain, policy, request};

/// Exit status when the browser allows the fetch.
const ALLOWED: u8 = 0;
/// Exit status when the browser refuses it.
const REFUSED: u8 = 1;
/// Exit status for a usage or configuration error, or a server that cannot be reached.
const ERROR: u8 = 2;

#[derive(Parser)]
#[command(
    name = "fetch-cors",
    version,
    about = "Why does the browser allow or refuse a cross-origin fetch? Exit status: 0 allowed, \
             1 refused, 2 usage or configuration error (or, for check, a server that cannot be \
             reached)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// A fetch as a page makes it.
#[derive(clap::Args)]
struct FetchArgs {
    /// The page's origin, as the browser sends it: `https://app.example`,
    /// `http://localhost:3000`, or `null`.
    #[arg(long)]
    origin: String,
    /// The method the script uses (`put` is sent as `PUT`, as browsers do).
    #[arg(long, default_value = "GET")]
    method: String,
    /// A header the script sets: `name: value`, or `name` alone for one whose value does not
    /// matter to CORS. Repeat for more.
    #[arg(long = "header", short = 'H', value_name = "NAME[: VALUE]")]
    headers: Vec<String>,
    /// The fetch's credentials mode (`fetch(url, { credentials })`).
    #[arg(long, value_enum, default_value_t = CredentialsArg::SameOrigin)]
    credentials: CredentialsArg,
}

#[derive(Clone, Copy, ValueEnum)]
enum CredentialsArg {
    Include,
    SameOrigin,
    Omit,
}

impl From<CredentialsArg> for Credentials {
    fn from(c: CredentialsArg) -> Credentials {
        match c {
            CredentialsArg::Include => Credentials::Include,
            CredentialsArg::SameOrigin => Credentials::SameOrigin,
            CredentialsArg::Omit => Credentials::Omit,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Put a fetch to a policy file (JSON or TOML): the preflight and actual request a browser
    /// sends, the headers the policy answers, the browser's verdict, and for a refusal the
    /// smallest change to the file that allows it.
    Explain {
        /// The policy file: `.json` or `.toml`, in fetch-cors's `Config` schema.
        policy: PathBuf,
        #[command(flatten)]
        fetch: FetchArgs,
    },
    /// Send a live server the requests a browser sends for a fetch, and say what the browser
    /// does with the answers and why.
    Check {
        /// The URL fetched.
        url: String,
        #[command(flatten)]
        fetch: FetchArgs,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (Command::Explain { fetch, .. } | Command::Check { fetch, .. }) = &cli.command;
    let described = match request::describe(
        &fetch.origin,
        &fetch.method,
        &fetch.headers,
        fetch.credentials.into(),
    ) {
        Ok(described) => described,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(ERROR);
        }
    };
    let outcome = match &cli.command {
        Command::Explain { policy: path, .. } => {
            let (config, format) = match policy::load(path) {
                Ok(loaded) => loaded,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(ERROR);
                }
            };
            let cors = match Cors::try_from(config.clone()) {
                Ok(cors) => cors,
                Err(e) => {
                    eprintln!("error: {} is not a valid policy:", path.display());
                    for line in e.to_string().lines() {
                        eprintln!("  {line}");
                    }
                    return ExitCode::from(ERROR);
                }
            };
            let source = path.display().to_string();
            Ok(explain::explain(
                &config, format, &cors, &described, &source,
            ))
        }
        Command::Check { url, .. } => check::check(url, &described),
    };
    match outcome {
        Ok((text, allowed)) => {
            print!("{text}");
            ExitCode::from(if allowed { ALLOWED } else { REFUSED })
        }
        Err(e) => {
            eprintln!("error: cannot check: {e}");
            ExitCode::from(ERROR)
        }
    }
}
