//! The few parts of a request that CORS reads, borrowed from the framework's request.

use std::fmt;

use http::header::HeaderValue;

use crate::header::MAX_REQUEST_HEADERS_LINES;
use crate::response::{Echo, Value};

/// A request header CORS reads. Part of the [adapter kit](crate::adapter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestHeader {
    /// `Origin`
    Origin,
    /// `Access-Control-Request-Method`
    RequestMethod,
    /// `Access-Control-Request-Headers`
    RequestHeaders,
    /// `Access-Control-Request-Private-Network`
    RequestPrivateNetwork,
}

impl RequestHeader {
    /// All four.
    pub const ALL: [RequestHeader; 4] = [
        RequestHeader::Origin,
        RequestHeader::RequestMethod,
        RequestHeader::RequestHeaders,
        RequestHeader::RequestPrivateNetwork,
    ];

    /// The header called `name` (in any case), if it is one CORS reads.
    ///
    /// ```
    /// use fetch_cors::adapter::RequestHeader;
    ///
    /// assert_eq!(RequestHeader::from_name(b"Origin"), Some(RequestHeader::Origin));
    /// assert_eq!(RequestHeader::from_name(b"accept"), None);
    /// ```
    pub fn from_name(name: &[u8]) -> Option<RequestHeader> {
        RequestHeader::ALL
            .into_iter()
            .find(|header| name.eq_ignore_ascii_case(header.as_str().as_bytes()))
    }

    /// The lower-case header name.
    pub const fn as_str(self) -> &'static str {
        match self {
            RequestHeader::Origin => "origin",
            RequestHeader::RequestMethod => "access-control-request-method",
            RequestHeader::RequestHeaders => "access-control-request-headers",
            RequestHeader::RequestPrivateNetwork => "access-control-request-private-network",
        }
    }
}

/// One header the request may carry several times: the first value and how many lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Lines<'a> {
    pub(crate) first: Option<&'a [u8]>,
    pub(crate) count: usize,
}

impl<'a> Lines<'a> {
    #[inline]
    fn push(&mut self, value: &'a [u8]) {
        if self.first.is_none() {
            self.first = Some(value);
        }
        self.count = self.count.saturating_add(1);
    }

    /// The value when there is exactly one line.
    #[inline]
    pub(crate) fn single(&self) -> Option<&'a [u8]> {
        if self.count == 1 {
            self.first
        } else {
            None
        }
    }
}

/// A borrowed view of a request: its method and every line of the four headers CORS reads,
/// as raw bytes, so that any framework (on `http` 1.x, 0.2, or its own types) can fill it in
/// without converting or allocating.
///
/// Fill it with one call per header line, in order; the core decides what duplicates mean.
///
/// ```
/// use fetch_cors::CorsRequest;
///
/// let mut req = CorsRequest::new(b"OPTIONS");
/// req.add_origin(b"https://app.example.com");
/// req.add_request_method(b"PUT");
/// req.add_request_headers(b"content-type, x-request-id");
/// assert!(req.is_preflight());
/// ```
#[derive(Debug, Clone)]
pub struct CorsRequest<'a> {
    pub(crate) method: &'a [u8],
    pub(crate) origin: Lines<'a>,
    pub(crate) request_method: Lines<'a>,
    /// The first `Access-Control-Request-Headers` line and how many there are.
    pub(crate) request_headers: Lines<'a>,
    /// Empty while there is one line (as browsers send it); from a second line on, the first
    /// [`MAX_REQUEST_HEADERS_LINES`] lines. Keeping the one-line case out of an array keeps
    /// the request view small (it is built, moved and dropped on every request); a header
    /// list split over lines is rare and its answer allocates anyway.
    pub(crate) split_request_headers: Vec<&'a [u8]>,
    pub(crate) private_network: Lines<'a>,
    /// Set by [`CorsRequest::allow_checked_origin`]: an outside check allowed the origin.
    pub(crate) origin_checked: bool,
}

impl<'a> CorsRequest<'a> {
    /// A request with the given method (case-sensitive, as on the wire) and no headers yet.
    pub fn new(method: &'a [u8]) -> Self {
        CorsRequest {
            method,
            origin: Lines::default(),
            request_method: Lines::default(),
            request_headers: Lines::default(),
            split_request_headers: Vec::new(),
            private_network: Lines::default(),
            origin_checked: false,
        }
    }

    /// Records one `Origin` line.
    #[inline]
    pub fn add_origin(&mut self, value: &'a [u8]) -> &mut Self {
        self.origin.push(value);
        self
    }

