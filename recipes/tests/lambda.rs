//! Recipe 3: the Lambda function invoked in-process, without AWS, with API Gateway events
//! (REST API payload 1.0 and HTTP API payload 2.0, in `tests/fixtures/`). Each event goes
//! through `lambda_http`'s own adapter, the one `lambda_http::run` uses, so the request is
//! built from the event and the answer serialised for API Gateway exactly as on Lambda;
//! the test reads that JSON.

#[allow(dead_code)]
#[path = "../examples/lambda.rs"]
mod recipe;

use lambda_http::lambda_runtime::{Context, LambdaEvent};
use lambda_http::request::LambdaRequest;
use lambda_http::{Adapter, Service};
use serde_json::{json, Value};
use tower::ServiceExt;

/// Invokes the function with the event in `fixtures/NAME.json`, changed by `edit`, and
/// returns the JSON answer API Gateway would receive.
async fn invoke(name: &str, edit: impl FnOnce(&mut Value)) -> Value {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    edit(&mut event);
    let payload: LambdaRequest = serde_json::from_value(event).unwrap();
    let mut adapter = Adapter::from(recipe::service(recipe::policy()));
    let adapter = adapter.ready().await.unwrap();
    let answer = adapter
        .call(LambdaEvent::new(payload, Context::default()))
        .await
        .unwrap();
    serde_json::to_value(answer).unwrap()
}

/// A REST API answer's header (`multiValueHeaders`, which `lambda_http` fills), joined.
fn rest_header(answer: &Value, name: &str) -> Option<String> {
    let values = answer["multiValueHeaders"].get(name)?.as_array()?;
    let values: Vec<&str> = values.iter().map(|v| v.as_str().unwrap()).collect();
    Some(values.join(", "))
}

/// An HTTP API answer's header.
fn http_header<'a>(answer: &'a Value, name: &str) -> Option<&'a str> {
    answer["headers"].get(name)?.as_str()
}

#[tokio::test]
async fn rest_api_preflight() {
    let answer = invoke("rest-preflight", |_| {}).await;
    assert_eq!(answer["statusCode"], 204);
    assert_eq!(
        rest_header(&answer, "access-control-allow-origin").as_deref(),
        Some("https://app.example.com")
    );
    assert_eq!(
        rest_header(&answer, "access-control-allow-methods").as_deref(),
        Some("PUT")
    );
    assert_eq!(
        rest_header(&answer, "access-control-allow-headers").as_deref(),
        Some("authorization,content-type")
    );
    assert_eq!(
        rest_header(&answer, "access-control-max-age").as_deref(),
        Some("600")
    );
    assert_eq!(answer["body"].as_str().unwrap_or_default(), "");
}

#[tokio::test]
async fn rest_api_refused_preflight() {
    let answer = invoke("rest-preflight", |event| {
        event["headers"]["Access-Control-Request-Method"] = json!("PATCH");
        event["multiValueHeaders"]["Access-Control-Request-Method"] = json!(["PATCH"]);
    })
    .await;
    assert_eq!(answer["statusCode"], 403);
    assert_eq!(rest_header(&answer, "access-control-allow-origin"), None);
    assert_eq!(
        rest_header(&answer, "vary").as_deref(),
        Some("Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
    );
}

#[tokio::test]
async fn rest_api_actual_request() {
    let answer = invoke("rest-actual", |_| {}).await;
    assert_eq!(answer["statusCode"], 200);
    assert_eq!(answer["body"], "stored");
    assert_eq!(
        rest_header(&answer, "access-control-allow-origin").as_deref(),
        Some("https://app.example.com")
    );
    assert_eq!(
        rest_header(&answer, "access-control-expose-headers").as_deref(),
        Some("x-request-id")
    );
    assert_eq!(rest_header(&answer, "vary").as_deref(), Some("Origin"));
}

#[tokio::test]
async fn http_api_preflight() {
    let answer = invoke("http-preflight", |_| {}).await;
    assert_eq!(answer["statusCode"], 204);
    assert_eq!(
        http_header(&answer, "access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert_eq!(
        http_header(&answer, "access-control-allow-methods"),
        Some("DELETE")
    );
    assert_eq!(
        http_header(&answer, "access-control-allow-headers"),
        Some("authorization")
    );
}

#[tokio::test]
async fn http_api_actual_requests() {
    let answer = invoke("http-actual", |_| {}).await;
    assert_eq!(answer["statusCode"], 200);
    assert_eq!(answer["body"], "[]");
    assert_eq!(
        http_header(&answer, "access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert_eq!(http_header(&answer, "vary"), Some("Origin"));

    // The function's own 404 is readable by the page too.
    let answer = invoke("http-actual", |event| {
        event["rawPath"] = json!("/nowhere");
        event["requestContext"]["http"]["path"] = json!("/nowhere");
    })
    .await;
    assert_eq!(answer["statusCode"], 404);
    assert_eq!(
        http_header(&answer, "access-control-allow-origin"),
        Some("https://app.example.com")
    );

    // A refused origin is served without CORS headers: the browser withholds the answer.
    let answer = invoke("http-actual", |event| {
        event["headers"]["origin"] = json!("https://evil.example");
    })
    .await;
    assert_eq!(answer["statusCode"], 200);
    assert_eq!(http_header(&answer, "access-control-allow-origin"), None);
    assert_eq!(http_header(&answer, "vary"), Some("Origin"));
}
