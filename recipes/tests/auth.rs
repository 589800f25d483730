//! Recipe 1: CORS in front of authentication, in actix-web, axum, Rocket and warp. Each
//! framework gets the same three requests a page at `https://app.example.com` makes:
//!
//! - the preflight for `GET /api/me` with `Authorization`: answered by CORS (204), never
//!   by the token check (401), which would make the browser report a CORS error;
//! - the actual request without a token: 401 *with* `Access-Control-Allow-Origin`, so the
//!   page can read the 401;
//! - the actual request with the token: 200, with the CORS headers.

#[allow(dead_code)]
#[path = "../examples/auth_actix.rs"]
mod actix;
#[allow(dead_code)]
#[path = "../examples/auth_axum.rs"]
mod axum_recipe;
#[allow(dead_code)]
#[path = "../examples/auth_rocket.rs"]
mod rocket_recipe;
#[allow(dead_code)]
#[path = "../examples/auth_warp.rs"]
mod warp_recipe;

const ORIGIN: &str = "https://app.example.com";
const TOKEN: &str = "Bearer let-me-in";

/// What the page sees of one response: status, the CORS headers it depends on, the body.
#[derive(Debug, PartialEq)]
struct Seen {
    status: u16,
    allow_origin: Option<String>,
    allow_headers: Option<String>,
    vary: Option<String>,
    body: String,
}

/// The three answers every framework must give; `what` names the framework.
fn check(what: &str, preflight: Seen, refused: Seen, signed_in: Seen) {
    assert_eq!(
        preflight,
        Seen {
            status: 204,
            allow_origin: Some(ORIGIN.into()),
            allow_headers: Some("authorization".into()),
            vary: Some(
                "Origin, Access-Control-Request-Method, Access-Control-Request-Headers".into()
            ),
            body: String::new(),
        },
        "{what}: the preflight"
    );
    assert_eq!(refused.status, 401, "{what}: no token");
    assert_eq!(
        refused.allow_origin.as_deref(),
        Some(ORIGIN),
        "{what}: the 401 is readable"
    );
    assert_eq!(
        refused.vary.as_deref(),
        Some("Origin"),
        "{what}: the 401's Vary"
    );
    assert_eq!(
        signed_in,
        Seen {
            status: 200,
            allow_origin: Some(ORIGIN.into()),
            allow_headers: None,
            vary: Some("Origin".into()),
            body: "you are signed in".into(),
        },
        "{what}: with the token"
    );
}

mod on_axum {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, Response};
    use axum::Router;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    fn preflight() -> Request<Body> {
        Request::options("/api/me")
            .header("origin", ORIGIN)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .body(Body::empty())
            .unwrap()
    }

    fn get(token: Option<&str>) -> Request<Body> {
        let mut request = Request::get("/api/me").header("origin", ORIGIN);
        if let Some(token) = token {
            request = request.header("authorization", token);
        }
        request.body(Body::empty()).unwrap()
    }

    async fn seen(app: &Router, request: Request<Body>) -> Seen {
        let response: Response<Body> = app.clone().oneshot(request).await.unwrap();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        Seen {
            status: response.status().as_u16(),
            allow_origin: header("access-control-allow-origin"),
            allow_headers: header("access-control-allow-headers"),
            vary: header("vary"),
            body: String::from_utf8(
                response
                    .into_body()
                    .collect()
                    .await
                    .unwrap()
                    .to_bytes()
                    .to_vec(),
            )
            .unwrap(),
        }
    }

    #[tokio::test]
    async fn cors_outside_authentication() {
        let app = axum_recipe::app(axum_recipe::policy()).with_state::<()>(());
        check(
            "axum",
            seen(&app, preflight()).await,
            seen(&app, get(None)).await,
            seen(&app, get(Some(TOKEN))).await,
        );
    }

    /// The mistake the recipe warns about, run: the token check answers the preflight, with
    /// no CORS header, and its 401 is unreadable to the page.
    #[tokio::test]
    async fn cors_inside_authentication_fails_the_preflight() {
        let app = axum_recipe::wrong_order(axum_recipe::policy()).with_state::<()>(());
        let preflight = seen(&app, preflight()).await;
        assert_eq!((preflight.status, preflight.allow_origin), (401, None));
        let refused = seen(&app, get(None)).await;
        assert_eq!((refused.status, refused.allow_origin), (401, None));
    }
}

