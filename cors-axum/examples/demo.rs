//! A browser demo of fetch-cors-axum: an API behind a CORS policy, and a page on another origin
//! whose buttons call it with `fetch()`.
//!
//!     cargo run --release -p fetch-cors-axum --example demo [-- --api-port 8080 --page-port 8081]
//!
//! Ports also come from `CORS_DEMO_API_PORT` and `CORS_DEMO_PAGE_PORT` (flags win); a busy
//! port falls back to a free one. Open the page URL it prints; Ctrl-C stops it.
//!
//! Both servers listen on 127.0.0.1 and are addressed as `localhost` on different ports:
//! two origins (the port is part of an origin), but one site, so the API's cookie travels
//! with the page's credentialed requests. (An API on `127.0.0.1` and a page on `localhost`
//! would be two sites, and browsers' third-party cookie blocking would hide the cookie part
//! of the demo.) The same page server, addressed as `http://127.0.0.1:<page port>`, is the
//! third origin, one the policy does not allow; the page embeds it in a frame.
//!
//! Every request the API gets is logged to stderr with the policy's decision and, when it
//! refused one, why; the page shows the same log. (The layer also emits each rejection as a
//! `tracing::debug!` event, for applications that install a subscriber.)

use std::collections::VecDeque;
use std::future::IntoFuture;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use fetch_cors_axum::{Cors, CorsLayer, Rejection};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::watch;

const DEFAULT_API_PORT: u16 = 8080;
const DEFAULT_PAGE_PORT: u16 = 8081;
/// Short, so that the browser asks again (and the log shows a preflight) after a pause.
const MAX_AGE_SECONDS: u64 = 30;
const COOKIE: &str = "demo_session";
const PAGE: &str = include_str!("demo.html");
/// How long open connections may finish after Ctrl-C before the demo exits anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

