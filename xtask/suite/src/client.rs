//! A raw HTTP/1.1 client that writes requests byte for byte and reads responses as
//! bytes.
//!
//! An ordinary HTTP client would get in the way of a conformance test: it merges
//! duplicate header lines, refuses non-UTF-8 values and adds headers of its own. This
//! one writes exactly the header lines it is given, in order, and keeps every response
//! header line as it arrived, so that a case can send two `Origin` lines or a byte
//! `0xFF`, and check that a CORS header was sent once and not twice.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// How long connecting, each write and each read may take before the request fails.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// A request as it goes on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The method token, written as is (`GET`, `patch`, ...).
    pub method: String,
    /// The request target, written as is (`/`, `/missing/deeper`).
    pub path: String,
    /// Header lines in the order they are written; names and values are not checked,
    /// so duplicates and non-UTF-8 bytes go out as given.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body; when it is non-empty and no `Content-Length` line is given, one is
    /// added.
    pub body: Vec<u8>,
}

impl Request {
    /// A `GET /` without headers.
    pub fn get(path: &str) -> Self {
        Request {
            method: "GET".to_owned(),
            path: path.to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Whether a header line named `name` (compared case-insensitively) is present.
    pub fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// The bytes this request is sent as to a server at `host` (`127.0.0.1:8080`).
    ///
    /// `Host` and `Connection: close` are added unless the request sets them itself:
    /// HTTP/1.1 requires the one, and the other lets every response be read to its
    /// end without keeping connections around.
    pub fn to_bytes(&self, host: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(format!("{} {} HTTP/1.1\r\n", self.method, self.path).as_bytes());
        if !self.has_header("host") {
            out.extend_from_slice(format!("Host: {host}\r\n").as_bytes());
        }
        for (name, value) in &self.headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        if !self.has_header("connection") {
            out.extend_from_slice(b"Connection: close\r\n");
        }
        if !self.body.is_empty() && !self.has_header("content-length") {
            out.extend_from_slice(format!("Content-Length: {}\r\n", self.body.len()).as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

/// A response as it came off the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Header lines in arrival order, the value without surrounding whitespace.
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
    /// The body with any chunked transfer coding removed.
    pub body: Vec<u8>,
}

impl Response {
    /// The values of every line named `name` (compared case-insensitively), in order.
    pub fn header_lines<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v.as_slice())
    }

    /// The field value of `name`: its lines joined with `", "`, as HTTP combines
    /// repeated fields, or `None` when no line has that name.
    pub fn header(&self, name: &str) -> Option<Vec<u8>> {
        let mut lines = self.header_lines(name);
        let mut value = lines.next()?.to_vec();
        for line in lines {
            value.extend_from_slice(b", ");
            value.extend_from_slice(line);
        }
        Some(value)
    }

    /// The status and header lines, one per line, long values cut short, for failure
    /// messages.
    pub fn head_text(&self) -> String {
        let mut text = format!("{}\n", self.status);
        for (name, value) in &self.headers {
            text.push_str(&format!("{}: {}\n", escape(name), preview(value)));
        }
        text
    }
}

/// Shows bytes as text: printable ASCII as is, anything else as `\xHH`.
pub fn escape(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\\' => text.push_str("\\\\"),
            0x20..=0x7e => text.push(b as char),
            _ => text.push_str(&format!("\\x{b:02X}")),
        }
    }
    text
}

/// Like [`escape`], but a value longer than 160 bytes is cut short and its length
/// given: an 8 KiB header would drown a failure message.
pub fn preview(bytes: &[u8]) -> String {
    const SHOWN: usize = 160;
    if bytes.len() <= SHOWN {
        return escape(bytes);
    }
    format!("{}... ({} bytes)", escape(&bytes[..SHOWN]), bytes.len())
}

/// Sends `request` to `addr` over a fresh connection and reads the whole response.
pub fn send(addr: SocketAddr, request: &Request) -> io::Result<Response> {
    let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    stream.write_all(&request.to_bytes(&addr.to_string()))?;
    stream.flush()?;
    read_response(BufReader::new(stream), &request.method)
}

/// Reads one response to a request made with `method` from `reader`.
///
/// The body is delimited as RFC 9112 section 6.3 says: none for `HEAD`, 1xx, 204 and
/// 304; otherwise chunked, then `Content-Length`, then the end of the connection.
/// Interim 1xx responses are skipped.
pub fn read_response<R: BufRead>(mut reader: R, method: &str) -> io::Result<Response> {
    let (status, headers) = loop {
        let (status, headers) = read_head(&mut reader)?;
        if !(100..200).contains(&status) || status == 101 {
            break (status, headers);
        }
    };
    let mut response = Response {
        status,
        headers,
        body: Vec::new(),
    };
    if method.eq_ignore_ascii_case("HEAD")
        || (100..200).contains(&status)
        || status == 204
        || status == 304
    {
        return Ok(response);
    }
    let chunked = response
        .header("transfer-encoding")
        .map(|te| {
            te.split(|&b| b == b',')
                .next_back()
                .is_some_and(|coding| trim(coding).eq_ignore_ascii_case(b"chunked"))
        })
        .unwrap_or(false);
    if chunked {
        response.body = read_chunked(&mut reader)?;
    } else if let Some(length) = response.header("content-length") {
        let length = parse_decimal(&length)
            .ok_or_else(|| invalid(format!("bad content-length {:?}", escape(&length))))?;
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        response.body = body;
    } else {
        reader.read_to_end(&mut response.body)?;
    }
    Ok(response)
}

type Head = (u16, Vec<(Vec<u8>, Vec<u8>)>);

/// Reads a status line and header lines up to the empty line that ends them.
fn read_head<R: BufRead>(reader: &mut R) -> io::Result<Head> {
    let status_line = read_line(reader)?;
    let status = parse_status_line(&status_line)
        .ok_or_else(|| invalid(format!("bad status line {:?}", escape(&status_line))))?;
    let mut headers: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    loop {
        let line = read_line(reader)?;
        if line.is_empty() {
            return Ok((status, headers));
        }
        if line[0] == b' ' || line[0] == b'\t' {
            // Obsolete line folding (RFC 9112 section 5.2): part of the previous value.
            let (_, value) = headers
                .last_mut()
                .ok_or_else(|| invalid("continuation line before any header".to_owned()))?;
            value.push(b' ');
            value.extend_from_slice(trim(&line));
            continue;
        }
        let colon = line
            .iter()
            .position(|&b| b == b':')
            .ok_or_else(|| invalid(format!("header line without colon {:?}", escape(&line))))?;
        headers.push((line[..colon].to_vec(), trim(&line[colon + 1..]).to_vec()));
    }
}

/// Reads one line and strips its `\r\n` (or bare `\n`); a line cut off by the end of
/// the connection is an error.
fn read_line<R: BufRead>(reader: &mut R) -> io::Result<Vec<u8>> {
    let mut line = Vec::new();
    reader.read_until(b'\n', &mut line)?;
    if line.last() != Some(&b'\n') {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed in the middle of the response head",
        ));
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(line)
}

