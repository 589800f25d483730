//! What each request must get back, and the comparison of a response with it.

use cors_conformance::client::{preview, Response};

/// The statuses a framework may refuse a malformed request with, before the CORS
/// layer sees it: 400 Bad Request, 413 Content Too Large, 414 URI Too Long and
/// 431 Request Header Fields Too Large.
pub const REFUSAL_STATUSES: [u16; 4] = [400, 413, 414, 431];

/// Whether the framework may answer a request itself instead of passing it on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The request is well-formed HTTP: only the CORS layer's answer will do.
    Never,
    /// The framework may refuse it with one of [`REFUSAL_STATUSES`].
    Status,
    /// ... or close the connection without an answer, as a server may do to a
    /// client that sends 100 KB of headers.
    StatusOrClose,
}

/// The answer a request must get under the soak's policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Expect {
    pub(crate) status: u16,
    /// `Access-Control-Allow-Origin`, exactly; `None`: absent.
    pub(crate) allow_origin: Option<Vec<u8>>,
    /// `Access-Control-Allow-Methods`, exactly; `None`: absent.
    pub(crate) allow_methods: Option<Vec<u8>>,
    /// `Access-Control-Allow-Headers`, exactly; `None`: absent.
    pub(crate) allow_headers: Option<Vec<u8>>,
    /// Whether the handler answered (`x-handler: reached`, body `ok` unless `HEAD`).
    pub(crate) handler: bool,
    /// A preflight answer varies on the request-method and request-headers too, and
    /// has no body.
    pub(crate) preflight: bool,
    pub(crate) refusal: Refusal,
}

impl Expect {
    /// The handler's answer, with `Access-Control-Allow-Origin: origin` or without
    /// any CORS header.
    pub(crate) fn handler(allow_origin: Option<&[u8]>) -> Expect {
        Expect {
            status: 200,
            allow_origin: allow_origin.map(<[u8]>::to_vec),
            allow_methods: None,
            allow_headers: None,
            handler: true,
            preflight: false,
            refusal: Refusal::Never,
        }
    }

    /// The framework's own answer (404, or 500 from the failing handler), with the
    /// CORS headers the request earns.
    pub(crate) fn framework(status: u16, allow_origin: &[u8]) -> Expect {
        Expect {
            status,
            handler: false,
            ..Expect::handler(Some(allow_origin))
        }
    }

    /// An accepted preflight: 204 and the `Access-Control-Allow-*` answer.
    pub(crate) fn accepted_preflight(
        origin: &[u8],
        method: &[u8],
        headers: Option<Vec<u8>>,
    ) -> Expect {
        Expect {
            status: 204,
            allow_origin: Some(origin.to_vec()),
            allow_methods: Some(method.to_vec()),
            allow_headers: headers,
            handler: false,
            preflight: true,
            refusal: Refusal::Never,
        }
    }

    /// A rejected preflight: 403, no CORS header, not the handler.
    pub(crate) fn rejected_preflight() -> Expect {
        Expect {
            status: 403,
            allow_origin: None,
            allow_methods: None,
            allow_headers: None,
            handler: false,
            preflight: true,
            refusal: Refusal::Never,
        }
    }

    /// Only the framework's refusal: a malformed request that must not reach the
    /// CORS layer or the handler at all.
    pub(crate) fn refused() -> Expect {
        Expect {
            status: 400,
            handler: false,
            refusal: Refusal::StatusOrClose,
            ..Expect::handler(None)
        }
    }

    pub(crate) fn or_refused(self, refusal: Refusal) -> Expect {
        Expect { refusal, ..self }
    }

    /// Whether the framework may refuse with `status`.
    pub(crate) fn allows_refusal(&self, status: u16) -> bool {
        self.refusal != Refusal::Never && REFUSAL_STATUSES.contains(&status)
    }

    /// Whether closing the connection without an answer is acceptable.
    pub(crate) fn allows_close(&self) -> bool {
        self.refusal == Refusal::StatusOrClose
    }
}

