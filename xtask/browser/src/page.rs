//! The page server: the test page's own origin, which also sets the cookie.
//!
//! It listens on another port than the proxies, so the page's fetches are
//! cross-origin; but on the same host, 127.0.0.1, so they are same-site, and since
//! cookies are scoped to a host and not to a port, a `SameSite=Lax` cookie set here
//! goes along with a credentialed fetch to a proxy (Fetch #concept-request-credentials-mode,
//! RFC 6265bis "same-site").

use std::io::{BufReader, Write};

use crate::http::{read_request_head, Service};
use crate::process::unique_name;

/// The test page: runs fetches when WebDriver asks, and reports what the page saw.
pub const PAGE: &str = include_str!("../page/index.html");

/// The name of the cookie the page server sets.
pub const COOKIE_NAME: &str = "sid";

/// The page server; dropping it stops it.
pub struct PageServer {
    service: Service,
    cookie: String,
}

impl PageServer {
    /// Serves the page on a free loopback port.
    pub fn start() -> std::io::Result<PageServer> {
        // A value of its own per run, so a cookie from anywhere else can't pass for it.
        let value = unique_name("s").replace('-', "");
        let cookie = format!("{COOKIE_NAME}={value}");
        let set_cookie = format!("{cookie}; Path=/; SameSite=Lax");
        let service = Service::start(move |stream, _| {
            let mut reader = BufReader::new(&stream);
            let Ok(Some(head)) = read_request_head(&mut reader) else {
                return;
            };
            let response = match head.path() {
                "/" => format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\n\
                     cache-control: no-store\r\nset-cookie: {set_cookie}\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{PAGE}",
                    PAGE.len()
                ),
                _ => "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    .to_owned(),
            };
            let _ = (&stream).write_all(response.as_bytes());
        })?;
        Ok(PageServer { service, cookie })
    }

    /// `http://127.0.0.1:<port>`: the origin every fetch comes from.
    pub fn origin(&self) -> String {
        self.service.origin()
    }

    /// The page's URL.
    pub fn url(&self) -> String {
        format!("{}/", self.origin())
    }

    /// `sid=<value>`, as the browser sends it back.
    pub fn cookie(&self) -> &str {
        &self.cookie
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cors_conformance::client::{send, Request};

    #[test]
    fn serves_the_page_with_its_cookie() {
        let page = PageServer::start().unwrap();
        let response = send(page.service.addr(), &Request::get("/")).unwrap();
        assert_eq!(response.status, 200);
        assert!(String::from_utf8_lossy(&response.body).contains("runScenario"));
        let set_cookie = response.header("set-cookie").unwrap();
        assert_eq!(
            String::from_utf8_lossy(&set_cookie),
            format!("{}; Path=/; SameSite=Lax", page.cookie())
        );
        assert_eq!(
            send(page.service.addr(), &Request::get("/favicon.ico"))
                .unwrap()
                .status,
            404
        );
    }
}
