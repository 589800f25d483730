//! A logging TCP proxy in front of a conformance server.
//!
//! The contract's handler counts nothing and sets no cookie, and must stay that way,
//! so what the tests need to know about the wire is learnt here instead: the browser
//! talks to the proxy, the proxy passes every byte on unchanged, both ways, and
//! records each request (method, target, header lines, body) with the response the
//! server gave it. That is how a test counts preflights, sees whether the cookie was
//! sent, and compares the body the page read with the one the server sent.

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cors_conformance::client::{read_response, Response};

use crate::http::{read_request_body, read_request_head, Connections, RequestHead, Service, Tee};
use crate::process::poll_until;

/// How long connecting to the server may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// One request as the server got it, and what it answered.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The request line and header lines.
    pub request: RequestHead,
    /// The request body.
    pub body: Vec<u8>,
    /// The server's response, once it has come.
    pub response: Option<Response>,
    /// Why the exchange broke off, if it did.
    pub error: Option<String>,
}

impl Exchange {
    /// Whether the request is a CORS preflight: `OPTIONS` with
    /// `Access-Control-Request-Method` (Fetch #http-requests).
    pub fn is_preflight(&self) -> bool {
        self.request.method == "OPTIONS"
            && self
                .request
                .header("access-control-request-method")
                .is_some()
    }

    /// Whether the request never got whole to the server, nor an answer: its
    /// `Content-Length` promised a body that has not come, and nothing broke off.
    pub fn is_unfinished(&self) -> bool {
        let promised = self
            .request
            .header("content-length")
            .and_then(|length| length.parse::<usize>().ok())
            .unwrap_or(0);
        self.response.is_none() && self.error.is_none() && self.body.len() < promised
    }

    fn is_settled(&self) -> bool {
        self.response.is_some() || self.error.is_some()
    }

    /// `OPTIONS /?scenario=3 → 204`, for failure messages.
    pub fn summary(&self) -> String {
        let outcome = match (&self.response, &self.error) {
            (Some(response), _) => response.status.to_string(),
            (None, Some(error)) => error.clone(),
            (None, None) => "no response yet".to_owned(),
        };
        format!(
            "{} {} → {outcome}",
            self.request.method, self.request.target
        )
    }
}

type Log = Arc<Mutex<Vec<Exchange>>>;

/// The proxy; dropping it closes every connection and joins every thread.
pub struct Proxy {
    service: Service,
    log: Log,
}

impl Proxy {
    /// Listens on a free loopback port and relays each connection to `upstream`.
    pub fn start(upstream: SocketAddr) -> std::io::Result<Proxy> {
        let log = Log::default();
        let shared = Arc::clone(&log);
        let service = Service::start(move |client, connections| {
            relay(client, upstream, &shared, connections);
        })?;
        Ok(Proxy { service, log })
    }

    /// `http://127.0.0.1:<port>`: the origin the page fetches from.
    pub fn origin(&self) -> String {
        self.service.origin()
    }

    /// The exchanges whose target ends with `marker`, once each has its response
    /// (waiting up to `limit` for the last ones), in the order the requests came.
    pub fn exchanges(&self, marker: &str, limit: Duration) -> Vec<Exchange> {
        let matching = || -> Vec<Exchange> {
            let log = self.log.lock().expect("not poisoned");
            log.iter()
                .filter(|e| e.request.target.ends_with(marker))
                .cloned()
                .collect()
        };
        poll_until(limit, || {
            let exchanges = matching();
            exchanges
                .iter()
                .all(Exchange::is_settled)
                .then_some(exchanges)
        })
        .unwrap_or_else(matching)
    }
}