/// Compares `response` (to a `HEAD` request if `head`) with `expect`; the first
/// difference found, as a sentence.
pub(crate) fn check(expect: &Expect, response: &Response, head: bool) -> Result<(), String> {
    if expect.allows_refusal(response.status) {
        // The framework answered before any CORS code ran, so a CORS header or the
        // handler's marker here means something let the request through.
        if let Some((name, _)) = response.headers.iter().find(|(name, _)| {
            starts_with_ignore_case(name, b"access-control-")
                || name.eq_ignore_ascii_case(b"x-handler")
        }) {
            return Err(format!(
                "the refusal {} carries `{}`",
                response.status,
                String::from_utf8_lossy(name)
            ));
        }
        return Ok(());
    }
    if response.status != expect.status {
        let refusals = if expect.refusal == Refusal::Never {
            String::new()
        } else {
            format!(" (or a refusal: {REFUSAL_STATUSES:?})")
        };
        return Err(format!(
            "status {}, expected {}{refusals}",
            response.status, expect.status
        ));
    }
    for (name, expected) in [
        ("access-control-allow-origin", &expect.allow_origin),
        ("access-control-allow-methods", &expect.allow_methods),
        ("access-control-allow-headers", &expect.allow_headers),
    ] {
        // `header` joins repeated lines with ", ", so a header sent twice differs too.
        let got = response.header(name);
        if got.as_deref() != expected.as_deref() {
            return Err(format!(
                "{name}: {}, expected {}",
                show(got.as_deref()),
                show(expected.as_deref())
            ));
        }
    }
    // The policy has no credentials, exposed headers, max age or private network
    // access, so no other CORS header may appear.
    if let Some((name, _)) = response.headers.iter().find(|(name, _)| {
        starts_with_ignore_case(name, b"access-control-")
            && !name.eq_ignore_ascii_case(b"access-control-allow-origin")
            && !name.eq_ignore_ascii_case(b"access-control-allow-methods")
            && !name.eq_ignore_ascii_case(b"access-control-allow-headers")
    }) {
        return Err(format!(
            "unexpected header `{}`",
            String::from_utf8_lossy(name)
        ));
    }
    let reached = response.header("x-handler").as_deref() == Some(b"reached".as_slice());
    if reached != expect.handler {
        return Err(if expect.handler {
            "the handler was not reached (no `x-handler: reached`)".to_owned()
        } else {
            "the handler was reached (`x-handler: reached`)".to_owned()
        });
    }
    // Every answer could have been different for another Origin under this policy.
    let mut vary: Vec<&str> = vec!["origin"];
    if expect.handler {
        vary.push("accept-encoding");
    }
    if expect.preflight {
        vary.extend([
            "access-control-request-method",
            "access-control-request-headers",
        ]);
    }
    let got_vary = response.header("vary").unwrap_or_default();
    for token in vary {
        let present = got_vary
            .split(|&b| b == b',')
            .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()));
        if !present {
            return Err(format!(
                "vary: {}, expected it to list `{token}`",
                show(Some(&got_vary))
            ));
        }
    }
    let body: Option<&[u8]> = if expect.handler {
        Some(if head { b"" } else { b"ok" })
    } else if expect.preflight {
        Some(b"")
    } else {
        // The framework's own 404 and 500 bodies are its business.
        None
    };
    if let Some(body) = body.filter(|body| response.body != *body) {
        return Err(format!(
            "body {}, expected {}",
            show(Some(&response.body)),
            show(Some(body))
        ));
    }
    Ok(())
}

