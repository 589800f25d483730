//! The preflight: whether a fetch needs one, the `OPTIONS` request it is, and what the
//! browser checks in its answer
//! ([Fetch, CORS-preflight fetch](https://fetch.spec.whatwg.org/#cors-preflight-fetch)).

use std::fmt;

use super::cache::PreflightCache;
use super::cors_check::{cors_check, CorsCheckFailure};
use super::header_list::{extract_delta_seconds, extract_list, ParseFailure};
use super::safelist::{is_non_wildcard_name, is_safelisted_method, unsafe_names};
use super::{Fetch, HeaderList, Response, Step};

/// How long a browser keeps a preflight's answer when it sends no valid
/// `Access-Control-Max-Age`, in seconds
/// ([CORS-preflight fetch, step 7.9](https://fetch.spec.whatwg.org/#cors-preflight-fetch)).
pub const DEFAULT_MAX_AGE: u64 = 5;

/// The longest Chromium keeps a preflight's answer, in seconds: its "imposed limit on
/// max-age" (step 7.10). Firefox's is 86400, Safari's 600.
pub const CHROMIUM_MAX_AGE_LIMIT: u64 = 7200;

/// Whether a browser sends a preflight before `fetch`, given what its
/// [CORS-preflight cache](https://fetch.spec.whatwg.org/#cors-preflight-cache) holds:
/// [main fetch, step 12](https://fetch.spec.whatwg.org/#main-fetch) sends a request that a
/// script made (its unsafe-request flag is set) down the preflight path when its method is
/// not CORS-safelisted or it has CORS-unsafe request-header names; then
/// [HTTP fetch, step 4.1](https://fetch.spec.whatwg.org/#http-fetch) preflights unless the
/// cache has a match for the method and for every such name. (The use-CORS-preflight flag,
/// set only by an upload with listeners, is not modelled.)
///
/// ```
/// use fetch_cors_cli::browser::{preflight, Credentials, Fetch};
///
/// let empty = Default::default();
/// let get = Fetch::new("https://a.example", "GET", Credentials::Include);
/// assert!(!preflight::is_needed(&get, &empty));
/// let json = get.clone().with_header("Content-Type", "application/json");
/// assert!(preflight::is_needed(&json, &empty));
/// let form = get.with_header("Content-Type", "application/x-www-form-urlencoded");
/// assert!(!preflight::is_needed(&form, &empty));
/// ```
pub fn is_needed(fetch: &Fetch, cache: &PreflightCache) -> bool {
    // HTTP fetch step 4.1, first condition (main fetch step 12's method test within it).
    let method =
        !is_safelisted_method(&fetch.method) && !cache.has_method_match(&fetch.method, fetch);
    // Second condition: a CORS-unsafe request-header name without a header-name match.
    let headers = unsafe_names(&fetch.headers)
        .iter()
        .any(|name| !cache.has_header_name_match(name, fetch));
    method || headers
}

/// The preflight request's header lines
/// ([CORS-preflight fetch, steps 1-5](https://fetch.spec.whatwg.org/#cors-preflight-fetch)):
/// `Origin` (step 1, from the request's origin), `Accept: */*` (step 2),
/// `Access-Control-Request-Method` (step 3) and, when there are CORS-unsafe request-header
/// names, `Access-Control-Request-Headers` listing them joined by `,` with no space
/// (steps 4-5). The method is `OPTIONS`; a preflight never carries credentials.
///
/// ```
/// use fetch_cors_cli::browser::{preflight, Credentials, Fetch};
///
/// let fetch = Fetch::new("https://a.example", "PUT", Credentials::Include)
///     .with_header("X-Request-Id", "7")
///     .with_header("Content-Type", "application/json");
/// let lines: Vec<(String, String)> = preflight::request_headers(&fetch)
///     .iter()
///     .map(|(n, v)| (n.to_owned(), String::from_utf8_lossy(v).into_owned()))
///     .collect();
/// assert_eq!(lines, [
///     ("Origin".to_owned(), "https://a.example".to_owned()),
///     ("Accept".to_owned(), "*/*".to_owned()),
///     ("Access-Control-Request-Method".to_owned(), "PUT".to_owned()),
///     ("Access-Control-Request-Headers".to_owned(), "content-type,x-request-id".to_owned()),
/// ]);
/// ```
pub fn request_headers(fetch: &Fetch) -> HeaderList {
    let mut headers = HeaderList::default();
    headers.append("Origin", fetch.origin.as_bytes());
    // Step 2.
    headers.append("Accept", b"*/*");
    // Step 3.
    headers.append("Access-Control-Request-Method", fetch.method.as_bytes());
    // Steps 4-5: `,` alone, not `, ` ("not the way this was implemented").
    let names = unsafe_names(&fetch.headers);
    if !names.is_empty() {
        headers.append("Access-Control-Request-Headers", names.join(",").as_bytes());
    }
    headers
}

