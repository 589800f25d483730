//! What the policy decides for a request: whether to answer now or go on to the handler,
//! and which headers to write.

use std::borrow::Cow;
use std::fmt;

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

use crate::header::Limit;

/// Status of a rejected preflight. Any status outside 200..=299 fails a preflight (Fetch
/// #cors-preflight-fetch requires an ok status); 403 also tells a person reading logs or dev
/// tools that the server refused, rather than that a route is missing.
pub const PREFLIGHT_REJECTED_STATUS: StatusCode = StatusCode::FORBIDDEN;

/// A response header CORS writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CorsHeader {
    // Declared in writing order: the discriminants index `ResponseHeaders`' slots.
    /// `Access-Control-Allow-Origin`
    AllowOrigin,
    /// `Access-Control-Allow-Credentials`
    AllowCredentials,
    /// `Access-Control-Allow-Methods`
    AllowMethods,
    /// `Access-Control-Allow-Headers`
    AllowHeaders,
    /// `Access-Control-Max-Age`
    MaxAge,
    /// `Access-Control-Allow-Private-Network`
    AllowPrivateNetwork,
    /// `Access-Control-Expose-Headers`
    ExposeHeaders,
    /// `Vary`
    Vary,
}

impl CorsHeader {
    /// Every header, in writing order: `CorsHeader`'s discriminants are its places here.
    pub const ALL: [CorsHeader; 8] = [
        CorsHeader::AllowOrigin,
        CorsHeader::AllowCredentials,
        CorsHeader::AllowMethods,
        CorsHeader::AllowHeaders,
        CorsHeader::MaxAge,
        CorsHeader::AllowPrivateNetwork,
        CorsHeader::ExposeHeaders,
        CorsHeader::Vary,
    ];

    /// The lower-case header name.
    pub const fn as_str(self) -> &'static str {
        match self {
            CorsHeader::AllowOrigin => "access-control-allow-origin",
            CorsHeader::AllowCredentials => "access-control-allow-credentials",
            CorsHeader::AllowMethods => "access-control-allow-methods",
            CorsHeader::AllowHeaders => "access-control-allow-headers",
            CorsHeader::MaxAge => "access-control-max-age",
            CorsHeader::AllowPrivateNetwork => "access-control-allow-private-network",
            CorsHeader::ExposeHeaders => "access-control-expose-headers",
            CorsHeader::Vary => "vary",
        }
    }

    /// The name as an `http` 1.x [`HeaderName`]: a constant, no allocation, no parsing.
    pub fn header_name(self) -> HeaderName {
        use http::header;
        match self {
            CorsHeader::AllowOrigin => header::ACCESS_CONTROL_ALLOW_ORIGIN,
            CorsHeader::AllowCredentials => header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            CorsHeader::AllowMethods => header::ACCESS_CONTROL_ALLOW_METHODS,
            CorsHeader::AllowHeaders => header::ACCESS_CONTROL_ALLOW_HEADERS,
            CorsHeader::MaxAge => header::ACCESS_CONTROL_MAX_AGE,
            CorsHeader::AllowPrivateNetwork => ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK,
            CorsHeader::ExposeHeaders => header::ACCESS_CONTROL_EXPOSE_HEADERS,
            CorsHeader::Vary => header::VARY,
        }
    }

    /// Every header in the order the adapters write them into a response: the appended ones
    /// (`Vary`) first, then the others as in [`CorsHeader::ALL`]. `http`'s
    /// `HeaderMap::append` reserves room for a new entry even when the name exists, so
    /// appending while the map still has that room avoids a growth. Derived from
    /// [`CorsHeader::ALL`] and [`CorsHeader::is_appended`] at compile time.
    pub const WRITING_ORDER: [CorsHeader; 8] = {
        let mut order = [CorsHeader::Vary; 8];
        let mut next = 0;
        let mut appended_pass = 0;
        while appended_pass < 2 {
            let mut i = 0;
            while i < CorsHeader::ALL.len() {
                let header = CorsHeader::ALL[i];
                if header.is_appended() == (appended_pass == 0) {
                    order[next] = header;
                    next += 1;
                }
                i += 1;
            }
            appended_pass += 1;
        }
        order
    };

    /// Whether the header is appended beside any the handler wrote (`Vary`, a list that
    /// must keep the handler's entries: RFC 9110 §12.5.5) rather than replacing them
    /// (every `Access-Control-*` header, where the policy is the authority).
    pub const fn is_appended(self) -> bool {
        matches!(self, CorsHeader::Vary)
    }
}

