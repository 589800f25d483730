//! `fetch-cors check`: the requests a browser sends for a fetch, sent to a live server, and
//! what the browser does with the answers, in words, judged by [`crate::browser`].

use std::fmt::Write as _;
use std::time::Duration;

use crate::browser::cache::PreflightCache;
use crate::browser::cors_check::{cors_check, CorsCheckFailure};
use crate::browser::preflight::{self, PreflightFailure, CHROMIUM_MAX_AGE_LIMIT};
use crate::browser::{Fetch, HeaderList, Response};
use crate::request::preflight_reasons;

/// How long one request may take, connecting included.
pub const TIMEOUT: Duration = Duration::from_secs(15);

/// Sends one request: the method, the URL and the header lines, byte for byte (names are sent
/// lower-case, which HTTP treats as the same name). Redirects are not followed: the browser
/// makes its CORS check on each response, the redirect included.
pub fn send(url: &str, method: &str, headers: &HeaderList) -> Result<Response, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .allow_non_standard_methods(true)
        .timeout_global(Some(TIMEOUT))
        .user_agent(concat!("fetch-cors-cli/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut request = ureq::http::Request::builder().method(method).uri(url);
    for (name, value) in headers.iter() {
        request = request.header(name, value);
    }
    let request = request
        .body(())
        .map_err(|e| format!("cannot make the request {method} {url}: {e}"))?;
    let response = agent
        .run(request)
        .map_err(|e| format!("{method} {url}: {e}"))?;
    let mut lines = HeaderList::default();
    for (name, value) in response.headers() {
        lines.append(name.as_str(), value.as_bytes());
    }
    Ok(Response::new(response.status().as_u16(), lines))
}

fn write_sent(out: &mut String, method: &str, url: &str, headers: &HeaderList) {
    let _ = writeln!(out, "  > {method} {url}");
    for (name, value) in headers.iter() {
        let _ = writeln!(out, "  > {name}: {}", value.escape_ascii());
    }
}

fn write_received(out: &mut String, response: &Response) {
    let _ = writeln!(out, "  < {}", response.status);
    for (name, value) in response.headers.iter() {
        let _ = writeln!(out, "  < {name}: {}", value.escape_ascii());
    }
}

/// Whether `Vary` names `Origin` (or is `*`).
fn varies_on_origin(headers: &HeaderList) -> bool {
    headers.values("vary").any(|v| {
        v.split(|&b| b == b',')
            .map(|t| t.trim_ascii())
            .any(|t| t.eq_ignore_ascii_case(b"origin") || t == b"*")
    })
}

/// The warning for an answer whose `Access-Control-Allow-Origin` echoes the origin without
/// `Vary: Origin`, if that is the case.
fn vary_warning(fetch: &Fetch, response: &Response, which: &str) -> Option<String> {
    let acao = response.headers.get("access-control-allow-origin")?;
    (acao == fetch.origin.as_bytes() && !varies_on_origin(&response.headers)).then(|| {
        format!(
            "{which} names the origin in Access-Control-Allow-Origin but has no `Vary: Origin`: \
             a shared cache (a CDN, a proxy) may hand this answer to a page on another origin, \
             whose browser then refuses it, or hand another origin's answer to this page \
             (https://fetch.spec.whatwg.org/#cors-protocol-and-http-caches)"
        )
    })
}

/// Why a preflight got the status it did, when that helps.
fn preflight_hint(response: &Response, failure: &PreflightFailure) -> Option<String> {
    let no_acao = matches!(
        failure,
        PreflightFailure::CorsCheck(CorsCheckFailure::NoAllowOrigin)
    );
    match response.status {
        200..=299 if no_acao => Some(format!(
            "The preflight got {} but no Access-Control-Allow-Origin: something other than the \
             CORS layer answered it (a route, a framework's own OPTIONS handling), or the CORS \
             layer refused the origin without saying so.",
            response.status
        )),
        403 if no_acao => Some(
            "Status 403 without CORS headers is how a CORS layer refuses a preflight: its \
             origin, its method or one of its requested headers is not allowed by the server's \
             policy."
                .to_owned(),
        ),
        404 | 405 => Some(format!(
            "Status {}: the server has no OPTIONS route here, so the CORS layer does not answer \
             preflights before routing.",
            response.status
        )),
        _ => None,
    }
}

/// Sends `fetch` to `url` as a browser would, and says what the browser makes of it. The
/// text, and whether the browser lets the page read the response. `Err` when the server
/// could not be reached at all.
pub fn check(url: &str, fetch: &Fetch) -> Result<(String, bool), String> {
    check_with(url, fetch, send)
}

/// [`check`] with another way to send a request (for tests, or another client).
pub fn check_with(
    url: &str,
    fetch: &Fetch,
    mut send: impl FnMut(&str, &str, &HeaderList) -> Result<Response, String>,
) -> Result<(String, bool), String> {
    let fetch = fetch.clone().with_url(url);
    let mut out = String::new();
    let mut warnings: Vec<String> = Vec::new();
    let _ = writeln!(
        out,
        "A page on {} fetches {url} with method {} (credentials: {}).",
        fetch.origin, fetch.method, fetch.credentials
    );
    if fetch.credentials.is_include() {
        let _ = writeln!(
            out,
            "(check sends no cookies itself; the server's answer is judged as for a request \
             with credentials.)"
        );
    }
    out.push('\n');

    let mut cache = PreflightCache::default();
    if preflight::is_needed(&fetch, &cache) {
        let _ = writeln!(out, "Preflight: the browser sends one first, because");
        for reason in preflight_reasons(&fetch) {
            let _ = writeln!(out, "  - {reason}");
        }
        out.push('\n');
        let headers = preflight::request_headers(&fetch);
        write_sent(&mut out, "OPTIONS", url, &headers);
        let response = send(url, "OPTIONS", &headers)?;
        write_received(&mut out, &response);
        match preflight::check(&fetch, &response) {
            Ok(allowed) => {
                let seconds = allowed.max_age_seconds();
                let _ = writeln!(out, "\n  The browser: the preflight passes.");
                let _ = match allowed.max_age {
                    None => writeln!(
                        out,
                        "  Max-age: no valid Access-Control-Max-Age, so the browser keeps this \
                         answer {seconds} s (Fetch, CORS-preflight fetch, step 7.9) and \
                         preflights again after that."
                    ),
                    Some(0) => writeln!(
                        out,
                        "  Max-age: 0, so the browser preflights every such fetch."
                    ),
                    Some(s) => writeln!(
                        out,
                        "  Max-age: the browser keeps this answer {s} s{}.",
                        if s > CHROMIUM_MAX_AGE_LIMIT {
                            format!(
                                " (Chromium caps it at {CHROMIUM_MAX_AGE_LIMIT} s, Firefox at \
                                 86400 s)"
                            )
                        } else {
                            String::new()
                        }
                    ),
                };
                cache.store(&fetch, &allowed, CHROMIUM_MAX_AGE_LIMIT);
                if !allowed.methods.is_empty() || !allowed.header_names.is_empty() {
                    let _ = writeln!(
                        out,
                        "  Until then, fetches from {} to this URL skip the preflight for \
                         methods [{}] and headers [{}]{}.",
                        fetch.origin,
                        allowed.methods.join(", "),
                        allowed.header_names.join(", "),
                        if fetch.credentials.is_include() {
                            ", with or without credentials"
                        } else {
                            ", without credentials"
                        }
                    );
                }
                warnings.extend(vary_warning(&fetch, &response, "The preflight's answer"));
            }
            Err(failure) => {
                let _ = writeln!(
                    out,
                    "\n  The browser: the preflight fails, so the actual request is never sent: \
                     {failure}.\n  ({})",
                    failure.cite()
                );
                if let Some(hint) = preflight_hint(&response, &failure) {
                    let _ = writeln!(out, "  {hint}");
                }
                let _ = writeln!(out, "\nResult: refused: the preflight fails: {failure}.");
                return Ok((out, false));
            }
        }
        out.push('\n');
    } else {
        let _ = writeln!(
            out,
            "Preflight: none. The method is CORS-safelisted and every header the script sets \
             is a CORS-safelisted request-header.\n"
        );
    }

    let _ = writeln!(out, "Actual request:\n");
    let mut headers = HeaderList::default();
    headers.append("Origin", fetch.origin.as_bytes());
    for (name, value) in fetch.headers.iter() {
        headers.append(name, value);
    }
    write_sent(&mut out, &fetch.method, url, &headers);
    let response = send(url, &fetch.method, &headers)?;
    write_received(&mut out, &response);
    let verdict = cors_check(&fetch, &response);
    match &verdict {
        Ok(()) => {
            let _ = writeln!(
                out,
                "\n  The browser: the CORS check passes; the page reads the response."
            );
            if response.status >= 400 {
                let _ = writeln!(
                    out,
                    "  The {} carries CORS headers, so the page can read the error.",
                    response.status
                );
            }
            warnings.extend(vary_warning(&fetch, &response, "The response"));
        }
        Err(failure) => {
            let _ = writeln!(
                out,
                "\n  The browser: the CORS check fails, so the page gets a network error \
                 (\"TypeError: Failed to fetch\") and never sees the response: {failure}.\n  ({})",
                failure.step()
            );
            if response.status >= 400 && *failure == CorsCheckFailure::NoAllowOrigin {
                let _ = writeln!(
                    out,
                    "  This is an error response ({}) without CORS headers: error responses need \
                     them too, or the page sees a network error instead of the {} and its body.",
                    response.status, response.status
                );
            }
            if (300..=399).contains(&response.status) {
                let _ = writeln!(
                    out,
                    "  The answer is a redirect; check follows none: run it again on the \
                     Location (a redirect to another origin sends `Origin: null` onwards)."
                );
            }
        }
    }
    if !warnings.is_empty() {
        let _ = writeln!(out, "\nWarnings:");
        for warning in &warnings {
            let _ = writeln!(out, "  - {warning}");
        }
    }
    match verdict {
        Ok(()) => {
            let _ = writeln!(out, "\nResult: allowed.");
            Ok((out, true))
        }
        Err(failure) => {
            let _ = writeln!(
                out,
                "\nResult: refused: the response is withheld from the page: {failure}."
            );
            Ok((out, false))
        }
    }
}