/// What a successful preflight tells the browser, for its cache (steps 7.1-7.2 and 7.8-7.9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    /// `Access-Control-Allow-Methods`, parsed; empty when absent.
    pub methods: Vec<String>,
    /// `Access-Control-Allow-Headers`, parsed; empty when absent.
    pub header_names: Vec<String>,
    /// `Access-Control-Max-Age` in seconds, before the browser's own limit (step 7.10); `None`
    /// when it was absent or invalid and the browser keeps the answer
    /// [`DEFAULT_MAX_AGE`] seconds (step 7.9).
    pub max_age: Option<u64>,
}

impl Allowed {
    /// How long the browser keeps the answer before its own limit: the max-age of step 7.9.
    pub fn max_age_seconds(&self) -> u64 {
        self.max_age.unwrap_or(DEFAULT_MAX_AGE)
    }
}

/// Why a browser fails a preflight, by the step of
/// [CORS-preflight fetch](https://fetch.spec.whatwg.org/#cors-preflight-fetch) that returns a
/// network error. The actual request is then never sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreflightFailure {
    /// Step 7: the CORS check on the preflight's answer failed.
    CorsCheck(CorsCheckFailure),
    /// Step 7: the status is not an ok status (200-299).
    StatusNotOk(u16),
    /// Step 7.3: `Access-Control-Allow-Methods` or `-Headers` does not parse.
    InvalidList {
        /// The header.
        header: &'static str,
        /// Why.
        failure: ParseFailure,
    },
    /// Step 7.5: the method is not safelisted and not allowed.
    MethodNotAllowed {
        /// The method.
        method: String,
        /// `Access-Control-Allow-Methods` as parsed, or `None` when absent.
        listed: Option<Vec<String>>,
        /// Whether it held `*`, which a request with credentials reads literally.
        wildcard_with_credentials: bool,
    },
    /// Step 7.6: `Authorization` is set and not listed by name.
    AuthorizationNotListed {
        /// The name as the script set it.
        name: String,
        /// `Access-Control-Allow-Headers` as parsed, or `None` when absent.
        listed: Option<Vec<String>>,
    },
    /// Step 7.7: a CORS-unsafe request-header name is not allowed.
    HeaderNotAllowed {
        /// The name (lower-case).
        name: String,
        /// `Access-Control-Allow-Headers` as parsed, or `None` when absent.
        listed: Option<Vec<String>>,
        /// Whether it held `*`, which a request with credentials reads literally.
        wildcard_with_credentials: bool,
    },
}

impl PreflightFailure {
    /// The steps to read in Fetch, as printed: the step of CORS-preflight fetch that fails,
    /// and for a failed CORS check, the step of that too.
    ///
    /// ```
    /// use fetch_cors_cli::browser::cors_check::CorsCheckFailure;
    /// use fetch_cors_cli::browser::preflight::PreflightFailure;
    ///
    /// assert_eq!(
    ///     PreflightFailure::CorsCheck(CorsCheckFailure::NoAllowOrigin).cite(),
    ///     "Fetch, CORS-preflight fetch, step 7 (https://fetch.spec.whatwg.org/#cors-preflight-fetch); \
    ///      Fetch, CORS check, step 2 (https://fetch.spec.whatwg.org/#cors-check)"
    /// );
    /// ```
    pub fn cite(&self) -> String {
        match self {
            PreflightFailure::CorsCheck(inner) => format!("{}; {}", self.step(), inner.step()),
            _ => self.step().to_string(),
        }
    }

    /// The step of CORS-preflight fetch that fails.
    pub fn step(&self) -> Step {
        let step = match self {
            PreflightFailure::CorsCheck(_) | PreflightFailure::StatusNotOk(_) => "7",
            PreflightFailure::InvalidList { .. } => "7.3",
            PreflightFailure::MethodNotAllowed { .. } => "7.5",
            PreflightFailure::AuthorizationNotListed { .. } => "7.6",
            PreflightFailure::HeaderNotAllowed { .. } => "7.7",
        };
        Step {
            algorithm: "CORS-preflight fetch",
            anchor: "cors-preflight-fetch",
            step,
        }
    }
}