    /// Records that the application's own origin check (an
    /// [`OriginCheck`](crate::OriginCheck), awaited by the adapter) allowed this request's
    /// origin. The policy honours it only for the origin
    /// [`Cors::origin_to_check`](crate::Cors::origin_to_check) named: one its lists leave
    /// undecided, never `null`, a malformed value or a refused insecure origin.
    #[inline]
    pub fn allow_checked_origin(&mut self) -> &mut Self {
        self.origin_checked = true;
        self
    }

    /// Records one `Access-Control-Request-Method` line.
    #[inline]
    pub fn add_request_method(&mut self, value: &'a [u8]) -> &mut Self {
        self.request_method.push(value);
        self
    }

    /// Records one `Access-Control-Request-Headers` line. Lines past
    /// [`MAX_REQUEST_HEADERS_LINES`](crate::MAX_REQUEST_HEADERS_LINES) are counted, not kept,
    /// and make a preflight fail. One line (what browsers send) is kept inline; a second
    /// line moves them to one heap allocation of room for the maximum.
    #[inline]
    pub fn add_request_headers(&mut self, line: &'a [u8]) -> &mut Self {
        self.request_headers.push(line);
        match self.request_headers.count {
            1 => {}
            2 => {
                let first = self.request_headers.first.unwrap_or_default();
                self.split_request_headers
                    .reserve_exact(MAX_REQUEST_HEADERS_LINES);
                self.split_request_headers.extend([first, line]);
            }
            n if n <= MAX_REQUEST_HEADERS_LINES => self.split_request_headers.push(line),
            _ => {}
        }
        self
    }

    /// Records one `Access-Control-Request-Private-Network` line.
    #[inline]
    pub fn add_request_private_network(&mut self, value: &'a [u8]) -> &mut Self {
        self.private_network.push(value);
        self
    }

    /// Records any header line: the four CORS reads are kept, every other name ignored.
    /// Handy for frameworks that only offer iteration over all headers.
    pub fn add_header(&mut self, name: &[u8], value: &'a [u8]) -> &mut Self {
        match RequestHeader::from_name(name) {
            Some(header) => self.add(header, value),
            None => self,
        }
    }

    /// Records one line of `header`: the typed setter for it.
    #[inline]
    pub fn add(&mut self, header: RequestHeader, value: &'a [u8]) -> &mut Self {
        match header {
            RequestHeader::Origin => self.add_origin(value),
            RequestHeader::RequestMethod => self.add_request_method(value),
            RequestHeader::RequestHeaders => self.add_request_headers(value),
            RequestHeader::RequestPrivateNetwork => self.add_request_private_network(value),
        }
    }