impl fmt::Display for CorsHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `Access-Control-Allow-Private-Network`, which `http` has no constant for.
const ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-allow-private-network");

/// Every value a [`Value::Static`] holds, in the order [`Value::static_index`] numbers them,
/// so that an adapter on other header types can build its own constants once from these.
pub const STATIC_VALUES: [&str; 5] = [
    "*",
    "true",
    crate::policy::VARY_ORIGIN,
    crate::policy::VARY_PREFLIGHT,
    crate::policy::VARY_PREFLIGHT_PNA,
];

/// [`STATIC_VALUES`] as ready `http` 1.x values: converting one is then a clone of a
/// constant rather than a byte-by-byte check. A `static`, not a `const`: a `const` array of
/// `HeaderValue`s would be rebuilt at every use.
static STATIC_HEADER_VALUES: [HeaderValue; STATIC_VALUES.len()] = [
    HeaderValue::from_static(STATIC_VALUES[0]),
    HeaderValue::from_static(STATIC_VALUES[1]),
    HeaderValue::from_static(STATIC_VALUES[2]),
    HeaderValue::from_static(STATIC_VALUES[3]),
    HeaderValue::from_static(STATIC_VALUES[4]),
];

/// Which request header a [`Value::Echo`] repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Echo {
    /// The single `Origin` line.
    Origin,
    /// The single `Access-Control-Request-Method` line.
    RequestMethod,
    /// The single `Access-Control-Request-Headers` line.
    RequestHeaders,
}

