//! The fairing through Rocket's local client: which requests reach the handlers, and which
//! headers every kind of response carries.

use fetch_cors_rocket::{rejection, Cors, CorsFairing, CorsRejection};
use rocket::http::{Header, Status};
use rocket::local::blocking::{Client, LocalResponse};
use rocket::request::{self, FromRequest};
use rocket::{catch, catchers, get, options, routes, Build, Request, Responder, Rocket};

const APP: &str = "https://app.example.com";
const EVIL: &str = "https://evil.example";

/// A handler's answer: `x-handler: reached` shows a request got past the fairing, and the
/// handler's own `vary` shows whether the fairing merges `Vary`.
#[derive(Responder)]
#[response(status = 200, content_type = "text")]
struct Marked {
    body: String,
    handler: Header<'static>,
    vary: Header<'static>,
}

fn marked(body: impl Into<String>) -> Marked {
    Marked {
        body: body.into(),
        handler: Header::new("x-handler", "reached"),
        vary: Header::new("vary", "accept-encoding"),
    }
}

#[get("/<_..>", rank = 2)]
fn any_get() -> Marked {
    marked("ok")
}

#[options("/items")]
fn items_options() -> Marked {
    marked("options")
}

#[get("/error")]
fn error() -> Result<Marked, Status> {
    Err(Status::InternalServerError)
}

#[get("/reason")]
fn reason(refused: Option<CorsRejection<'_>>) -> Marked {
    marked(refused.map_or_else(|| "none".to_owned(), |r| r.to_string()))
}

/// Reads the rejection through [`rejection`] rather than the guard.
struct Reason(String);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Reason {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, Self::Error> {
        let reason = rejection(req).map_or_else(|| "none".to_owned(), |r| r.to_string());
        request::Outcome::Success(Reason(reason))
    }
}

#[get("/reason-fn")]
fn reason_fn(reason: Reason) -> Marked {
    marked(reason.0)
}

fn policy() -> Cors {
    Cors::builder()
        .allow_origin(APP)
        .allow_methods(["PUT", "DELETE"])
        .allow_headers(["content-type", "x-a"])
        .expose_headers(["x-request-id"])
        .max_age(600)
        .build()
        .unwrap()
}

fn app() -> Rocket<Build> {
    rocket::build().mount("/", routes![any_get, items_options, error, reason])
}

fn client(fairing: CorsFairing) -> Client {
    Client::untracked(app().attach(fairing)).unwrap()
}

fn header<'a>(res: &'a LocalResponse<'_>, name: &str) -> Option<&'a str> {
    res.headers().get_one(name)
}

fn all<'a>(res: &'a LocalResponse<'_>, name: &str) -> Vec<&'a str> {
    res.headers().get(name).collect()
}

fn reached(res: &LocalResponse<'_>) -> bool {
    header(res, "x-handler") == Some("reached")
}

fn preflight<'c>(
    client: &'c Client,
    path: &'c str,
    origin: &'static str,
    method: &'static str,
) -> LocalResponse<'c> {
    client
        .options(path)
        .header(Header::new("origin", origin))
        .header(Header::new("access-control-request-method", method))
        .dispatch()
}

const VARY_PREFLIGHT: &str =
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

#[test]
fn accepted_preflight_is_answered_without_the_handler() {
    let client = client(CorsFairing::new(policy()));
    // `/items` has an OPTIONS route of the application's, `/other` none: both are answered.
    for path in ["/items", "/other"] {
        let res = client
            .options(path)
            .header(Header::new("origin", APP))
            .header(Header::new("access-control-request-method", "PUT"))
            .header(Header::new(
                "access-control-request-headers",
                "content-type",
            ))
            .dispatch();
        assert_eq!(res.status(), Status::NoContent, "{path}");
        assert!(!reached(&res), "{path}");
        assert_eq!(header(&res, "access-control-allow-origin"), Some(APP));
        assert_eq!(header(&res, "access-control-allow-methods"), Some("PUT"));
        assert_eq!(
            header(&res, "access-control-allow-headers"),
            Some("content-type")
        );
        assert_eq!(header(&res, "access-control-max-age"), Some("600"));
        assert_eq!(header(&res, "access-control-expose-headers"), None);
        assert_eq!(all(&res, "vary"), [VARY_PREFLIGHT]);
        assert_eq!(header(&res, "content-type"), None);
        assert!(res.into_bytes().unwrap_or_default().is_empty());
    }
}