mod on_actix {
    use super::*;
    use actix_web::http::Method;
    use actix_web::test::{self, TestRequest};

    fn preflight() -> TestRequest {
        TestRequest::default()
            .method(Method::OPTIONS)
            .uri("/api/me")
            .insert_header(("origin", ORIGIN))
            .insert_header(("access-control-request-method", "GET"))
            .insert_header(("access-control-request-headers", "authorization"))
    }

    fn get(token: Option<&str>) -> TestRequest {
        let request = TestRequest::get()
            .uri("/api/me")
            .insert_header(("origin", ORIGIN));
        match token {
            Some(token) => request.insert_header(("authorization", token)),
            None => request,
        }
    }

    #[actix_web::test]
    async fn cors_outside_authentication() {
        let app = test::init_service(actix::app(actix::policy())).await;
        let mut seen = Vec::new();
        for request in [preflight(), get(None), get(Some(TOKEN))] {
            // The token check answers with an `Err`; actix-web's server turns it into the
            // response the client sees with `Error::error_response`, which runs the mapper
            // through which `CorsMiddleware` adds its headers. So does this test.
            let response = match test::try_call_service(&app, request.to_request()).await {
                Ok(response) => response.into_parts().1.map_into_boxed_body(),
                Err(error) => error.error_response(),
            };
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .map(|v| v.to_str().unwrap().to_owned())
            };
            let (status, allow_origin, allow_headers, vary) = (
                response.status().as_u16(),
                header("access-control-allow-origin"),
                header("access-control-allow-headers"),
                header("vary"),
            );
            let body = actix_web::body::to_bytes(response.into_body())
                .await
                .unwrap();
            seen.push(Seen {
                status,
                allow_origin,
                allow_headers,
                vary,
                body: String::from_utf8(body.to_vec()).unwrap(),
            });
        }
        let [preflight, refused, signed_in] = <[Seen; 3]>::try_from(seen).unwrap();
        assert_eq!(refused.body, "sign in first");
        check("actix-web", preflight, refused, signed_in);
    }
}

mod on_rocket {
    use super::*;
    use rocket::http::Header;
    use rocket::local::blocking::{Client, LocalResponse};

    fn seen(response: LocalResponse<'_>) -> Seen {
        let header = |name: &str| response.headers().get_one(name).map(str::to_owned);
        Seen {
            status: response.status().code,
            allow_origin: header("access-control-allow-origin"),
            allow_headers: header("access-control-allow-headers"),
            vary: header("vary"),
            body: response.into_string().unwrap_or_default(),
        }
    }

    #[test]
    fn cors_outside_authentication() {
        let client = Client::untracked(rocket_recipe::app(rocket_recipe::policy())).unwrap();
        let preflight = client
            .options("/api/me")
            .header(Header::new("origin", ORIGIN))
            .header(Header::new("access-control-request-method", "GET"))
            .header(Header::new(
                "access-control-request-headers",
                "authorization",
            ))
            .dispatch();
        let refused = client
            .get("/api/me")
            .header(Header::new("origin", ORIGIN))
            .dispatch();
        let signed_in = client
            .get("/api/me")
            .header(Header::new("origin", ORIGIN))
            .header(Header::new("authorization", TOKEN))
            .dispatch();
        check("Rocket", seen(preflight), seen(refused), seen(signed_in));
    }
}

mod on_warp {
    use super::*;
    use warp::test::RequestBuilder;

    async fn seen(request: RequestBuilder) -> Seen {
        let response = request
            .reply(&warp_recipe::routes(warp_recipe::policy()))
            .await;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        Seen {
            status: response.status().as_u16(),
            allow_origin: header("access-control-allow-origin"),
            allow_headers: header("access-control-allow-headers"),
            vary: header("vary"),
            body: String::from_utf8(response.body().to_vec()).unwrap(),
        }
    }

    #[tokio::test]
    async fn cors_outside_authentication() {
        let get = || {
            warp::test::request()
                .path("/api/me")
                .header("origin", ORIGIN)
        };
        let preflight = warp::test::request()
            .method("OPTIONS")
            .path("/api/me")
            .header("origin", ORIGIN)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization");
        let refused = seen(get()).await;
        assert_eq!(refused.body, "sign in first");
        check(
            "warp",
            seen(preflight).await,
            refused,
            seen(get().header("authorization", TOKEN)).await,
        );
    }
}