/// A header value to write. Every variant borrows, so a `Value` is `Copy` and a
/// [`Decision`] has nothing to drop but the rare list it had to rebuild: the policy's values
/// were computed when it was built, and echoes point into the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    /// A fixed value such as `*`, `true` or `Origin`.
    Static(&'static str),
    /// A value computed when the policy was built (`Access-Control-Max-Age`,
    /// `Access-Control-Expose-Headers`); [`Cors::policy_value`](crate::Cors::policy_value)
    /// gives it by header, for adapters that keep their own copy.
    Policy(&'a HeaderValue),
    /// The request's own header line, repeated byte for byte. An adapter on `http` 1.x can
    /// clone the request's `HeaderValue` instead of copying the bytes.
    Echo(Echo, &'a [u8]),
    /// A value built for this request, owned by its [`ResponseHeaders`]: only
    /// `Access-Control-Allow-Headers` for a request list that was split over lines or had
    /// empty elements.
    Built(&'a HeaderValue),
}

impl<'a> Value<'a> {
    /// The value's bytes (visible ASCII).
    pub fn as_bytes(self) -> &'a [u8] {
        match self {
            Value::Static(s) => s.as_bytes(),
            Value::Policy(v) | Value::Built(v) => v.as_bytes(),
            Value::Echo(_, b) => b,
        }
    }

    /// For a [`Value::Static`], its index in [`STATIC_VALUES`].
    #[inline]
    pub fn static_index(self) -> Option<usize> {
        let Value::Static(s) = self else {
            return None;
        };
        match s {
            "*" => Some(0),
            "true" => Some(1),
            crate::policy::VARY_ORIGIN => Some(2),
            crate::policy::VARY_PREFLIGHT => Some(3),
            crate::policy::VARY_PREFLIGHT_PNA => Some(4),
            _ => None,
        }
    }

    /// The value as an `http` 1.x [`HeaderValue`], copying only echoes.
    pub fn to_header_value(self) -> HeaderValue {
        match self {
            Value::Static(s) => match self.static_index() {
                Some(index) => STATIC_HEADER_VALUES[index].clone(),
                None => HeaderValue::from_static(s),
            },
            Value::Policy(v) | Value::Built(v) => v.clone(),
            // Echoes were validated (a serialized origin, a token, a token list), so they
            // are valid header values; the empty fallback is unreachable.
            Value::Echo(_, b) => HeaderValue::from_bytes(b).unwrap_or(HeaderValue::from_static("")),
        }
    }
}

/// What a slot of [`ResponseHeaders`] holds: a [`Value`], with the rebuilt list kept
/// beside the slots rather than in one (so that slots need no drop).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot<'a> {
    Value(Value<'a>),
    Built,
}

/// The CORS headers to add to a response, in the order to write them.
///
/// One slot per header, indexed by [`CorsHeader`], and a bit per slot in use: setting one
/// is a store, counting them one instruction, and nothing is grown or dropped on the hot
/// path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseHeaders<'a> {
    present: u8,
    slots: [Option<Slot<'a>>; 8],
    built: Option<HeaderValue>,
}

impl<'a> ResponseHeaders<'a> {
    #[inline]
    pub(crate) fn push(&mut self, name: CorsHeader, value: Value<'a>) {
        // `CorsHeader`'s discriminants are its places in `CorsHeader::ALL`.
        self.slots[name as usize] = Some(Slot::Value(value));
        self.present |= 1 << name as u8;
    }

    /// Sets a value built for this request.
    pub(crate) fn push_built(&mut self, name: CorsHeader, value: HeaderValue) {
        self.built = Some(value);
        self.slots[name as usize] = Some(Slot::Built);
        self.present |= 1 << name as u8;
    }

    fn value(&self, slot: Slot<'a>) -> Option<Value<'_>> {
        match slot {
            Slot::Value(value) => Some(value),
            Slot::Built => self.built.as_ref().map(Value::Built),
        }
    }

    /// Every header, in order.
    pub fn iter(&self) -> impl Iterator<Item = (CorsHeader, Value<'_>)> {
        CorsHeader::ALL
            .iter()
            .zip(&self.slots)
            .filter_map(|(name, slot)| Some((*name, self.value((*slot)?)?)))
    }

    /// Every header, in order, with the values that borrow only the policy and the request
    /// (for `'a`, which may outlive these headers) and `None` for the one value built for
    /// this request, which [`ResponseHeaders::built`] lends. For adapters whose responses
    /// may borrow the request, such as Rocket's; [`ResponseHeaders::iter`] is simpler.
    pub fn iter_lasting(&self) -> impl Iterator<Item = (CorsHeader, Option<Value<'a>>)> + '_ {
        CorsHeader::ALL
            .iter()
            .zip(&self.slots)
            .filter_map(|(name, slot)| match (*slot)? {
                Slot::Value(value) => Some((*name, Some(value))),
                Slot::Built => Some((*name, None)),
            })
    }

    /// The value built for this request, if there is one (an
    /// `Access-Control-Allow-Headers` list that arrived split or with empty elements).
    pub fn built(&self) -> Option<&HeaderValue> {
        self.built.as_ref()
    }

    /// The value of one header, if present.
    pub fn get(&self, name: CorsHeader) -> Option<Value<'_>> {
        self.value(self.slots[name as usize]?)
    }

    /// How many headers.
    #[inline]
    pub fn len(&self) -> usize {
        self.present.count_ones() as usize
    }

    /// Whether there are none.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.present == 0
    }

    /// Owned `http` 1.x headers, taking echoes from the request's own header values (a
    /// reference-count bump where the request's bytes are shared, as hyper's are) so that
    /// they outlive the request. `echoes` are the values
    /// [`CorsRequest::read_http`](crate::CorsRequest::read_http) found; a value it did not
    /// find is copied. For headers that go into a response at once (a preflight's answer),
    /// [`ResponseHeaders::write_http`] skips this copy.
    pub fn to_http(&self, echoes: &Echoes<'_>) -> HttpHeaders {
        OwnedHeaders::new(self, |_, value| Some(http_value(value, echoes)))
    }

    /// Writes the headers into `headers` as [`HttpHeaders::write_to`] would write
    /// [`ResponseHeaders::to_http`]'s result, without that intermediate copy: for a response
    /// made while the request is still at hand, such as a preflight's answer.
    ///
    /// ```
    /// use fetch_cors::{Cors, CorsRequest};
    /// use http::{HeaderMap, HeaderValue, Method};
    ///
    /// let cors = Cors::builder().allow_origin("https://app.example.com").build().unwrap();
    /// let mut request = HeaderMap::new();
    /// request.insert("origin", HeaderValue::from_static("https://app.example.com"));
    /// request.insert("access-control-request-method", HeaderValue::from_static("GET"));
    /// let (req, echoes) = CorsRequest::read_http(&Method::OPTIONS, &request);
    /// let decision = cors.decide(&req);
    ///
    /// let mut response = HeaderMap::new();
    /// decision.headers().write_http(&echoes, &mut response);
    /// assert_eq!(response["access-control-allow-origin"], "https://app.example.com");
    /// ```
    pub fn write_http(&self, echoes: &Echoes<'_>, headers: &mut HeaderMap) {
        for name in CorsHeader::WRITING_ORDER {
            if let Some(value) = self.get(name) {
                put_http(headers, name, http_value(value, echoes));
            }
        }
    }
}

/// Writes one header into an `http` 1.x map: appended beside the handler's, or replacing
/// them, as [`CorsHeader::is_appended`] says.
fn put_http(headers: &mut HeaderMap, name: CorsHeader, value: HeaderValue) {
    if name.is_appended() {
        headers.append(name.header_name(), value);
    } else {
        headers.insert(name.header_name(), value);
    }
}

/// One value as an owned `http` 1.x value: a constant's shared copy, the request's own value
/// for an echo (a clone, where `echoes` has it), the policy's or the built one's clone.
fn http_value(value: Value<'_>, echoes: &Echoes<'_>) -> HeaderValue {
    match value {
        Value::Echo(echo, bytes) => match echoes.get(echo) {
            Some(v) if v.as_bytes() == bytes => v.clone(),
            _ => value.to_header_value(),
        },
        _ => value.to_header_value(),
    }
}

/// The values of the request headers a decision may echo, as found while reading the
/// request ([`CorsRequest::read`](crate::CorsRequest::read)), so that echoing one clones it
/// (a reference-count bump for `http`'s values) rather than looking it up again or copying
/// its bytes. `V` is the framework's header value type: `http` 1.x's by default, for
/// [`ResponseHeaders::to_http`].
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

/// A decision's headers as owned values of a framework's header-value type `V`, so that
/// they outlive the request: what an adapter keeps while the application answers.
/// [`HttpHeaders`] is the one for `http` 1.x; an adapter on another header type (actix-web's
/// `http` 0.2) uses this with its own.
///
/// Small, because a response future carries it and frameworks move futures (a large future
/// is copied with `memcpy` at every move; a small one in registers): constants are an index
/// each, and only the other values are owned, two of them in place. An actual request's
/// headers never have more than two (the echoed origin and the exposed headers); a preflight
/// passed on to the application can have four, and then allocates once for the last two.
/// Names and values are kept apart: a `(name, value)` pair has an odd layout whose copies
/// stall the CPU.
#[derive(Debug, Clone)]
pub struct OwnedHeaders<V> {
    /// Per [`CorsHeader`] (its discriminant), where its value is.
    slots: [HttpSlot; 8],
    /// Owned values 0 and 1.
    values: [Option<V>; 2],
    /// Owned values 2 and 3, which only a preflight passed on to the application has.
    more: Option<Box<[Option<V>; 2]>>,
}

/// [`OwnedHeaders`] of `http` 1.x values, from [`ResponseHeaders::to_http`].
pub type HttpHeaders = OwnedHeaders<HeaderValue>;

/// Where a header's value is in [`OwnedHeaders`], in one byte (an enum with two indexed
/// variants takes two): `0` absent, `1 + i` the constant [`STATIC_VALUES`]`[i]`,
/// [`HttpSlot::OWNED`]` + i` owned value `i`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct HttpSlot(u8);

impl HttpSlot {
    const ABSENT: HttpSlot = HttpSlot(0);
    const OWNED: u8 = 0x10;

    fn constant(index: usize) -> HttpSlot {
        HttpSlot(1 + index as u8)
    }

    fn owned(index: usize) -> HttpSlot {
        HttpSlot(Self::OWNED + index as u8)
    }
}

impl<V> Default for OwnedHeaders<V> {
    fn default() -> Self {
        OwnedHeaders {
            slots: [HttpSlot::ABSENT; 8],
            values: [None, None],
            more: None,
        }
    }
}

impl<V> OwnedHeaders<V> {
    /// Keeps `decided`'s headers: each constant as its index in [`STATIC_VALUES`], every
    /// other value as `own` makes it (a header `own` gives no value for is left out).
    pub fn new(
        decided: &ResponseHeaders<'_>,
        mut own: impl FnMut(CorsHeader, Value<'_>) -> Option<V>,
    ) -> Self {
        let mut out = OwnedHeaders::default();
        let mut next = 0;
        for (name, value) in decided.iter() {
            if let Some(index) = value.static_index() {
                out.slots[name as usize] = HttpSlot::constant(index);
                continue;
            }
            // At most four headers carry values that are not constants (an accepted
            // preflight's origin, method, headers and max-age), so a place is always free.
            let Some(value) = own(name, value) else {
                continue;
            };
            let place = out.place(next);
            debug_assert!(place.is_some(), "more than four owned CORS headers");
            if let Some(place) = place {
                *place = Some(value);
                out.slots[name as usize] = HttpSlot::owned(next);
                next += 1;
            }
        }
        out
    }

    /// Hands every header to `write`, in [`CorsHeader::WRITING_ORDER`]; a constant is a
    /// clone from `constants`, the framework's values of [`STATIC_VALUES`] in their order.
    pub fn write_each(
        mut self,
        constants: &[V; STATIC_VALUES.len()],
        mut write: impl FnMut(CorsHeader, V),
    ) where
        V: Clone,
    {
        for name in CorsHeader::WRITING_ORDER {
            let value = match self.slots[name as usize] {
                HttpSlot(0) => None,
                HttpSlot(c @ 1..HttpSlot::OWNED) => constants.get(usize::from(c - 1)).cloned(),
                HttpSlot(o) => match usize::from(o - HttpSlot::OWNED) {
                    i @ 0..=1 => self.values.get_mut(i).and_then(Option::take),
                    i => self.take_more(i - 2),
                },
            };
            if let Some(value) = value {
                write(name, value);
            }
        }
    }

    /// Owned value `2 + index`: off the hot path, which only a passed-on preflight takes.
    #[cold]
    #[inline(never)]
    fn take_more(&mut self, index: usize) -> Option<V> {
        self.more.as_mut()?.get_mut(index)?.take()
    }

    /// The place for owned value `index` (0 to 3), making room for 2 and 3 on first use.
    fn place(&mut self, index: usize) -> Option<&mut Option<V>> {
        match index {
            0..=1 => self.values.get_mut(index),
            _ => self.place_more(index - 2),
        }
    }

    /// The place for owned value `2 + index`, allocated on first use: off the hot path.
    #[cold]
    #[inline(never)]
    fn place_more(&mut self, index: usize) -> Option<&mut Option<V>> {
        self.more
            .get_or_insert_with(|| Box::new([None, None]))
            .get_mut(index)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many headers, to size a header map once.
    pub fn len(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| **s != HttpSlot::ABSENT)
            .count()
    }
}

impl OwnedHeaders<HeaderValue> {
    /// Writes the headers: `Vary` is appended beside the handler's, every other header
    /// replaces any the handler set.
    pub fn write_to(self, headers: &mut HeaderMap) {
        self.write_each(&STATIC_HEADER_VALUES, |name, value| {
            put_http(headers, name, value)
        });
    }
}

/// Why a request's origin, method or headers were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// More than one `Origin` line.
    MultipleOrigins,
    /// `Origin` is not a serialized origin (a list, a path, upper case, non-ASCII bytes...).
    OriginNotSerialized,
    /// The origin is well formed but not allowed by the policy.
    OriginNotAllowed,
    /// More than one `Access-Control-Request-Method` line.
    MultipleRequestMethods,
    /// The requested method is not an HTTP token.
    MethodNotToken,
    /// The requested method is forbidden (CONNECT, TRACE, TRACK).
    MethodForbidden,
    /// The requested method is not allowed by the policy.
    MethodNotAllowed,
    /// The policy allows any method, but the framework serving it cannot receive this one:
    /// it would answer the actual request with an error of its own, without CORS headers
    /// (see [`Cors::restrict_methods`](crate::Cors::restrict_methods)).
    // A variant of its own rather than `MethodNotAllowed`: under `allow_methods: "*"`, "not
    // allowed by the policy" would send whoever reads the log to a policy that allows it.
    MethodNotReceivable,
    /// A requested header name is not an HTTP token.
    HeaderNotToken,
    /// A requested header name is not allowed by the policy.
    HeaderNotAllowed,
    /// `Access-Control-Request-Headers` exceeds one of the documented limits.
    HeadersTooLarge(Limit),
}

impl Reason {
    /// What the reason is about: `"origin"`, `"method"` or `"header"`.
    pub fn subject(self) -> &'static str {
        match self {
            Reason::MultipleOrigins | Reason::OriginNotSerialized | Reason::OriginNotAllowed => {
                "origin"
            }
            Reason::MultipleRequestMethods
            | Reason::MethodNotToken
            | Reason::MethodForbidden
            | Reason::MethodNotAllowed
            | Reason::MethodNotReceivable => "method",
            Reason::HeaderNotToken | Reason::HeaderNotAllowed | Reason::HeadersTooLarge(_) => {
                "header"
            }
        }
    }

    fn explain(self) -> &'static str {
        match self {
            Reason::MultipleOrigins => "the request has more than one Origin header",
            Reason::OriginNotSerialized => "is not a serialized origin",
            Reason::OriginNotAllowed => "is not allowed by the policy",
            Reason::MultipleRequestMethods => {
                "the request has more than one Access-Control-Request-Method header"
            }
            Reason::MethodNotToken => "is not a method name (an HTTP token)",
            Reason::MethodForbidden => "is a forbidden method",
            Reason::MethodNotAllowed => "is not allowed by the policy",
            Reason::MethodNotReceivable => {
                "never reaches the handler: the server's framework answers it with an error of \
                 its own before CORS runs"
            }
            Reason::HeaderNotToken => "is not a header name (an HTTP token)",
            Reason::HeaderNotAllowed => "is not allowed by the policy",
            Reason::HeadersTooLarge(Limit::Lines) => {
                "Access-Control-Request-Headers has too many lines"
            }
            Reason::HeadersTooLarge(Limit::Bytes) => "Access-Control-Request-Headers is too long",
            Reason::HeadersTooLarge(Limit::EmptyElements) => {
                "Access-Control-Request-Headers has too many empty elements"
            }
        }
    }
}