#[test]
fn preflight_status_comes_from_the_policy() {
    let cors = Cors::builder()
        .allow_origin(APP)
        .preflight_status(200)
        .build()
        .unwrap();
    let client = client(CorsFairing::new(cors));
    let res = preflight(&client, "/items", APP, "GET");
    assert_eq!(res.status(), Status::Ok);
    assert!(!reached(&res));
    assert!(res.into_bytes().unwrap_or_default().is_empty());
}

#[test]
fn rejected_preflight_gets_403_and_only_vary() {
    let passthrough = Cors::builder()
        .allow_origin(APP)
        .allow_methods(["PUT"])
        .preflight_passthrough(true)
        .build()
        .unwrap();
    for cors in [policy(), passthrough] {
        let client = client(CorsFairing::new(cors));
        for (origin, method) in [(EVIL, "PUT"), (APP, "PATCH")] {
            for path in ["/items", "/other"] {
                let res = preflight(&client, path, origin, method);
                assert_eq!(res.status(), Status::Forbidden, "{origin} {method} {path}");
                assert!(!reached(&res));
                let cors_headers: Vec<_> = res
                    .headers()
                    .iter()
                    .filter(|h| {
                        h.name()
                            .as_str()
                            .to_ascii_lowercase()
                            .starts_with("access-control-")
                    })
                    .collect();
                assert!(cors_headers.is_empty(), "{cors_headers:?}");
                assert_eq!(all(&res, "vary"), [VARY_PREFLIGHT]);
                assert!(res.into_bytes().unwrap_or_default().is_empty());
            }
        }
    }
}

#[test]
fn passthrough_preflight_reaches_the_handler() {
    let cors = Cors::builder()
        .allow_origin(APP)
        .allow_methods(["PUT"])
        .preflight_passthrough(true)
        .build()
        .unwrap();
    let client = client(CorsFairing::new(cors));
    let res = preflight(&client, "/items", APP, "PUT");
    assert_eq!(res.status(), Status::Ok);
    assert!(reached(&res));
    assert_eq!(header(&res, "access-control-allow-origin"), Some(APP));
    assert_eq!(header(&res, "access-control-allow-methods"), Some("PUT"));
    assert_eq!(all(&res, "vary"), ["accept-encoding", VARY_PREFLIGHT]);
    assert_eq!(res.into_string().as_deref(), Some("options"));

    // No OPTIONS route there: Rocket's own 404, with the preflight's headers.
    let res = preflight(&client, "/other", APP, "PUT");
    assert_eq!(res.status(), Status::NotFound);
    assert_eq!(header(&res, "access-control-allow-origin"), Some(APP));
}

#[test]
fn options_without_request_method_is_an_ordinary_request() {
    let client = client(CorsFairing::new(policy()));
    let res = client
        .options("/items")
        .header(Header::new("origin", APP))
        .dispatch();
    assert_eq!(res.status(), Status::Ok);
    assert!(reached(&res));
    assert_eq!(header(&res, "access-control-allow-origin"), Some(APP));
    let res = client
        .options("/other")
        .header(Header::new("origin", APP))
        .dispatch();
    assert_eq!(res.status(), Status::NotFound);
    assert_eq!(header(&res, "access-control-allow-origin"), Some(APP));
}