/// `(absent)` or `(`PUT, DELETE`)`.
fn listed(list: &Option<Vec<String>>) -> String {
    match list {
        None => "(absent)".to_owned(),
        Some(items) if items.is_empty() => "(empty)".to_owned(),
        Some(items) => format!("(`{}`)", items.join(", ")),
    }
}

impl fmt::Display for PreflightFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PreflightFailure::CorsCheck(failure) => write!(f, "{failure}"),
            PreflightFailure::StatusNotOk(status) => write!(
                f,
                "the preflight's status {status} is not an ok status (200-299), whatever its \
                 headers say"
            ),
            PreflightFailure::InvalidList { header, failure } => write!(
                f,
                "{header} is `{}`, which does not parse: {}",
                failure.value.escape_ascii(),
                failure.why
            ),
            PreflightFailure::MethodNotAllowed {
                method,
                wildcard_with_credentials: true,
                ..
            } => write!(
                f,
                "the method `{method}` is not in Access-Control-Allow-Methods: it holds `*`, \
                 but the request is sent with credentials, and then `*` is read as a method \
                 literally named `*`; the answer must name `{method}`"
            ),
            PreflightFailure::MethodNotAllowed {
                method, listed: l, ..
            } => write!(
                f,
                "the method `{method}` is not in Access-Control-Allow-Methods {}",
                listed(l)
            ),
            PreflightFailure::AuthorizationNotListed { name, listed: l } => {
                let name = name.to_ascii_lowercase();
                if l.as_ref().is_some_and(|l| l.iter().any(|i| i == "*")) {
                    write!(
                        f,
                        "the request header `{name}` is not listed by name in \
                         Access-Control-Allow-Headers {}: `*` never covers Authorization",
                        listed(l)
                    )
                } else {
                    write!(
                        f,
                        "the request header `{name}` is not in Access-Control-Allow-Headers {}",
                        listed(l)
                    )
                }
            }
            PreflightFailure::HeaderNotAllowed {
                name,
                wildcard_with_credentials: true,
                ..
            } => write!(
                f,
                "the request header `{name}` is not in Access-Control-Allow-Headers: it holds \
                 `*`, but the request is sent with credentials, and then `*` is read as a \
                 header literally named `*`; the answer must name `{name}`"
            ),
            PreflightFailure::HeaderNotAllowed {
                name, listed: l, ..
            } => write!(
                f,
                "the request header `{name}` is not in Access-Control-Allow-Headers {}",
                listed(l)
            ),
        }
    }
}