/// Longest value kept by [`Rejection::into_owned`], so a hostile header cannot make a log
/// line or an extension large.
pub const MAX_REJECTION_VALUE: usize = 256;

/// Why a request was refused: the reason and the offending value (an origin, a method or
/// a header name), for the application and its logs. Borrowed from the request; call
/// [`Rejection::into_owned`] to keep it longer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rejection<'a> {
    reason: Reason,
    value: Cow<'a, [u8]>,
}

impl<'a> Rejection<'a> {
    pub(crate) fn new(reason: Reason, value: &'a [u8]) -> Self {
        Rejection {
            reason,
            value: Cow::Borrowed(value),
        }
    }

    /// Why.
    pub fn reason(&self) -> Reason {
        self.reason
    }

    /// The offending value as received (empty when the reason names none, such as
    /// [`Reason::MultipleOrigins`]).
    pub fn value(&self) -> &[u8] {
        &self.value
    }

    /// A copy that owns its value, cut to [`MAX_REJECTION_VALUE`] bytes.
    pub fn into_owned(self) -> Rejection<'static> {
        let end = self.value.len().min(MAX_REJECTION_VALUE);
        Rejection {
            reason: self.reason,
            value: Cow::Owned(self.value[..end].to_vec()),
        }
    }
}

impl fmt::Display for Rejection<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let end = self.value.len().min(MAX_REJECTION_VALUE);
        match self.reason {
            Reason::MultipleOrigins
            | Reason::MultipleRequestMethods
            | Reason::HeadersTooLarge(_) => {
                write!(f, "CORS: {}", self.reason.explain())
            }
            _ => write!(
                f,
                "CORS: {} `{}` {}",
                self.reason.subject(),
                self.value[..end].escape_ascii(),
                self.reason.explain()
            ),
        }
    }
}

