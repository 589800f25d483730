//! A conformance server process: `conformance-<fw> --config <policy.json> --port 0`,
//! ready once it prints `listening on http://127.0.0.1:<port>`, killed when dropped. The
//! conformance runner's own, shared.

pub use cors_conformance::runner::Server as ConformanceServer;