/// Relays one browser connection: requests on this thread, responses on another.
/// Requests are parsed as they pass so that each response can be matched with its
/// request (HTTP/1.1 answers in order) and read with the right framing.
fn relay(client: TcpStream, upstream: SocketAddr, log: &Log, connections: &Arc<Connections>) {
    let Ok(server) = TcpStream::connect_timeout(&upstream, CONNECT_TIMEOUT) else {
        return;
    };
    connections.track(&server);
    let (Ok(client_copy), Ok(server_copy), Ok(server_reader), Ok(client_writer)) = (
        client.try_clone(),
        server.try_clone(),
        server.try_clone(),
        client.try_clone(),
    ) else {
        return;
    };

    // The response side. It waits for the server to send something (or to close the
    // connection, which the browser must then see at once), then for the request it
    // answers: its log index, and its method, because a response to HEAD has no
    // body whatever its headers say.
    let (pending, requests) = mpsc::channel::<(usize, String)>();
    let responses_log = Arc::clone(log);
    connections.spawn(move || {
        let mut reader = BufReader::new(Tee {
            from: server_reader,
            to: client_writer,
        });
        while reader.fill_buf().is_ok_and(|bytes| !bytes.is_empty()) {
            let Ok((index, method)) = requests.recv() else {
                break;
            };
            let result = read_response(&mut reader, &method);
            let mut log = responses_log.lock().expect("not poisoned");
            match result {
                Ok(response) => log[index].response = Some(response),
                Err(error) => {
                    log[index].error = Some(format!("reading the response: {error}"));
                    break;
                }
            }
        }
        // The server is done (or gone): so is the browser's connection.
        let _ = reader.get_mut().to.shutdown(Shutdown::Both);
    });

    // The request side. What it reads is held back until the request is in the log:
    // were it passed on at once, the response could reach the page before the log
    // knew of the request, and a test counting requests would miss it.
    let mut reader = BufReader::new(Tee {
        from: client_copy,
        to: Vec::new(),
    });
    let mut server_writer = server_copy;
    while let Ok(Some(head)) = read_request_head(&mut reader) {
        let index = {
            let mut log = log.lock().expect("not poisoned");
            log.push(Exchange {
                request: head.clone(),
                body: Vec::new(),
                response: None,
                error: None,
            });
            log.len() - 1
        };
        if pass_on(&mut reader, &mut server_writer).is_err() {
            break;
        }
        let body = read_request_body(&mut reader, &head);
        let passed = pass_on(&mut reader, &mut server_writer);
        match body {
            Ok(body) => log.lock().expect("not poisoned")[index].body = body,
            Err(error) => {
                log.lock().expect("not poisoned")[index].error =
                    Some(format!("reading the request body: {error}"));
                break;
            }
        }
        if passed.is_err() || pending.send((index, head.method)).is_err() {
            break;
        }
    }
    drop(pending);
    let _ = server.shutdown(Shutdown::Write);
    drop(client);
}

/// Sends the bytes the request side has read so far on to the server, unchanged.
/// (Browsers do not pipeline, so these are the current request's bytes only.)
fn pass_on(
    reader: &mut BufReader<Tee<TcpStream, Vec<u8>>>,
    server: &mut TcpStream,
) -> std::io::Result<()> {
    let read = &mut reader.get_mut().to;
    server.write_all(read)?;
    read.clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// A stand-in server: answers every request with its method and body, keeping the
    /// connection open.
    fn echo_server() -> Service {
        Service::start(|stream, _| {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut writer = stream;
            while let Ok(Some(head)) = read_request_head(&mut reader) {
                let body = read_request_body(&mut reader, &head).unwrap();
                let text = format!("{} {}", head.method, String::from_utf8_lossy(&body));
                let response = if head.method == "HEAD" {
                    "HTTP/1.1 200 OK\r\ncontent-length: 99\r\n\r\n".to_owned()
                } else {
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{text}",
                        text.len()
                    )
                };
                writer.write_all(response.as_bytes()).unwrap();
            }
        })
        .unwrap()
    }

    #[test]
    fn relays_and_records_a_keep_alive_connection() {
        let server = echo_server();
        let proxy = Proxy::start(server.addr()).unwrap();
        // One request at a time on one connection, as browsers do (they don't pipeline).
        let stream = TcpStream::connect(proxy.service.addr()).unwrap();
        let mut writer = stream.try_clone().unwrap();
        let mut reader = BufReader::new(stream);
        let mut exchange = |request: &[u8], method: &str| {
            writer.write_all(request).unwrap();
            read_response(&mut reader, method).unwrap()
        };
        let first = exchange(
            b"PUT /a?s=1 HTTP/1.1\r\nhost: h\r\ncookie: sid=x\r\ncontent-length: 5\r\n\r\nhello",
            "PUT",
        );
        assert_eq!(first.body, b"PUT hello");
        // Logged before its bytes went on: no wait needed to find it.
        assert_eq!(proxy.exchanges("s=1", Duration::ZERO).len(), 1);
        let second = exchange(b"HEAD /b?s=1 HTTP/1.1\r\nhost: h\r\n\r\n", "HEAD");
        assert!(second.body.is_empty());
        let third = exchange(
            b"OPTIONS /c?s=2 HTTP/1.1\r\naccess-control-request-method: PUT\r\n\r\n",
            "OPTIONS",
        );
        assert_eq!(third.body, b"OPTIONS ");

        let first_two = proxy.exchanges("s=1", Duration::from_secs(5));
        assert_eq!(first_two.len(), 2);
        assert_eq!(first_two[0].request.header("cookie"), Some("sid=x"));
        assert_eq!(first_two[0].body, b"hello");
        assert_eq!(first_two[0].summary(), "PUT /a?s=1 → 200");
        assert!(!first_two[1].is_preflight());
        let last = proxy.exchanges("s=2", Duration::from_secs(5));
        assert!(last[0].is_preflight());

        // The proxy ends the browser's stream when the server ends its own.
        drop(server);
        let mut rest = Vec::new();
        let _ = reader.read_until(b'\n', &mut rest);
        let _ = reader.read_to_end(&mut rest);
        assert!(rest.is_empty());
        drop(proxy);
    }
}
