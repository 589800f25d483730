//! Which part of a CORS layer costs requests per second end to end, on axum: the same
//! server without CORS, with a handler that writes the same three CORS headers itself (a
//! longer response, no layer), with a layer that does nothing, with fetch-cors-axum, and with
//! tower-http.
//!
//! ```sh
//! cargo run --release -p cors-benches --example e2e-probe
//! ```

use std::time::Duration;

use axum::routing::get;
use axum::Router;
use cors_benches::e2e::{self, LoadShape};
use cors_benches::frameworks::axum::app;
use cors_benches::{Policy, Row, ALLOWED_ORIGIN};

fn main() {
    let wrk = e2e::ensure_wrk().expect("wrk");
    let shape = LoadShape {
        duration: Duration::from_secs(4),
        ..LoadShape::default()
    };
    let kinds = [
        "no CORS",
        "headers only",
        "Identity layer",
        "fetch-cors-axum",
        "tower-http",
    ];
    for round in 0..2 {
        for kind in kinds {
            let server = match kind {
                "no CORS" => app(Row::Baseline, None),
                "headers only" => Router::new()
                    .route(
                        "/",
                        get(|| async {
                            (
                                [
                                    ("x-handler", "1"),
                                    ("access-control-allow-origin", ALLOWED_ORIGIN),
                                    ("access-control-allow-credentials", "true"),
                                    ("vary", "Origin"),
                                ],
                                "ok",
                            )
                        }),
                    )
                    .with_state(()),
                "Identity layer" => Router::new()
                    .route("/", get(|| async { ([("x-handler", "1")], "ok") }))
                    .layer(tower::layer::util::Identity::new())
                    .with_state(()),
                "fetch-cors-axum" => app(Row::Ours, Some(Policy::One)),
                _ => app(Row::Peer, Some(Policy::One)),
            };
            let running = e2e::start_axum(server).expect("a server");
            let load = e2e::load(&wrk, running.addr, shape);
            running.stop();
            match load {
                Ok(load) => println!(
                    "round {round}  {kind:<15} {:>8.0} req/s  p99 {:>6.0} µs  server CPU {:.2} µs/request",
                    load.requests_per_second,
                    load.p99_us,
                    load.server_cpu_us.unwrap_or(f64::NAN)
                ),
                Err(error) => println!("round {round}  {kind:<15} {error}"),
            }
        }
    }
}