#[tokio::main]
async fn main() {
    let (api_port, page_port) = match ports() {
        Ok(ports) => ports,
        Err(message) => {
            eprintln!("error: {message}");
            eprintln!(
                "usage: demo [--api-port <n>] [--page-port <n>] \
                 (or CORS_DEMO_API_PORT / CORS_DEMO_PAGE_PORT)"
            );
            std::process::exit(2);
        }
    };
    let api_listener = bind("API", api_port).await;
    let page_listener = bind("page", page_port).await;
    let api_port = port_of(&api_listener);
    let page_port = port_of(&page_listener);

    let api_origin = format!("http://localhost:{api_port}");
    let page_origin = format!("http://localhost:{page_port}");
    let other_origin = format!("http://127.0.0.1:{page_port}");

    let cors = match Cors::builder()
        .allow_origin(page_origin.clone())
        .allow_methods(["PUT", "DELETE"])
        .allow_headers(["content-type", "x-request-id"])
        .expose_headers(["x-api-version"])
        .allow_credentials(true)
        .max_age(MAX_AGE_SECONDS)
        .build()
    {
        Ok(cors) => cors,
        Err(e) => {
            eprintln!("error: the demo's policy is invalid: {e}");
            std::process::exit(1);
        }
    };

    let page = PAGE
        .replace("__API_ORIGIN__", &api_origin)
        .replace("__ALLOWED_ORIGIN__", &page_origin)
        .replace("__OTHER_ORIGIN__", &other_origin);

    println!("API:   {api_origin}   (allows {page_origin}, with credentials)");
    println!("Page:  {page_origin}/   <- open this in a browser");
    println!("Other: {other_origin}/   (the same page from an origin the API refuses)");
    println!("Ctrl-C to stop. The API's decisions are logged to stderr.");

    let (stop, stopped) = watch::channel(());
    let api = tokio::spawn(
        axum::serve(api_listener, api(cors))
            .with_graceful_shutdown(wait(stopped.clone()))
            .into_future(),
    );
    let pages = tokio::spawn(
        axum::serve(page_listener, page_server(page))
            .with_graceful_shutdown(wait(stopped))
            .into_future(),
    );

    shutdown_signal().await;
    eprintln!("shutting down");
    let _ = stop.send(());
    // Browsers keep connections open; give them a moment, then go regardless.
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, async {
        let _ = api.await;
        let _ = pages.await;
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// The API
// ---------------------------------------------------------------------------------------

fn api(cors: Cors) -> Router {
    let log = DecisionLog::default();
    Router::new()
        .route("/api/hello", get(hello))
        .route("/api/items/{id}", put(store_item).delete(delete_item))
        .route("/api/login", post(login))
        .route("/api/me", get(me))
        .route("/api/log", get(show_log))
        // Innermost: hand a refused request's reason (a request extension, for handlers) on
        // to the response, where the logger outside the CORS layer can see it.
        .layer(middleware::from_fn(rejection_to_response))
        .layer(CorsLayer::new(cors))
        .layer(middleware::from_fn_with_state(log.clone(), record))
        .with_state(log)
}

async fn hello() -> impl IntoResponse {
    (
        [("x-api-version", "1"), ("x-internal", "not for scripts")],
        Json(json!({ "message": "hello from the API" })),
    )
}

async fn store_item(
    Path(id): Path<u32>,
    headers: HeaderMap,
    Json(item): Json<Value>,
) -> Json<Value> {
    let request_id = headers.get("x-request-id").and_then(|v| v.to_str().ok());
    Json(json!({ "id": id, "stored": item, "request_id": request_id }))
}

async fn delete_item(Path(id): Path<u32>) -> Json<Value> {
    Json(json!({ "deleted": id }))
}

async fn login() -> impl IntoResponse {
    // SameSite=Lax is enough: the page and the API are one site (see the module docs).
    let cookie = format!("{COOKIE}=ada; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600");
    (
        [(header::SET_COOKIE, cookie)],
        Json(json!({ "logged_in_as": "ada", "note": "the API set a cookie" })),
    )
}

async fn me(headers: HeaderMap) -> Json<Value> {
    let user = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(COOKIE)?.strip_prefix('='))
        .map(str::to_owned);
    Json(match user {
        Some(user) => json!({ "user": user, "cookie": "sent" }),
        None => json!({ "user": null, "cookie": "not sent" }),
    })
}

async fn show_log(State(log): State<DecisionLog>) -> Json<Value> {
    let entries = match log.0.lock() {
        Ok(log) => log.entries.iter().cloned().collect(),
        Err(_) => Vec::new(),
    };
    Json(Value::Array(entries))
}

async fn rejection_to_response(req: Request, next: Next) -> Response {
    let rejection = req.extensions().get::<Rejection<'static>>().cloned();
    let mut response = next.run(req).await;
    if let Some(rejection) = rejection {
        response.extensions_mut().insert(rejection);
    }
    response
}

/// The last requests the API answered, for the page to show.
#[derive(Clone, Default)]
struct DecisionLog(Arc<Mutex<Entries>>);

#[derive(Default)]
struct Entries {
    last_seq: u64,
    entries: VecDeque<Value>,
}

const LOG_LENGTH: usize = 30;

/// Logs each request with what the CORS layer made of it, read from the response.
async fn record(State(log): State<DecisionLog>, req: Request, next: Next) -> Response {
    // The page polls the log; logging those polls would bury everything else.
    if req.uri().path() == "/api/log" {
        return next.run(req).await;
    }
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    // In a block: a borrow of the request (whose body is not `Sync`) must not be held
    // across the `await` below.
    let [origin, requested_method, requested_headers] = {
        let headers = req.headers();
        [
            "origin",
            "access-control-request-method",
            "access-control-request-headers",
        ]
        .map(|name| {
            headers
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        })
    };

    let response = next.run(req).await;

    let status = response.status();
    let allowed_origin = response.headers().get("access-control-allow-origin");
    let decision = match (
        response.extensions().get::<Rejection<'static>>(),
        allowed_origin,
    ) {
        (Some(rejection), _) => format!("refused: {rejection}"),
        (None, Some(value)) => format!(
            "allowed: access-control-allow-origin: {}",
            String::from_utf8_lossy(value.as_bytes())
        ),
        (None, None) if origin.is_none() => "no Origin: not a CORS request".to_owned(),
        (None, None) => "no CORS headers".to_owned(),
    };
    let mut request = format!("{method} {path}");
    if let Some(m) = &requested_method {
        request.push_str(&format!(" (preflight for {m}"));
        if let Some(h) = &requested_headers {
            request.push_str(&format!(" with {h}"));
        }
        request.push(')');
    }
    eprintln!(
        "{request} from {} -> {}: {decision}",
        origin.as_deref().unwrap_or("(no origin)"),
        status.as_u16()
    );

    if let Ok(mut log) = log.0.lock() {
        log.last_seq += 1;
        let seq = log.last_seq;
        if log.entries.len() == LOG_LENGTH {
            log.entries.pop_front();
        }
        log.entries.push_back(json!({
            "seq": seq,
            "method": method.as_str(),
            "path": if requested_method.is_some() { format!("{path} (preflight)") } else { path },
            "origin": origin,
            "status": status.as_u16(),
            "decision": decision,
        }));
    }
    response
}

// ---------------------------------------------------------------------------------------
// The page server, and plumbing
// ---------------------------------------------------------------------------------------

fn page_server(page: String) -> Router {
    let page = Arc::new(page);
    Router::new()
        .route(
            "/",
            get(move || {
                let page = Arc::clone(&page);
                async move {
                    (
                        [(header::CACHE_CONTROL, "no-store")],
                        Html(page.to_string()),
                    )
                }
            }),
        )
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
}

/// The ports asked for: flags, then environment, then the defaults.
fn ports() -> Result<(u16, u16), String> {
    let from_env = |name: &str, default: u16| match std::env::var(name) {
        Ok(text) => parse_port(name, &text),
        Err(_) => Ok(default),
    };
    let mut api = from_env("CORS_DEMO_API_PORT", DEFAULT_API_PORT)?;
    let mut page = from_env("CORS_DEMO_PAGE_PORT", DEFAULT_PAGE_PORT)?;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
            None => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{name} needs a value"))
        };
        match name.as_str() {
            "--api-port" => api = parse_port(&name, &value()?)?,
            "--page-port" => page = parse_port(&name, &value()?)?,
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    Ok((api, page))
}

fn parse_port(name: &str, text: &str) -> Result<u16, String> {
    text.parse()
        .map_err(|_| format!("{name} {text:?} is not a port number (0..=65535)"))
}

/// Binds 127.0.0.1:`port`, or any free port if that one is taken.
async fn bind(what: &str, port: u16) -> TcpListener {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    match TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("the {what} port {port} is not available ({e}); taking a free one");
            match TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await {
                Ok(listener) => listener,
                Err(e) => {
                    eprintln!("error: cannot listen on 127.0.0.1: {e}");
                    std::process::exit(1);
                }
            }
        }
    }
}

fn port_of(listener: &TcpListener) -> u16 {
    listener.local_addr().map(|a| a.port()).unwrap_or_default()
}

async fn wait(mut stopped: watch::Receiver<()>) {
    // An error means the sender is gone, which is a stop too.
    let _ = stopped.changed().await;
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