/// The browser's checks of a preflight's answer
/// ([CORS-preflight fetch, step 7 onwards](https://fetch.spec.whatwg.org/#cors-preflight-fetch)),
/// for the actual request `fetch`. `Ok` holds what goes into the cache.
///
/// ```
/// use fetch_cors_cli::browser::preflight::{check, PreflightFailure};
/// use fetch_cors_cli::browser::{Credentials, Fetch, HeaderList, Response};
///
/// let fetch = Fetch::new("https://a.example", "DELETE", Credentials::Omit)
///     .with_header("Authorization", "Bearer x");
/// let answer = Response::new(204, HeaderList::from_pairs([
///     ("access-control-allow-origin", "*"),
///     ("access-control-allow-methods", "*"),
///     ("access-control-allow-headers", "*"),
/// ]));
/// assert!(matches!(
///     check(&fetch, &answer),
///     Err(PreflightFailure::AuthorizationNotListed { .. })
/// ));
/// ```
pub fn check(fetch: &Fetch, response: &Response) -> Result<Allowed, PreflightFailure> {
    // Step 7: the CORS check is made with the actual request's credentials mode.
    cors_check(fetch, response).map_err(PreflightFailure::CorsCheck)?;
    if !response.is_ok_status() {
        return Err(PreflightFailure::StatusNotOk(response.status));
    }
    // Steps 7.1-7.3.
    let methods =
        extract_list(&response.headers, "access-control-allow-methods").map_err(|failure| {
            PreflightFailure::InvalidList {
                header: "Access-Control-Allow-Methods",
                failure,
            }
        })?;
    let header_names =
        extract_list(&response.headers, "access-control-allow-headers").map_err(|failure| {
            PreflightFailure::InvalidList {
                header: "Access-Control-Allow-Headers",
                failure,
            }
        })?;
    // Step 7.4 applies only under the use-CORS-preflight flag, which is not modelled.
    let include = fetch.credentials.is_include();
    let has = |list: &Option<Vec<String>>, item: &str| {
        list.as_ref().is_some_and(|l| l.iter().any(|i| i == item))
    };
    let has_name = |list: &Option<Vec<String>>, name: &str| {
        list.as_ref()
            .is_some_and(|l| l.iter().any(|i| i.eq_ignore_ascii_case(name)))
    };
    // Step 7.5: methods are compared byte for byte.
    if !has(&methods, &fetch.method)
        && !is_safelisted_method(&fetch.method)
        && (include || !has(&methods, "*"))
    {
        return Err(PreflightFailure::MethodNotAllowed {
            method: fetch.method.clone(),
            wildcard_with_credentials: include && has(&methods, "*"),
            listed: methods,
        });
    }
    // Step 7.6.
    if let Some((name, _)) = fetch
        .headers
        .iter()
        .find(|(name, _)| is_non_wildcard_name(name) && !has_name(&header_names, name))
    {
        return Err(PreflightFailure::AuthorizationNotListed {
            name: name.to_owned(),
            listed: header_names,
        });
    }
    // Step 7.7.
    for name in unsafe_names(&fetch.headers) {
        if !has_name(&header_names, &name) && (include || !has(&header_names, "*")) {
            return Err(PreflightFailure::HeaderNotAllowed {
                wildcard_with_credentials: include && has(&header_names, "*"),
                name,
                listed: header_names,
            });
        }
    }
    // Steps 7.8-7.9: absent or invalid means the default.
    let max_age = extract_delta_seconds(&response.headers, "access-control-max-age")
        .ok()
        .flatten();
    Ok(Allowed {
        methods: methods.unwrap_or_default(),
        header_names: header_names.unwrap_or_default(),
        max_age,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browser::Credentials;

    fn answer(status: u16, pairs: &[(&str, &str)]) -> Response {
        Response::new(status, HeaderList::from_pairs(pairs.iter().copied()))
    }

    const ACAO: &str = "access-control-allow-origin";
    const ACAM: &str = "access-control-allow-methods";
    const ACAH: &str = "access-control-allow-headers";

    #[test]
    fn safelisted_requests_need_no_preflight() {
        let empty = PreflightCache::default();
        for method in ["GET", "HEAD", "POST", "post"] {
            let f = Fetch::new("https://a.example", method, Credentials::Include)
                .with_header("accept", "application/json")
                .with_header("content-type", "text/plain;charset=UTF-8")
                .with_header("content-language", "en");
            assert!(!is_needed(&f, &empty), "{method}");
        }
        for method in ["PUT", "DELETE", "PATCH", "patch", "OPTIONS"] {
            let f = Fetch::new("https://a.example", method, Credentials::Omit);
            assert!(is_needed(&f, &empty), "{method}");
        }
        let f = Fetch::new("https://a.example", "GET", Credentials::Omit)
            .with_header("x-requested-with", "XMLHttpRequest");
        assert!(is_needed(&f, &empty));
    }

    #[test]
    fn the_preflight_request_lists_names_sorted_lowercase_without_spaces() {
        let f = Fetch::new("https://a.example", "GET", Credentials::Omit)
            .with_header("X-B", "1")
            .with_header("Accept", "text/html")
            .with_header("x-a", "2");
        let headers = request_headers(&f);
        assert_eq!(
            headers.get("access-control-request-headers").unwrap(),
            b"x-a,x-b"
        );
        assert_eq!(
            headers.get("access-control-request-method").unwrap(),
            b"GET"
        );
        let plain = Fetch::new("https://a.example", "PUT", Credentials::Omit);
        assert!(!request_headers(&plain).contains("access-control-request-headers"));
    }

    #[test]
    fn a_failed_cors_check_or_status_fails_the_preflight() {
        let f = Fetch::new("https://a.example", "PUT", Credentials::Omit);
        let no_acao = answer(204, &[(ACAM, "PUT")]);
        let failure = check(&f, &no_acao).unwrap_err();
        assert_eq!(
            failure,
            PreflightFailure::CorsCheck(CorsCheckFailure::NoAllowOrigin)
        );
        assert_eq!(failure.step().step, "7");
        let forbidden = answer(403, &[(ACAO, "*"), (ACAM, "PUT")]);
        assert_eq!(
            check(&f, &forbidden),
            Err(PreflightFailure::StatusNotOk(403))
        );
        assert!(check(&f, &answer(299, &[(ACAO, "*"), (ACAM, "PUT")])).is_ok());
        assert!(check(&f, &answer(300, &[(ACAO, "*"), (ACAM, "PUT")])).is_err());
    }

    #[test]
    fn methods_are_case_sensitive_and_star_needs_no_credentials() {
        let f = Fetch::new("https://a.example", "patch", Credentials::Omit);
        let upper = answer(200, &[(ACAO, "*"), (ACAM, "PATCH")]);
        assert!(matches!(
            check(&f, &upper),
            Err(PreflightFailure::MethodNotAllowed { .. })
        ));
        assert!(check(&f, &answer(200, &[(ACAO, "*"), (ACAM, "*")])).is_ok());

        let with = Fetch::new("https://a.example", "PUT", Credentials::Include);
        let star = answer(
            200,
            &[
                (ACAO, "https://a.example"),
                ("access-control-allow-credentials", "true"),
                (ACAM, "*"),
            ],
        );
        let failure = check(&with, &star).unwrap_err();
        assert_eq!(failure.step().step, "7.5");
        assert!(
            failure.to_string().contains("literally named `*`"),
            "{failure}"
        );
    }

    #[test]
    fn a_safelisted_method_needs_no_allow_methods() {
        let f = Fetch::new("https://a.example", "POST", Credentials::Omit).with_header("x-a", "1");
        assert!(check(
            &f,
            &answer(204, &[(ACAO, "*"), (ACAM, "PUT"), (ACAH, "x-a")])
        )
        .is_ok());
    }

    #[test]
    fn header_names_are_case_insensitive_and_authorization_is_never_starred() {
        let f = Fetch::new("https://a.example", "GET", Credentials::Omit).with_header("X-A", "1");
        assert!(check(&f, &answer(200, &[(ACAO, "*"), (ACAH, "x-A")])).is_ok());
        assert!(check(&f, &answer(200, &[(ACAO, "*"), (ACAH, "*")])).is_ok());
        let missing = check(&f, &answer(200, &[(ACAO, "*"), (ACAH, "x-b")])).unwrap_err();
        assert_eq!(missing.step().step, "7.7");
        assert_eq!(
            missing.to_string(),
            "the request header `x-a` is not in Access-Control-Allow-Headers (`x-b`)"
        );

        let auth = Fetch::new("https://a.example", "GET", Credentials::Omit)
            .with_header("Authorization", "Bearer t");
        let star = check(&auth, &answer(200, &[(ACAO, "*"), (ACAH, "*")])).unwrap_err();
        assert_eq!(star.step().step, "7.6");
        assert!(
            star.to_string()
                .ends_with("(`*`): `*` never covers Authorization"),
            "{star}"
        );
        let other = check(&auth, &answer(200, &[(ACAO, "*"), (ACAH, "x-a")])).unwrap_err();
        assert_eq!(
            other.to_string(),
            "the request header `authorization` is not in Access-Control-Allow-Headers (`x-a`)"
        );
        assert!(check(
            &auth,
            &answer(200, &[(ACAO, "*"), (ACAH, "*, Authorization")])
        )
        .is_ok());
    }

    #[test]
    fn header_star_with_credentials_is_literal() {
        let f =
            Fetch::new("https://a.example", "GET", Credentials::Include).with_header("x-a", "1");
        let r = answer(
            200,
            &[
                (ACAO, "https://a.example"),
                ("access-control-allow-credentials", "true"),
                (ACAH, "*"),
            ],
        );
        assert!(matches!(
            check(&f, &r),
            Err(PreflightFailure::HeaderNotAllowed {
                wildcard_with_credentials: true,
                ..
            })
        ));
    }

    #[test]
    fn a_malformed_list_fails_and_max_age_defaults() {
        let f = Fetch::new("https://a.example", "PUT", Credentials::Omit);
        let bad = check(&f, &answer(200, &[(ACAO, "*"), (ACAM, "PUT DELETE")])).unwrap_err();
        assert_eq!(bad.step().step, "7.3");
        let ok = check(&f, &answer(200, &[(ACAO, "*"), (ACAM, "PUT")])).unwrap();
        assert_eq!(ok.max_age_seconds(), DEFAULT_MAX_AGE);
        let bad_age = answer(
            200,
            &[(ACAO, "*"), (ACAM, "PUT"), ("access-control-max-age", "1h")],
        );
        assert_eq!(check(&f, &bad_age).unwrap().max_age, None);
        let age = answer(
            200,
            &[
                (ACAO, "*"),
                (ACAM, "PUT"),
                ("access-control-max-age", "600"),
            ],
        );
        assert_eq!(check(&f, &age).unwrap().max_age_seconds(), 600);
    }
}
