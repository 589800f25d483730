//! The kit's half for frameworks on `http` 1.x types (axum, tower and hyper, warp, poem,
//! salvo): read a request from an [`http::HeaderMap`], write a decision's headers into one.

use http::header::{
    HeaderMap, HeaderName, HeaderValue, ACCESS_CONTROL_REQUEST_HEADERS,
    ACCESS_CONTROL_REQUEST_METHOD, ORIGIN,
};
use http::Method;

use super::owned::OwnedHeaders;
use super::{Echoes, RequestHeader};
use crate::request::CorsRequest;
use crate::response::{Constant, CorsHeader, ResponseHeaders, Value};

/// A decision's headers as owned `http` 1.x values, from [`own`]: what an adapter keeps while
/// the application answers.
pub type HttpHeaders = OwnedHeaders<HeaderValue>;

/// `Access-Control-Allow-Private-Network`, which `http` has no constant for.
const ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-allow-private-network");

/// `Access-Control-Request-Private-Network`, sent by Chromium on Private Network Access
/// preflights, which `http` has no constant for.
const ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-request-private-network");

/// [`Constant::ALL`] as ready `http` 1.x values: converting one is then a clone of a
/// constant rather than a byte-by-byte check. A `static`, not a `const`: a `const` array of
/// `HeaderValue`s would be rebuilt at every use.
pub static CONSTANTS: [HeaderValue; Constant::ALL.len()] = [
    HeaderValue::from_static(Constant::ALL[0].as_str()),
    HeaderValue::from_static(Constant::ALL[1].as_str()),
    HeaderValue::from_static(Constant::ALL[2].as_str()),
    HeaderValue::from_static(Constant::ALL[3].as_str()),
    HeaderValue::from_static(Constant::ALL[4].as_str()),
];

/// The name of a CORS response header as an `http` 1.x constant: no allocation, no parsing.
pub fn header_name(name: CorsHeader) -> HeaderName {
    use http::header;
    match name {
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

/// The name of a request header CORS reads, as an `http` 1.x constant.
pub fn request_header_name(header: RequestHeader) -> HeaderName {
    match header {
        RequestHeader::Origin => ORIGIN,
        RequestHeader::RequestMethod => ACCESS_CONTROL_REQUEST_METHOD,
        RequestHeader::RequestHeaders => ACCESS_CONTROL_REQUEST_HEADERS,
        RequestHeader::RequestPrivateNetwork => ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK,
    }
}

/// Reads an `http` 1.x request's method and headers, and keeps the header values a decision
/// may echo ([`CorsRequest::read`]).
///
/// ```
/// use fetch_cors::adapter::http;
/// use fetch_cors::Cors;
/// use ::http::{HeaderMap, HeaderValue, Method};
///
/// let cors = Cors::builder().allow_origin("https://app.example.com").build()?;
/// let mut request = HeaderMap::new();
/// request.insert("origin", HeaderValue::from_static("https://app.example.com"));
/// let (req, echoes) = http::read(&Method::GET, &request);
/// let mut response = HeaderMap::new();
/// http::own(cors.decide(&req).headers(), &echoes).write_to(&mut response);
/// assert_eq!(response["access-control-allow-origin"], "https://app.example.com");
/// assert_eq!(response["vary"], "Origin");
/// # Ok::<(), fetch_cors::ConfigError>(())
/// ```
#[inline]
pub fn read<'a>(method: &'a Method, headers: &'a HeaderMap) -> (CorsRequest<'a>, Echoes<'a>) {
    CorsRequest::read(method.as_str().as_bytes(), |header| {
        headers.get_all(request_header_name(header))
    })
}

/// Owned `http` 1.x headers, taking echoes from the request's own header values (a
/// reference-count bump where the request's bytes are shared, as hyper's are) so that they
/// outlive the request. For headers that go into a response at once (a preflight's answer),
/// [`write()`] skips this copy.
pub fn own(decided: &ResponseHeaders<'_>, echoes: &Echoes<'_>) -> HttpHeaders {
    OwnedHeaders::new(decided, |_, value| Some(value_of(value, echoes)))
}

/// Writes `decided`'s headers into `headers` as [`HttpHeaders::write_to`] would write
/// [`own`]'s result, without that intermediate copy: for a response made while the request
/// is still at hand, such as a preflight's answer.
///
/// ```
/// use fetch_cors::adapter::http;
/// use fetch_cors::Cors;
/// use ::http::{HeaderMap, HeaderValue, Method};
///
/// let cors = Cors::builder().allow_origin("https://app.example.com").build().unwrap();
/// let mut request = HeaderMap::new();
/// request.insert("origin", HeaderValue::from_static("https://app.example.com"));
/// request.insert("access-control-request-method", HeaderValue::from_static("GET"));
/// let (req, echoes) = http::read(&Method::OPTIONS, &request);
/// let decision = cors.decide(&req);
///
/// let mut response = HeaderMap::new();
/// http::write(decision.headers(), &echoes, &mut response);
/// assert_eq!(response["access-control-allow-origin"], "https://app.example.com");
/// assert_eq!(response["access-control-allow-methods"], "GET");
/// ```
pub fn write(decided: &ResponseHeaders<'_>, echoes: &Echoes<'_>, headers: &mut HeaderMap) {
    // `write_each` would do, but every value converts here, so the loop skips its
    // `Option` of a value per header (about 100 instructions per preflight, by callgrind).
    for name in CorsHeader::WRITING_ORDER {
        if let Some(value) = decided.get(name) {
            put(headers, name, value_of(value, echoes));
        }
    }
}

impl OwnedHeaders<HeaderValue> {
    /// Writes the headers: `Vary` is appended beside the handler's, every other header
    /// replaces any the handler set.
    pub fn write_to(self, headers: &mut HeaderMap) {
        self.write_each(&CONSTANTS, |name, value| put(headers, name, value));
    }
}

/// Writes one header into an `http` 1.x map: appended beside the handler's, or replacing
/// them, as [`CorsHeader::is_appended`] says.
fn put(headers: &mut HeaderMap, name: CorsHeader, value: HeaderValue) {
    if name.is_appended() {
        headers.append(header_name(name), value);
    } else {
        headers.insert(header_name(name), value);
    }
}

/// One value as an owned `http` 1.x value: a constant's shared copy, the request's own value
/// for an echo (a clone, where `echoes` has it), the policy's or the built one's clone.
#[inline]
pub fn value_of(value: Value<'_>, echoes: &Echoes<'_>) -> HeaderValue {
    match value {
        Value::Constant(constant) => CONSTANTS[constant as usize].clone(),
        Value::Policy(v) | Value::Built(v) => v.clone(),
        Value::Echo(..) => match echoes.reuse(value) {
            Some(v) => v.clone(),
            // Echoes were validated (a serialized origin, a token, a token list), so they
            // are valid header values; the empty fallback is unreachable.
            None => {
                HeaderValue::from_bytes(value.as_bytes()).unwrap_or(HeaderValue::from_static(""))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_constants_convert_exactly() {
        for name in CorsHeader::ALL {
            assert_eq!(header_name(name).as_str(), name.as_str());
        }
        for header in RequestHeader::ALL {
            assert_eq!(request_header_name(header).as_str(), header.as_str());
        }
        for constant in Constant::ALL {
            assert_eq!(CONSTANTS[constant as usize], constant.as_str());
        }
    }
}