#[test]
fn allowed_actual_request_gets_headers_and_merged_vary() {
    let client = client(CorsFairing::new(policy()));
    let res = client
        .get("/")
        .header(Header::new("origin", APP))
        .dispatch();
    assert_eq!(res.status(), Status::Ok);
    assert!(reached(&res));
    assert_eq!(header(&res, "access-control-allow-origin"), Some(APP));
    assert_eq!(
        header(&res, "access-control-expose-headers"),
        Some("x-request-id")
    );
    assert_eq!(header(&res, "access-control-allow-methods"), None);
    assert_eq!(all(&res, "vary"), ["accept-encoding", "Origin"]);

    // HEAD is routed to the GET handler by Rocket; the headers are the same.
    let res = client
        .head("/")
        .header(Header::new("origin", APP))
        .dispatch();
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(header(&res, "access-control-allow-origin"), Some(APP));
}

#[test]
fn disallowed_actual_request_reaches_the_handler_without_allow_headers() {
    let client = client(CorsFairing::new(policy()));
    let res = client
        .get("/")
        .header(Header::new("origin", EVIL))
        .dispatch();
    assert_eq!(res.status(), Status::Ok);
    assert!(reached(&res));
    assert_eq!(header(&res, "access-control-allow-origin"), None);
    assert_eq!(header(&res, "access-control-expose-headers"), None);
    assert_eq!(all(&res, "vary"), ["accept-encoding", "Origin"]);
}

#[test]
fn two_origin_lines_are_refused() {
    let client = client(CorsFairing::new(policy()));
    let res = client
        .get("/reason")
        .header(Header::new("origin", APP))
        .header(Header::new("origin", EVIL))
        .dispatch();
    assert!(reached(&res));
    assert_eq!(header(&res, "access-control-allow-origin"), None);
    assert_eq!(
        res.into_string().as_deref(),
        Some("CORS: the request has more than one Origin header")
    );
}

#[test]
fn request_without_origin_gets_vary() {
    let client = client(CorsFairing::new(policy()));
    let res = client.get("/").dispatch();
    assert!(reached(&res));
    assert_eq!(header(&res, "access-control-allow-origin"), None);
    assert_eq!(all(&res, "vary"), ["accept-encoding", "Origin"]);
}

#[catch(404)]
fn not_found() -> &'static str {
    "custom 404"
}

#[test]
fn error_responses_carry_cors_headers() {
    let client = client(CorsFairing::new(policy()));
    // A handler's 500 (Rocket's catcher) and Rocket's 404 for a POST no route takes.
    for (res, status) in [
        (
            client
                .get("/error")
                .header(Header::new("origin", APP))
                .dispatch(),
            Status::InternalServerError,
        ),
        (
            client
                .post("/nowhere")
                .header(Header::new("origin", APP))
                .dispatch(),
            Status::NotFound,
        ),
    ] {
        assert_eq!(res.status(), status);
        assert!(!reached(&res));
        assert_eq!(header(&res, "access-control-allow-origin"), Some(APP));
        assert_eq!(
            header(&res, "access-control-expose-headers"),
            Some("x-request-id")
        );
        assert_eq!(all(&res, "vary"), ["Origin"]);
    }

    // An application's own catcher too.
    let rocket = app()
        .register("/", catchers![not_found])
        .attach(CorsFairing::new(policy()));
    let client = Client::untracked(rocket).unwrap();
    let res = client
        .post("/nowhere")
        .header(Header::new("origin", APP))
        .dispatch();
    assert_eq!(res.status(), Status::NotFound);
    assert_eq!(header(&res, "access-control-allow-origin"), Some(APP));
    assert_eq!(res.into_string().as_deref(), Some("custom 404"));
}

#[test]
fn the_application_sees_why_a_request_was_refused() {
    let rocket = app()
        .mount("/", routes![reason_fn])
        .attach(CorsFairing::new(policy()));
    let client = Client::untracked(rocket).unwrap();
    for path in ["/reason", "/reason-fn"] {
        let res = client
            .get(path)
            .header(Header::new("origin", EVIL))
            .dispatch();
        assert!(reached(&res));
        assert_eq!(
            res.into_string().as_deref(),
            Some("CORS: origin `https://evil.example` is not allowed by the policy"),
            "{path}"
        );
        let res = client
            .get(path)
            .header(Header::new("origin", APP))
            .dispatch();
        assert_eq!(res.into_string().as_deref(), Some("none"), "{path}");
        let res = client.get(path).dispatch();
        assert_eq!(res.into_string().as_deref(), Some("none"), "{path}");
    }
}