    /// Reads a request from any framework's headers: `lines(header)` gives every line of
    /// one of the four headers CORS reads, as values that are bytes (`http` 0.2 or 1.x header
    /// values, `str`s...). `Origin` is always read; the other three only when the request may
    /// be a preflight (an `OPTIONS` request with `Origin`), since only a preflight's decision
    /// depends on them. The values a decision may echo are kept in the [`Echoes`].
    ///
    /// ```
    /// use fetch_cors::adapter::RequestHeader;
    /// use fetch_cors::CorsRequest;
    ///
    /// let origin = ["https://app.example.com"];
    /// let (req, echoes) = CorsRequest::read(b"GET", |header| match header {
    ///     RequestHeader::Origin => &origin[..],
    ///     _ => &[],
    /// });
    /// assert!(req.is_cors() && !req.may_be_preflight());
    /// assert_eq!(echoes.get(fetch_cors::Echo::Origin), Some(&origin[0]));
    /// ```
    #[inline]
    pub fn read<V, I>(
        method: &'a [u8],
        mut lines: impl FnMut(RequestHeader) -> I,
    ) -> (Self, Echoes<'a, V>)
    where
        V: AsRef<[u8]> + ?Sized + 'a,
        I: IntoIterator<Item = &'a V>,
    {
        let mut req = CorsRequest::new(method);
        let mut echoes = Echoes::default();
        for v in lines(RequestHeader::Origin) {
            echoes.origin.get_or_insert(v);
            req.add_origin(v.as_ref());
        }
        // Only a preflight reads the other three; skipping their look-ups saves most of
        // the cost of reading an actual request.
        if !req.may_be_preflight() {
            return (req, echoes);
        }
        for v in lines(RequestHeader::RequestMethod) {
            echoes.request_method.get_or_insert(v);
            req.add_request_method(v.as_ref());
        }
        for v in lines(RequestHeader::RequestHeaders) {
            echoes.request_headers.get_or_insert(v);
            req.add_request_headers(v.as_ref());
        }
        for v in lines(RequestHeader::RequestPrivateNetwork) {
            req.add_request_private_network(v.as_ref());
        }
        (req, echoes)
    }

    /// Whether a request with this method could be a preflight
    /// ([Fetch, HTTP requests](https://fetch.spec.whatwg.org/#http-requests): a CORS-preflight
    /// request is an `OPTIONS` request). For adapters that can skip reading
    /// a request's headers before its handler runs unless it may be one to answer.
    ///
    /// ```
    /// use fetch_cors::CorsRequest;
    ///
    /// assert!(CorsRequest::method_may_be_preflight(b"OPTIONS"));
    /// assert!(!CorsRequest::method_may_be_preflight(b"GET"));
    /// ```
    #[inline]
    pub fn method_may_be_preflight(method: &[u8]) -> bool {
        method == b"OPTIONS"
    }

    /// Whether the request could be a preflight once its other headers are added: an
    /// `OPTIONS` request with `Origin`. When it is not, an adapter need not read
    /// `Access-Control-Request-*` at all: [`Cors::decide`](crate::Cors::decide) reads them
    /// only for preflights. Add `Origin` first.
    #[inline]
    pub fn may_be_preflight(&self) -> bool {
        Self::method_may_be_preflight(self.method) && self.origin.count > 0
    }

    /// Whether the request has an `Origin` header at all
    /// ([Fetch, HTTP requests](https://fetch.spec.whatwg.org/#http-requests): a CORS request is
    /// one that includes `Origin`).
    pub fn is_cors(&self) -> bool {
        self.origin.count > 0
    }

    /// [Fetch, HTTP requests](https://fetch.spec.whatwg.org/#http-requests): a CORS-preflight
    /// request is an `OPTIONS` request with `Origin` and `Access-Control-Request-Method`.
    /// Without the latter, `OPTIONS` is an ordinary request.
    pub fn is_preflight(&self) -> bool {
        self.may_be_preflight() && self.request_method.count > 0
    }

    /// The `Access-Control-Request-Headers` lines kept.
    pub(crate) fn request_headers_lines(&self) -> &[&'a [u8]] {
        match &self.request_headers.first {
            Some(first) if self.request_headers.count == 1 => std::slice::from_ref(first),
            _ => &self.split_request_headers,
        }
    }
}

/// The values of the request headers a decision may echo, as found while reading the
/// request ([`CorsRequest::read`]), so that echoing one clones it (a reference-count bump for
/// `http`'s values) rather than looking it up again or copying its bytes. `V` is the
/// framework's header value type: `http` 1.x's by default. Part of the
/// [adapter kit](crate::adapter).
pub struct Echoes<'a, V: ?Sized = HeaderValue> {
    pub(crate) origin: Option<&'a V>,
    pub(crate) request_method: Option<&'a V>,
    pub(crate) request_headers: Option<&'a V>,
}

impl<'a, V: ?Sized> Echoes<'a, V> {
    /// The value found for the header `echo` repeats (the first line, if there were several).
    pub fn get(&self, echo: Echo) -> Option<&'a V> {
        match echo {
            Echo::Origin => self.origin,
            Echo::RequestMethod => self.request_method,
            Echo::RequestHeaders => self.request_headers,
        }
    }

    /// For an echo, the request's own value when it holds exactly the bytes to send, so an
    /// adapter can clone it instead of copying the bytes; `None` otherwise.
    #[inline]
    pub fn reuse(&self, value: Value<'_>) -> Option<&'a V>
    where
        V: AsRef<[u8]>,
    {
        match value {
            Value::Echo(echo, bytes) => self.get(echo).filter(|v| {
                // A decision's echo is normally a slice of this very value: the same bytes
                // are equal without comparing them (a list of 500 names is 3.4 KB to compare).
                let v = (*v).as_ref();
                std::ptr::eq(v, bytes) || v == bytes
            }),
            _ => None,
        }
    }
}

impl<V: ?Sized> Default for Echoes<'_, V> {
    fn default() -> Self {
        Echoes {
            origin: None,
            request_method: None,
            request_headers: None,
        }
    }
}

impl<V: ?Sized> Clone for Echoes<'_, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V: ?Sized> Copy for Echoes<'_, V> {}

impl<V: ?Sized + fmt::Debug> fmt::Debug for Echoes<'_, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Echoes")
            .field("origin", &self.origin)
            .field("request_method", &self.request_method)
            .field("request_headers", &self.request_headers)
            .finish()
    }
}
