//! gRPC-web from a browser, with tonic: `tonic-web` translates gRPC-web into gRPC, and
//! fetch-cors-axum's `CorsLayer` (a tower layer) answers the preflights a gRPC-web client
//! always causes.
//!
//! Every gRPC-web call is a `POST` with `content-type: application/grpc-web+proto` (not a
//! CORS-safelisted content type) and `x-grpc-web: 1`, so the browser preflights it; the
//! answer comes back with `grpc-status` and `grpc-message` as headers (for an error answered
//! at once) or in a trailer frame inside the body, and a script can read those headers only
//! if they are exposed. Hence the policy in [`policy`]:
//!
//! | request headers a client sends | why |
//! |---|---|
//! | `content-type` | `application/grpc-web+proto` / `application/grpc-web-text` |
//! | `x-grpc-web` | marks the request as gRPC-web (grpc-web and most clients send it) |
//! | `x-user-agent` | the client library's name (grpc-web sends `grpc-web-javascript/0.1`) |
//! | `grpc-timeout` | the call's deadline, when the client sets one |
//!
//! | response headers exposed | why |
//! |---|---|
//! | `grpc-status`, `grpc-message` | the call's outcome, when answered in headers |
//! | `grpc-status-details-bin` | rich error details (`google.rpc.Status`) |
//!
//! Add the names of your own metadata: every custom metadata key a client sends is a request
//! header to allow, every key the server sends back is a header to expose.
//!
//! Layer order: `Server::layer` stacks like `tower::ServiceBuilder`, the first added
//! outermost. `CorsLayer` goes first, outside `GrpcWebLayer`: a preflight is an `OPTIONS`
//! request with no gRPC in it, so it must be answered before it reaches the gRPC-web
//! translation and the gRPC router, which would answer it as an unknown method.
//!
//! The service is written by hand (messages with `prost`'s derive, the service as tonic's
//! `server::Grpc` with `tonic-prost`'s codec) so the recipe needs no `protoc`; with
//! `tonic-build` you would get the same `GreeterServer` from a `.proto` file.
//!
//! Run it with `cargo run -p fetch-cors-recipes --example grpc_web`; a grpc-web client on
//! `https://app.example.com` can then call `helloworld.Greeter/SayHello` on
//! `http://localhost:3000`.

use std::convert::Infallible;
use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::task::{Context, Poll};

use fetch_cors_axum::{Cors, CorsLayer};
use tonic::body::Body;
use tonic::server::{Grpc, NamedService, UnaryService};
use tonic::transport::server::TcpIncoming;
use tonic::transport::Server;
use tonic::{Request, Response, Status};
use tonic_web::GrpcWebLayer;

/// The CORS policy for gRPC-web clients on `https://app.example.com`.
pub fn policy() -> Cors {
    Cors::builder()
        .allow_origin("https://app.example.com")
        // gRPC-web only ever sends POST, which is CORS-safelisted: no method to list.
        .allow_headers(["content-type", "x-grpc-web", "x-user-agent", "grpc-timeout"])
        .expose_headers(["grpc-status", "grpc-message", "grpc-status-details-bin"])
        .max_age(600)
        .build()
        .expect("a valid policy")
}

/// `message HelloRequest { string name = 1; }`
#[derive(Clone, PartialEq, prost::Message)]
pub struct HelloRequest {
    #[prost(string, tag = "1")]
    pub name: String,
}

/// `message HelloReply { string message = 1; }`
#[derive(Clone, PartialEq, prost::Message)]
pub struct HelloReply {
    #[prost(string, tag = "1")]
    pub message: String,
}

/// `service Greeter { rpc SayHello(HelloRequest) returns (HelloReply); }`, as tonic-build
/// would generate it, reduced to one method.
#[derive(Clone, Default)]
pub struct GreeterServer;

impl NamedService for GreeterServer {
    const NAME: &'static str = "helloworld.Greeter";
}

/// The method's implementation: a greeting, or `INVALID_ARGUMENT` for an empty name.
struct SayHello;

impl UnaryService<HelloRequest> for SayHello {
    type Response = HelloReply;
    type Future = Ready<Result<Response<HelloReply>, Status>>;

    fn call(&mut self, request: Request<HelloRequest>) -> Self::Future {
        let name = request.into_inner().name;
        ready(if name.is_empty() {
            Err(Status::invalid_argument("name is empty"))
        } else {
            Ok(Response::new(HelloReply {
                message: format!("Hello, {name}!"),
            }))
        })
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl tower::Service<http::Request<Body>> for GreeterServer {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        match request.uri().path() {
            "/helloworld.Greeter/SayHello" => Box::pin(async move {
                let mut grpc = Grpc::new(tonic_prost::ProstCodec::default());
                Ok(grpc.unary(SayHello, request).await)
            }),
            _ => Box::pin(async { Ok(Status::unimplemented("no such method").into_http()) }),
        }
    }
}

/// Serves the greeter, gRPC and gRPC-web, behind the policy, on every connection `listener`
/// accepts.
pub async fn serve(
    listener: tokio::net::TcpListener,
    cors: Cors,
) -> Result<(), tonic::transport::Error> {
    Server::builder()
        // gRPC-web clients speak HTTP/1.1 (HTTP/2 only where the browser negotiates it).
        .accept_http1(true)
        // Outermost: answers preflights and adds the CORS headers to every answer.
        .layer(CorsLayer::new(cors))
        .layer(GrpcWebLayer::new())
        .add_service(GreeterServer)
        .serve_with_incoming(TcpIncoming::from(listener))
        .await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("gRPC and gRPC-web on http://{}", listener.local_addr()?);
    serve(listener, policy()).await?;
    Ok(())
}
