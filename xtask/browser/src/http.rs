//! The little HTTP/1.1 the page server and the proxy need: reading a request head and
//! body, a reader that forwards every byte it reads, and a loopback TCP service that
//! stops all its threads when dropped.
//!
//! Responses are read with the conformance suite's own parser
//! ([`cors_conformance::client::read_response`]).

use std::io::{self, BufRead, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// The longest request head accepted; the browser's are a few hundred bytes.
const MAX_HEAD: usize = 64 * 1024;

/// How long a connection may sit idle before its thread gives up on it, so that no
/// thread outlives a test even if a peer never closes.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// A request line and its header lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    /// As sent: browsers upper-case only the methods Fetch normalises.
    pub method: String,
    /// The request target: path and query.
    pub target: String,
    /// Header lines in arrival order, names as sent, values trimmed. Bytes that are
    /// not UTF-8 are replaced; the browser sends none.
    pub headers: Vec<(String, String)>,
}

impl RequestHead {
    /// The value of the first line named `name` (case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The target's path, without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }
}

/// Reads a request head; `None` when the connection ends cleanly before one starts.
pub fn read_request_head<R: BufRead>(reader: &mut R) -> io::Result<Option<RequestHead>> {
    let mut total = 0;
    let mut line = read_line(reader, &mut total)?;
    if line.is_none() {
        return Ok(None);
    }
    // RFC 9112 section 2.2: empty lines before the request line are ignored.
    while line.as_deref() == Some("") {
        line = read_line(reader, &mut total)?;
    }
    let line = line.ok_or_else(|| cut_short("request line"))?;
    let mut parts = line.splitn(3, ' ');
    let (Some(method), Some(target), Some(_version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid(format!("bad request line {line:?}")));
    };
    let mut head = RequestHead {
        method: method.to_owned(),
        target: target.to_owned(),
        headers: Vec::new(),
    };
    loop {
        let line = read_line(reader, &mut total)?.ok_or_else(|| cut_short("request head"))?;
        if line.is_empty() {
            return Ok(Some(head));
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| invalid(format!("header line without colon {line:?}")))?;
        head.headers
            .push((name.to_owned(), value.trim_matches([' ', '\t']).to_owned()));
    }
}

/// Reads the body that follows `head`: `Content-Length` bytes, or none.
///
/// Browsers send a known-length body for `fetch()` with a string body; a chunked
/// request body is refused rather than half-supported.
pub fn read_request_body<R: BufRead>(reader: &mut R, head: &RequestHead) -> io::Result<Vec<u8>> {
    if head.header("transfer-encoding").is_some() {
        return Err(invalid(
            "a request with Transfer-Encoding; only Content-Length bodies are supported".into(),
        ));
    }
    let Some(length) = head.header("content-length") else {
        return Ok(Vec::new());
    };
    let length: usize = length
        .parse()
        .map_err(|_| invalid(format!("bad content-length {length:?}")))?;
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(body)
}

/// One line without its line break; `None` at a clean end of input.
fn read_line<R: BufRead>(reader: &mut R, total: &mut usize) -> io::Result<Option<String>> {
    let mut bytes = Vec::new();
    let limit = (MAX_HEAD - *total) as u64 + 1;
    reader.take(limit).read_until(b'\n', &mut bytes)?;
    *total += bytes.len();
    if *total > MAX_HEAD {
        return Err(invalid(format!(
            "request head longer than {MAX_HEAD} bytes"
        )));
    }
    if bytes.is_empty() {
        return Ok(None);
    }
    if bytes.pop() != Some(b'\n') {
        return Err(cut_short("request head"));
    }
    if bytes.last() == Some(&b'\r') {
        bytes.pop();
    }
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

fn cut_short(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!("connection closed in the middle of the {what}"),
    )
}

/// A reader that writes every byte it reads to `to` before handing it on: put a
/// parser on top and the bytes pass through unchanged, exactly when they arrive.
pub struct Tee<R, W> {
    /// Where the bytes come from.
    pub from: R,
    /// Where a copy goes.
    pub to: W,
}

impl<R: Read, W: Write> Read for Tee<R, W> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.from.read(buf)?;
        self.to.write_all(&buf[..n])?;
        self.to.flush()?;
        Ok(n)
    }
}

