//! actix-web 4: no CORS, actix-cors, and fetch-cors-actix, each through the service
//! `actix_web::test::init_service` makes, called as `actix_web::test::call_service` does.

use std::hint::black_box;
use std::rc::Rc;

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::{test, web, App, HttpResponse};

use super::{Answer, Framework, Measurement, Run, Runner, HANDLER_BODY, HANDLER_HEADER};
use crate::*;

/// The framework's apps.
pub fn framework() -> Framework {
    let system = Rc::new(actix_rt::System::new());
    Framework::build(
        "actix-web 4",
        "actix-cors 0.7",
        "fetch-cors-actix",
        "the service of `actix_web::test::init_service`, called as `test::call_service` does",
        Some,
        |row, policy| match (row, policy) {
            (Row::Baseline, _) | (_, None) => runner(&system, baseline_app()),
            (Row::Peer, Some(policy)) => runner(&system, peer_app(policy)),
            (Row::Ours, Some(policy)) => runner(&system, ours_app(policy)),
        },
    )
}

async fn handler() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((HANDLER_HEADER, "1"))
        .body(HANDLER_BODY)
}

/// What `App::new()` and `App::wrap` give, for the three functions below.
pub trait AppFactory:
    ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<Self::Body>,
        Error = actix_web::Error,
        InitError = (),
    > + 'static
{
    /// The response body.
    type Body: MessageBody + 'static;
}

impl<T, B> AppFactory for T
where
    T: ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<B>,
            Error = actix_web::Error,
            InitError = (),
        > + 'static,
    B: MessageBody + 'static,
{
    type Body = B;
}

/// A trivial `GET /` handler; no `OPTIONS` route.
pub fn baseline_app() -> App<impl AppFactory> {
    App::new().route("/", web::get().to(handler))
}

/// The app behind actix-cors.
pub fn peer_app(policy: Policy) -> App<impl AppFactory> {
    App::new()
        .wrap(peer(policy))
        .route("/", web::get().to(handler))
}

/// The app behind fetch-cors-actix.
pub fn ours_app(policy: Policy) -> App<impl AppFactory> {
    App::new()
        .wrap(fetch_cors_actix::CorsMiddleware::new(policy.cors()))
        .route("/", web::get().to(handler))
}

/// actix-cors for `policy`. actix-cors refuses a disallowed origin's actual request with a
/// 400 of its own by default; `block_on_origin_mismatch(false)` lets it reach the handler
/// without `Access-Control-Allow-Origin`, as the Fetch standard and fetch-cors-actix do, so both
/// rows do the same work.
pub fn peer(policy: Policy) -> actix_cors::Cors {
    let listing = |cors: actix_cors::Cors| {
        cors.allowed_methods(ALLOWED_METHODS)
            .allowed_headers(ALLOWED_HEADERS)
            .supports_credentials()
            .max_age(MAX_AGE as usize)
            .block_on_origin_mismatch(false)
    };
    let cors = actix_cors::Cors::default();
    match policy {
        Policy::One => listing(cors.allowed_origin(ALLOWED_ORIGIN)),
        Policy::Thousand => listing(
            thousand_origins()
                .iter()
                .fold(cors, |cors, origin| cors.allowed_origin(origin)),
        ),
        // actix-cors has no patterns: a predicate, for origins the list did not allow.
        Policy::Pattern => listing(
            cors.allowed_origin(ALLOWED_ORIGIN)
                .allowed_origin_fn(|origin, _| origin.to_str().is_ok_and(matches_pattern)),
        ),
        Policy::Any => cors
            .allow_any_origin()
            .allow_any_method()
            .allow_any_header()
            .block_on_origin_mismatch(false),
    }
}

/// The request of `scenario`, its header values `from_static` as a server's would be
/// shared.
pub fn request(scenario: Scenario) -> Request {
    let mut req = test::TestRequest::default()
        .method(Method::from_bytes(scenario.method().as_bytes()).unwrap())
        .uri("/");
    for (name, value) in scenario.headers() {
        req = req.append_header((
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        ));
    }
    req.to_request()
}

fn runner<T: AppFactory>(system: &Rc<actix_rt::SystemRunner>, app: App<T>) -> Box<dyn Runner> {
    let service = system.block_on(test::init_service(app));
    Box::new(ActixRunner {
        system: Rc::clone(system),
        service,
    })
}

struct ActixRunner<S> {
    system: Rc<actix_rt::SystemRunner>,
    service: S,
}

impl<S, B> ActixRunner<S>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    /// The response, as the server makes one: an error becomes its error response.
    async fn call(&self, req: Request) -> HttpResponse {
        match self.service.call(req).await {
            Ok(response) => response.into_parts().1.map_into_boxed_body(),
            Err(error) => error.error_response(),
        }
    }
}

impl<S, B> Runner for ActixRunner<S>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    fn run(&self, scenario: Scenario, iters: u64, count_allocations: bool) -> Run {
        let requests: Vec<Request> = (0..iters).map(|_| request(scenario)).collect();
        self.system.block_on(async {
            let measurement = Measurement::start(count_allocations);
            for req in requests {
                black_box(self.call(req).await);
            }
            measurement.stop()
        })
    }

    fn answer(&self, scenario: Scenario) -> Answer {
        let response = self.system.block_on(self.call(request(scenario)));
        Answer::new(
            response.status().as_u16(),
            response
                .headers()
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_bytes())),
        )
    }
}