#[test]
fn scopes_apply_their_own_policy() {
    let public = Cors::builder().allow_any_origin().build().unwrap();
    let admin = Cors::builder()
        .allow_origin("https://admin.example.com")
        .allow_credentials(true)
        .build()
        .unwrap();
    let client = client(
        CorsFairing::default()
            .scope("/public/", public)
            .scope("/admin", admin),
    );

    let res = client
        .get("/public/a")
        .header(Header::new("origin", APP))
        .dispatch();
    assert_eq!(header(&res, "access-control-allow-origin"), Some("*"));
    assert_eq!(header(&res, "access-control-allow-credentials"), None);

    for path in ["/admin", "/admin/users", "/%61dmin/users"] {
        let res = client
            .get(path)
            .header(Header::new("origin", "https://admin.example.com"))
            .dispatch();
        assert_eq!(
            header(&res, "access-control-allow-origin"),
            Some("https://admin.example.com"),
            "{path}"
        );
        assert_eq!(
            header(&res, "access-control-allow-credentials"),
            Some("true"),
            "{path}"
        );
        let res = client
            .get(path)
            .header(Header::new("origin", APP))
            .dispatch();
        assert_eq!(header(&res, "access-control-allow-origin"), None, "{path}");
    }

    // Under no base: no CORS at all, and Rocket answers preflights as it would without it.
    for path in ["/", "/administrators", "/publicity"] {
        let res = client
            .get(path)
            .header(Header::new("origin", APP))
            .dispatch();
        assert!(reached(&res));
        assert_eq!(header(&res, "access-control-allow-origin"), None, "{path}");
        assert_eq!(all(&res, "vary"), ["accept-encoding"], "{path}");
    }
    let res = preflight(&client, "/items", APP, "GET");
    assert!(reached(&res));
    assert_eq!(all(&res, "vary"), ["accept-encoding"]);

    // Preflights are answered per scope.
    let res = preflight(&client, "/public/a", EVIL, "GET");
    assert_eq!(res.status(), Status::NoContent);
    assert_eq!(header(&res, "access-control-allow-origin"), Some("*"));
    let res = preflight(&client, "/admin/users", EVIL, "GET");
    assert_eq!(res.status(), Status::Forbidden);
}

#[test]
fn the_most_specific_base_wins() {
    let everywhere = Cors::builder().allow_origin(APP).build().unwrap();
    let api = Cors::builder().allow_origin(EVIL).build().unwrap();
    let api_v2 = Cors::builder().allow_any_origin().build().unwrap();
    // Added in any order; a repeated base replaces the earlier policy.
    let fairing = CorsFairing::new(everywhere)
        .scope("/api/v2", api_v2)
        .scope("/api", api.clone())
        .scope("/api/", api);
    let client = client(fairing);
    let origin = |path: &'static str, origin: &'static str| {
        let res = client
            .get(path)
            .header(Header::new("origin", origin))
            .dispatch();
        header(&res, "access-control-allow-origin").map(str::to_owned)
    };
    assert_eq!(origin("/x", APP).as_deref(), Some(APP));
    assert_eq!(origin("/api/x", APP), None);
    assert_eq!(origin("/api/x", EVIL).as_deref(), Some(EVIL));
    assert_eq!(origin("/api/v2/x", APP).as_deref(), Some("*"));
    assert_eq!(origin("/api/v20", EVIL).as_deref(), Some(EVIL));
}

#[test]
fn a_second_fairing_replaces_the_first() {
    let other = Cors::builder().allow_origin(EVIL).build().unwrap();
    let rocket = app()
        .attach(CorsFairing::new(policy()))
        .attach(CorsFairing::new(other));
    let client = Client::untracked(rocket).unwrap();
    let res = client
        .get("/")
        .header(Header::new("origin", EVIL))
        .dispatch();
    assert_eq!(header(&res, "access-control-allow-origin"), Some(EVIL));
    assert_eq!(all(&res, "vary"), ["accept-encoding", "Origin"]);
}