/// `HTTP/1.1 204 No Content` → 204.
fn parse_status_line(line: &[u8]) -> Option<u16> {
    let rest = line.strip_prefix(b"HTTP/1.")?;
    let code = rest.get(2..5)?;
    if rest.get(1) != Some(&b' ') || rest.get(5).is_some_and(|&b| b != b' ') {
        return None;
    }
    let code = u16::try_from(parse_decimal(code)?).ok()?;
    (100..1000).contains(&code).then_some(code)
}

/// Decodes a chunked body (RFC 9112 section 7.1), discarding extensions and trailers.
fn read_chunked<R: BufRead>(reader: &mut R) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line = read_line(reader)?;
        let size = line.split(|&b| b == b';').next().unwrap_or_default();
        let size = std::str::from_utf8(trim(size))
            .ok()
            .and_then(|s| usize::from_str_radix(s, 16).ok())
            .ok_or_else(|| invalid(format!("bad chunk size line {:?}", escape(&line))))?;
        if size == 0 {
            while !read_line(reader)?.is_empty() {}
            return Ok(body);
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        if !read_line(reader)?.is_empty() {
            return Err(invalid("chunk data longer than its size".to_owned()));
        }
    }
}

fn parse_decimal(bytes: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(bytes).ok()?;
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Strips optional whitespace (spaces and tabs) from both ends.
fn trim(bytes: &[u8]) -> &[u8] {
    let is_ows = |b: &u8| *b == b' ' || *b == b'\t';
    let start = bytes.iter().position(|b| !is_ows(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_ows(b))
        .map_or(start, |i| i + 1);
    &bytes[start..end]
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str, method: &str) -> Response {
        read_response(raw.as_bytes(), method).expect("response parses")
    }

    #[test]
    fn request_adds_host_and_connection_but_keeps_order_and_bytes() {
        let mut request = Request::get("/x");
        request
            .headers
            .push(("Origin".into(), b"https://a.test".to_vec()));
        request.headers.push(("origin".into(), vec![0xff]));
        let bytes = request.to_bytes("127.0.0.1:1");
        assert_eq!(
            bytes,
            b"GET /x HTTP/1.1\r\nHost: 127.0.0.1:1\r\nOrigin: https://a.test\r\norigin: \xff\r\nConnection: close\r\n\r\n"
        );
    }

    #[test]
    fn request_keeps_its_own_host_and_connection() {
        let mut request = Request::get("/");
        request.headers.push(("host".into(), b"h".to_vec()));
        request
            .headers
            .push(("connection".into(), b"keep-alive".to_vec()));
        request.body = b"hi".to_vec();
        let bytes = request.to_bytes("127.0.0.1:1");
        assert_eq!(
            bytes,
            b"GET / HTTP/1.1\r\nhost: h\r\nconnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi"
        );
    }

    #[test]
    fn content_length_body() {
        let r = parse(
            "HTTP/1.1 200 OK\r\nVary: a\r\ncontent-length: 2\r\nvary:  b \r\n\r\nokEXTRA",
            "GET",
        );
        assert_eq!(r.status, 200);
        assert_eq!(r.body, b"ok");
        assert_eq!(r.header("VARY").unwrap(), b"a, b");
        assert_eq!(r.header("x"), None);
    }

    #[test]
    fn chunked_body() {
        let r = parse(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;ext=1\r\no\r\n1\r\nk\r\n0\r\nTrailer: x\r\n\r\n",
            "GET",
        );
        assert_eq!(r.body, b"ok");
    }

    #[test]
    fn close_delimited_body() {
        let r = parse("HTTP/1.0 500 Internal Server Error\nx: y\n\nboom", "GET");
        assert_eq!(r.status, 500);
        assert_eq!(r.body, b"boom");
    }

    #[test]
    fn no_body_for_head_204_and_304() {
        assert!(
            parse("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n", "HEAD")
                .body
                .is_empty()
        );
        assert!(parse("HTTP/1.1 204 No Content\r\n\r\n", "OPTIONS")
            .body
            .is_empty());
        assert!(parse("HTTP/1.1 304 Not Modified\r\n\r\n", "GET")
            .body
            .is_empty());
    }

    #[test]
    fn interim_responses_are_skipped() {
        let r = parse(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n",
            "OPTIONS",
        );
        assert_eq!(r.status, 403);
    }

    #[test]
    fn non_utf8_header_bytes_are_kept() {
        let r = read_response(&b"HTTP/1.1 200 OK\r\nx: \xff\r\n\r\n"[..], "HEAD").unwrap();
        assert_eq!(r.header("x").unwrap(), b"\xff");
        assert_eq!(r.head_text(), "200\nx: \\xFF\n");
        assert_eq!(
            preview(&[b'a'; 161]),
            format!("{}... (161 bytes)", "a".repeat(160))
        );
    }

    #[test]
    fn malformed_responses_are_errors() {
        assert!(read_response(&b"HTTP/1.1 200 OK\r\nx: y\r\n"[..], "GET").is_err());
        assert!(read_response(&b"SPDY 200\r\n\r\n"[..], "GET").is_err());
        assert!(read_response(&b"HTTP/1.1 20 OK\r\n\r\n"[..], "GET").is_err());
        assert!(read_response(&b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n"[..], "GET").is_err());
        assert!(read_response(
            &b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nok"[..],
            "GET"
        )
        .is_err());
    }
}