/// The connections of a [`Service`]: their sockets, to shut them down, and their
/// threads, to join them.
#[derive(Default)]
pub struct Connections {
    stopped: AtomicBool,
    streams: Mutex<Vec<TcpStream>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl Connections {
    /// Shuts `stream` down when the service stops (at once, if it has stopped). Sets
    /// the idle timeouts too.
    pub fn track(&self, stream: &TcpStream) {
        let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
        let _ = stream.set_write_timeout(Some(IDLE_TIMEOUT));
        if let Ok(clone) = stream.try_clone() {
            self.streams.lock().expect("not poisoned").push(clone);
        }
        if self.stopped.load(Ordering::Acquire) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// Runs `work` on a thread the service joins when it stops.
    pub fn spawn(&self, work: impl FnOnce() + Send + 'static) {
        let handle = thread::spawn(work);
        self.threads.lock().expect("not poisoned").push(handle);
    }

    fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        for stream in self.streams.lock().expect("not poisoned").drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
        // A thread may start another while we join: take them one at a time.
        loop {
            let next = self.threads.lock().expect("not poisoned").pop();
            match next {
                Some(handle) => {
                    let _ = handle.join();
                }
                None => break,
            }
        }
    }
}

/// A TCP server on 127.0.0.1 with a free port, each connection on a thread of its
/// own. Dropping it stops accepting, shuts every connection down and joins every
/// thread.
pub struct Service {
    addr: SocketAddr,
    connections: Arc<Connections>,
    acceptor: Option<JoinHandle<()>>,
}

impl Service {
    /// Starts serving; `handle` gets each accepted connection.
    pub fn start<H>(handle: H) -> io::Result<Service>
    where
        H: Fn(TcpStream, &Arc<Connections>) + Send + Sync + 'static,
    {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let connections = Arc::new(Connections::default());
        let handle = Arc::new(handle);
        let shared = Arc::clone(&connections);
        let acceptor = thread::spawn(move || {
            for stream in listener.incoming() {
                if shared.stopped.load(Ordering::Acquire) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                shared.track(&stream);
                let (handle, connections) = (Arc::clone(&handle), Arc::clone(&shared));
                shared.spawn(move || handle(stream, &connections));
            }
        });
        Ok(Service {
            addr,
            connections,
            acceptor: Some(acceptor),
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.connections.stopped.store(true, Ordering::Release);
        // Wake the acceptor, which then sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        self.connections.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(raw: &str) -> io::Result<Option<RequestHead>> {
        read_request_head(&mut raw.as_bytes())
    }

    #[test]
    fn request_head_and_body() {
        let raw = "\r\nPUT /x?s=1 HTTP/1.1\r\nHost: h\r\nContent-Length:  4 \r\n\r\nbodyGET";
        let mut reader = raw.as_bytes();
        let head = read_request_head(&mut reader).unwrap().unwrap();
        assert_eq!(head.method, "PUT");
        assert_eq!(head.target, "/x?s=1");
        assert_eq!(head.path(), "/x");
        assert_eq!(head.header("content-length"), Some("4"));
        assert_eq!(read_request_body(&mut reader, &head).unwrap(), b"body");
        assert_eq!(reader, b"GET");
    }

    #[test]
    fn clean_end_and_broken_heads() {
        assert_eq!(head("").unwrap(), None);
        assert!(head("GET / HTTP/1.1\r\nHost: h\r\n").is_err());
        assert!(head("GET /\r\n\r\n").is_err());
        assert!(head("GET / HTTP/1.1\r\nno colon\r\n\r\n").is_err());
        let long = format!("GET / HTTP/1.1\r\nx: {}\r\n\r\n", "a".repeat(MAX_HEAD));
        assert!(head(&long).is_err());
        let chunked = head("POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n")
            .unwrap()
            .unwrap();
        assert!(read_request_body(&mut &b""[..], &chunked).is_err());
    }

    #[test]
    fn tee_copies_what_it_reads() {
        let mut copy = Vec::new();
        let mut tee = Tee {
            from: &b"abc"[..],
            to: &mut copy,
        };
        let mut read = String::new();
        tee.read_to_string(&mut read).unwrap();
        assert_eq!(read, "abc");
        assert_eq!(copy, b"abc");
    }

    #[test]
    fn a_dropped_service_joins_its_threads() {
        let service = Service::start(|mut stream, _| {
            // Blocks until the service shuts the connection down.
            let _ = stream.read_to_end(&mut Vec::new());
        })
        .unwrap();
        let client = TcpStream::connect(service.addr()).unwrap();
        let started = std::time::Instant::now();
        drop(service);
        assert!(started.elapsed() < Duration::from_secs(5));
        drop(client);
    }
}