/// What to do with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision<'a> {
    /// No `Origin`: not a CORS request. Go on to the handler, then add the headers (a
    /// `Vary: Origin`, or for an any-origin policy the same headers a CORS request gets).
    NotCors(ResponseHeaders<'a>),
    /// A CORS request that is not a preflight. Go on to the handler, then add the headers.
    /// When the origin is refused, the headers hold only `Vary` and the browser withholds
    /// the response from the page (Fetch #cors-check).
    Actual {
        /// The headers to add.
        headers: ResponseHeaders<'a>,
        /// Why the origin was refused, if it was.
        rejection: Option<Rejection<'a>>,
    },
    /// An accepted preflight: answer now with this status, these headers and no body.
    PreflightAccepted {
        /// The status (the policy's `preflight_status`).
        status: StatusCode,
        /// The headers.
        headers: ResponseHeaders<'a>,
    },
    /// An accepted preflight under `preflight_passthrough`: go on to the handler, then add
    /// the headers.
    PreflightPassthrough(ResponseHeaders<'a>),
    /// A rejected preflight: answer now with [`PREFLIGHT_REJECTED_STATUS`], these headers
    /// (only `Vary`) and no body; never call the handler.
    PreflightRejected {
        /// The headers.
        headers: ResponseHeaders<'a>,
        /// Why.
        rejection: Rejection<'a>,
    },
}

impl<'a> Decision<'a> {
    /// The headers to write, whatever the decision.
    pub fn headers(&self) -> &ResponseHeaders<'a> {
        match self {
            Decision::NotCors(headers)
            | Decision::Actual { headers, .. }
            | Decision::PreflightAccepted { headers, .. }
            | Decision::PreflightPassthrough(headers)
            | Decision::PreflightRejected { headers, .. } => headers,
        }
    }

    /// Why the request was refused, if it was.
    pub fn rejection(&self) -> Option<&Rejection<'a>> {
        match self {
            Decision::Actual { rejection, .. } => rejection.as_ref(),
            Decision::PreflightRejected { rejection, .. } => Some(rejection),
            _ => None,
        }
    }

    /// `Some(status)` when the CORS layer answers now, without the handler (a preflight
    /// not passed through); `None` when the request goes on to the handler.
    pub fn respond_now(&self) -> Option<StatusCode> {
        match self {
            Decision::PreflightAccepted { status, .. } => Some(*status),
            Decision::PreflightRejected { .. } => Some(PREFLIGHT_REJECTED_STATUS),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_indices_match_the_static_values() {
        for (index, s) in STATIC_VALUES.iter().enumerate() {
            assert_eq!(Value::Static(s).static_index(), Some(index), "{s}");
            assert_eq!(STATIC_HEADER_VALUES[index], *s);
        }
        assert_eq!(Value::Static("false").static_index(), None);
        assert_eq!(Value::Echo(Echo::Origin, b"*").static_index(), None);
    }

    #[test]
    fn the_writing_order_has_every_header_once_with_vary_first() {
        let order = CorsHeader::WRITING_ORDER;
        assert_eq!(order.len(), CorsHeader::ALL.len());
        assert_eq!(order[0], CorsHeader::Vary);
        for header in CorsHeader::ALL {
            assert_eq!(
                order.iter().filter(|h| **h == header).count(),
                1,
                "{header}"
            );
        }
    }

    #[test]
    fn all_is_in_discriminant_order() {
        for (index, header) in CorsHeader::ALL.into_iter().enumerate() {
            assert_eq!(header as usize, index);
        }
    }
}
