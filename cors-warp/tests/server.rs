//! The wrapper behind warp's real server, many requests at once on several threads: each
//! response carries the CORS headers of its own request, never another's.

use std::net::SocketAddr;

use fetch_cors_warp::Cors;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use warp::Filter;

/// Sends one request and returns the whole response, head and body, as text.
async fn exchange(addr: SocketAddr, request: String) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    String::from_utf8(response).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_keep_their_own_headers() {
    let cors = Cors::builder()
        .allow_origin_pattern("https://*.example.com")
        .allow_methods(["PUT"])
        .build()
        .unwrap();
    // The handler yields, so that requests interleave on the server's threads.
    let handler = warp::any().then(|| async {
        tokio::task::yield_now().await;
        "ok"
    });
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(
        warp::serve(fetch_cors_warp::wrap(cors, handler))
            .incoming(listener)
            .run(),
    );

    let clients = (0..400).map(|i| {
        tokio::spawn(async move {
            // Allowed and refused origins, actual requests and preflights, all mixed.
            let host = if i % 3 == 0 {
                "example.org"
            } else {
                "example.com"
            };
            let origin = format!("https://c{i}.{host}");
            let preflight = i % 2 == 0;
            let request = if preflight {
                format!(
                    "OPTIONS / HTTP/1.1\r\nhost: x\r\norigin: {origin}\r\n\
                     access-control-request-method: PUT\r\nconnection: close\r\n\r\n"
                )
            } else {
                format!(
                    "GET / HTTP/1.1\r\nhost: x\r\norigin: {origin}\r\nconnection: close\r\n\r\n"
                )
            };
            let response = exchange(addr, request).await.to_ascii_lowercase();
            let allowed = host == "example.com";
            let echo = format!("access-control-allow-origin: {origin}\r\n");
            assert_eq!(response.contains(&echo), allowed, "{origin}: {response}");
            assert_eq!(
                response.matches("access-control-allow-origin").count(),
                usize::from(allowed),
                "{origin}: {response}"
            );
            let status = match (preflight, allowed) {
                (true, true) => " 204 ",
                (true, false) => " 403 ",
                (false, _) => " 200 ",
            };
            assert!(
                response.starts_with(&format!("http/1.1{status}")),
                "{response}"
            );
        })
    });
    for client in clients.collect::<Vec<_>>() {
        client.await.unwrap();
    }
}
