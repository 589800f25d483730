//! Shows what a policy decides for a handful of requests.
//!
//!     cargo run -p fetch-cors --example decide [-- path/to/policy.json]
//!
//! Without an argument it uses `examples/policy.json` beside this file.

use std::process::ExitCode;

use fetch_cors::{Config, Cors, CorsRequest, Decision};

/// A request: what it is, its method and its header lines.
struct Request {
    what: &'static str,
    method: &'static str,
    headers: &'static [(&'static str, &'static str)],
}

const REQUESTS: &[Request] = &[
    Request {
        what: "same-origin or server-to-server GET (no Origin)",
        method: "GET",
        headers: &[],
    },
    Request {
        what: "GET from the app",
        method: "GET",
        headers: &[("Origin", "https://app.example.com")],
    },
    Request {
        what: "GET from a preview deployment (pattern)",
        method: "GET",
        headers: &[("Origin", "https://pr-7.preview.example.com")],
    },
    Request {
        what: "GET from a look-alike domain",
        method: "GET",
        headers: &[("Origin", "https://app.example.com.evil.test")],
    },
    Request {
        what: "preflight for PUT with JSON and a token",
        method: "OPTIONS",
        headers: &[
            ("Origin", "https://app.example.com"),
            ("Access-Control-Request-Method", "PUT"),
            (
                "Access-Control-Request-Headers",
                "authorization,content-type",
            ),
        ],
    },
    Request {
        what: "preflight for lower-case `patch`",
        method: "OPTIONS",
        headers: &[
            ("Origin", "https://app.example.com"),
            ("Access-Control-Request-Method", "patch"),
        ],
    },
    Request {
        what: "preflight asking for an unlisted header",
        method: "OPTIONS",
        headers: &[
            ("Origin", "http://localhost:3000"),
            ("Access-Control-Request-Method", "DELETE"),
            ("Access-Control-Request-Headers", "x-request-id, x-debug"),
        ],
    },
    Request {
        what: "preflight from an unknown origin",
        method: "OPTIONS",
        headers: &[
            ("Origin", "https://evil.test"),
            ("Access-Control-Request-Method", "DELETE"),
        ],
    },
    Request {
        what: "GET with two Origin headers",
        method: "GET",
        headers: &[
            ("Origin", "https://app.example.com"),
            ("Origin", "https://evil.test"),
        ],
    },
];

fn main() -> ExitCode {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/examples/policy.json").to_owned());
    let cors = match load(&path) {
        Ok(cors) => cors,
        Err(message) => {
            eprintln!("error: {path}: {message}");
            return ExitCode::from(2);
        }
    };
    println!("policy: {path}\n");
    for r in REQUESTS {
        let mut req = CorsRequest::new(r.method.as_bytes());
        println!("── {}", r.what);
        println!("   {} /", r.method);
        for (name, value) in r.headers {
            println!("   {name}: {value}");
            req.add_header(name.as_bytes(), value.as_bytes());
        }
        let decision = cors.decide(&req);
        let verdict = match &decision {
            Decision::NotCors(_) => "not a CORS request: go on to the handler".to_owned(),
            Decision::Actual {
                rejection: None, ..
            } => "allowed: go on to the handler".to_owned(),
            Decision::Actual { .. } => {
                "origin refused: go on to the handler, the browser withholds the answer".to_owned()
            }
            Decision::PreflightAccepted { status, .. } => {
                format!("preflight accepted: answer {status} now")
            }
            Decision::PreflightPassthrough(_) => {
                "preflight accepted: go on to the handler".to_owned()
            }
            Decision::PreflightRejected { status, .. } => {
                format!("preflight rejected: answer {status} now")
            }
        };
        println!("=> {verdict}");
        for (name, value) in decision.headers().iter() {
            println!("   {name}: {}", value.as_bytes().escape_ascii());
        }
        if let Some(rejection) = decision.rejection() {
            println!("   why: {rejection}");
        }
        println!();
    }
    ExitCode::SUCCESS
}

fn load(path: &str) -> Result<Cors, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let config: Config = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    Cors::try_from(config).map_err(|e| e.one_line())
}