fn starts_with_ignore_case(name: &[u8], prefix: &[u8]) -> bool {
    name.len() >= prefix.len() && name[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn show(value: Option<&[u8]>) -> String {
    match value {
        Some(value) => format!("\"{}\"", preview(value)),
        None => "absent".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    const ORIGIN: &[u8] = b"https://app.example.com";

    fn handled(acao: Option<&str>) -> Response {
        let mut headers = vec![
            ("x-handler", "reached"),
            ("vary", "accept-encoding"),
            ("vary", "Origin"),
        ];
        headers.extend(acao.map(|v| ("access-control-allow-origin", v)));
        response(200, &headers, "ok")
    }

    #[test]
    fn the_handlers_answer_with_the_origin_passes() {
        let expect = Expect::handler(Some(ORIGIN));
        assert_eq!(
            check(&expect, &handled(Some("https://app.example.com")), false),
            Ok(())
        );
    }

    #[test]
    fn a_wrong_missing_or_doubled_origin_fails() {
        let expect = Expect::handler(Some(ORIGIN));
        for acao in [
            None,
            Some("*"),
            Some("https://app.example.com, https://app.example.com"),
        ] {
            let mut response = handled(acao);
            if acao == Some("*") {
                response
                    .headers
                    .push((b"access-control-allow-origin".to_vec(), b"x".to_vec()));
            }
            let error = check(&expect, &response, false).unwrap_err();
            assert!(error.starts_with("access-control-allow-origin"), "{error}");
        }
        let error = check(
            &Expect::handler(None),
            &handled(Some("https://evil.test")),
            false,
        )
        .unwrap_err();
        assert!(error.contains("expected absent"), "{error}");
    }

    #[test]
    fn vary_must_be_merged_not_replaced() {
        let mut response = handled(None);
        response
            .headers
            .retain(|(n, v)| n != b"vary" || v == b"Origin");
        let error = check(&Expect::handler(None), &response, false).unwrap_err();
        assert!(error.contains("accept-encoding"), "{error}");
    }

    #[test]
    fn preflights_are_checked_in_full() {
        let expect = Expect::accepted_preflight(ORIGIN, b"PUT", Some(b"x-a".to_vec()));
        let good = response(
            204,
            &[
                ("access-control-allow-origin", "https://app.example.com"),
                ("access-control-allow-methods", "PUT"),
                ("access-control-allow-headers", "x-a"),
                (
                    "vary",
                    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
                ),
            ],
            "",
        );
        assert_eq!(check(&expect, &good, false), Ok(()));
        let mut handler_reached = good.clone();
        handler_reached
            .headers
            .push((b"x-handler".to_vec(), b"reached".to_vec()));
        assert!(check(&expect, &handler_reached, false).is_err());
        let mut max_age = good.clone();
        max_age
            .headers
            .push((b"Access-Control-Max-Age".to_vec(), b"5".to_vec()));
        assert!(check(&expect, &max_age, false)
            .unwrap_err()
            .contains("Access-Control-Max-Age"));
        let rejected = response(
            403,
            &[(
                "vary",
                "origin, access-control-request-method, access-control-request-headers",
            )],
            "",
        );
        assert_eq!(
            check(&Expect::rejected_preflight(), &rejected, false),
            Ok(())
        );
        assert!(check(&expect, &rejected, false)
            .unwrap_err()
            .starts_with("status 403"));
    }

    #[test]
    fn refusals_are_accepted_only_where_allowed_and_only_clean() {
        let refusal = response(431, &[("connection", "close")], "");
        let strict = Expect::rejected_preflight();
        assert!(check(&strict, &refusal, false).is_err());
        let lenient = strict.or_refused(Refusal::StatusOrClose);
        assert_eq!(check(&lenient, &refusal, false), Ok(()));
        assert!(lenient.allows_close());
        let leaky = response(400, &[("access-control-allow-origin", "*")], "");
        assert!(check(&lenient, &leaky, false).is_err());
        // A 2xx with the origin echoed is never a refusal.
        let allowed = handled(Some("https://app.example.com"));
        assert!(check(&Expect::refused(), &allowed, false).is_err());
    }

    #[test]
    fn head_answers_have_no_body() {
        let mut response = handled(None);
        response.body.clear();
        assert_eq!(check(&Expect::handler(None), &response, true), Ok(()));
        assert!(check(&Expect::handler(None), &response, false).is_err());
    }
}
