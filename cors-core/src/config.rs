//! A policy as a config file: the schema documented on [`Config`], deserialised with `serde`
//! from JSON, TOML or any other format, and converted into the same validated [`Cors`].
//!
//! The document is one object (a JSON object, a TOML table): any other top level is refused,
//! since serde's derived `Deserialize` would otherwise read a sequence as the fields in order
//! (`[["https://a.example"],[],[],[],[],true]` would allow credentials). Every field is
//! optional; unknown fields are an error. A type error names its field
//! (`expected allow_origins: a list of strings, or "*"`), and everything serde cannot
//! check is checked by [`CorsBuilder::build`], which names the field, the value and the
//! fix.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::{ConfigError, Cors, CorsBuilder};

/// A CORS policy as written in a config file (JSON, TOML or any other serde format).
///
/// Read one with serde, then build the validated policy with [`Cors::try_from`] (or turn it
/// into a [`CorsBuilder`] with `CorsBuilder::from(config)` to add what a file cannot hold,
/// such as an origin predicate). The schema below is the whole of it.
///
/// ```
/// use fetch_cors::{Config, Cors};
///
/// let config: Config = serde_json::from_str(r#"{
///     "allow_origins": ["https://app.example.com"],
///     "allow_methods": ["PUT", "DELETE"],
///     "allow_headers": "*",
///     "allow_credentials": true,
///     "max_age": 600
/// }"#)?;
/// let cors = Cors::try_from(config)?;
/// assert!(cors.allows_credentials());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// TOML works the same way:
///
/// ```
/// # use fetch_cors::{Config, Cors};
/// let config: Config = toml::from_str(r#"
///     allow_origins = "*"
///     expose_headers = ["x-total-count"]
/// "#)?;
/// let cors = Cors::try_from(config)?;
/// # let _ = cors;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Schema
///
/// The document is one object (a JSON object, a TOML table). Any other top level (an
/// array, a string, a number, `null`) is refused, since serde would otherwise read a
/// sequence as the fields in order. Every field is optional; an unknown field is an error.
/// The conformance servers in the repository read the same schema (their contract is
/// `xtask/suite/CONTRACT.md` there).
///
/// | field | type | default | meaning |
/// |---|---|---|---|
/// | `allow_origins` | list of strings, or `"*"` | `[]` | exact serialized origins (`https://app.example.com`, `http://localhost:3000`, `null`); `"*"` (alone, or as the list `["*"]`) for any origin; `"*"` beside other entries is an error |
/// | `allow_origin_patterns` | list of strings | `[]` | `https://*.example.com` (one or more subdomain labels, never the apex, default port only), `http://localhost:*` (any port, the default port included), or both (`https://*.example.com:*`) |
/// | `allow_methods` | list of strings, or `"*"` | `[]` | methods beyond the CORS-safelisted GET, HEAD, POST; case-sensitive, as on the wire; `"*"` for any |
/// | `allow_headers` | list of strings, or `"*"` | `[]` | request header names, case-insensitive; `"*"` for any name except `authorization`, which is allowed only where listed by name (`["*", "authorization"]`) |
/// | `expose_headers` | list of strings, or `"*"` | `[]` | response header names scripts may read; `"*"` for all |
/// | `allow_credentials` | bool | `false` | send `Access-Control-Allow-Credentials: true` |
/// | `allow_private_network` | bool | `false` | answer Private Network Access preflights |
/// | `max_age` | integer seconds, 0..=86400 | absent | `Access-Control-Max-Age`; absent means the header is not sent; above 86400 (the most any browser honours) is an error |
/// | `preflight_status` | integer 200..=299 | 204 | status of a successful preflight response |
/// | `preflight_passthrough` | bool | `false` | hand successful preflights on to the handler instead of answering them |
/// | `debug` | bool | `false` | answer refused preflights so that the browser's own error names the refused origin, method or header (see the rules below and [`CorsBuilder::debug`]) |
/// | `dangerously_tolerate_insecure_origins` | bool | `false` | allow, with credentials, `http://` origins and patterns whose host is not a loopback host, and `null` ([`CorsBuilder::dangerously_tolerate_insecure_origins`]) |
/// | `dangerously_tolerate_public_suffixes` | bool | `false` | allow patterns whose wildcard covers the subdomains of a public suffix (`https://*.co.uk`, `https://*.github.io`) ([`CorsBuilder::dangerously_tolerate_public_suffixes`]) |
///
/// `"*"` as a string is shorthand for the list `["*"]`; in a list, `"*"` is the wildcard.
/// `max_age` and `preflight_status` are left out to take their default; `null` is a type
/// error, like any value of the wrong type, and the error names the field.
///
/// # Rules
///
/// Serde checks the types; [`CorsBuilder::build`] (behind [`Cors::try_from`]) checks
/// everything else and returns a [`ConfigError`] listing every problem, each naming the
/// field, the value and the fix. The same rules hold for a policy built in code.
///
/// - `allow_origins: "*"` together with `allow_credentials: true` is a configuration
///   error. So is an origin that is not a serialized origin (a path, a trailing slash, a
///   query, a missing scheme, upper-case letters, a default port written out) and a
///   pattern with a wildcard anywhere but the places shown above. `expose_headers: "*"`
///   with credentials is an error too, because browsers read `*` literally there.
/// - An entry of `allow_origins` or `allow_origin_patterns` that no browser can send as an
///   `Origin` is an error, with the spelling a browser would send where there is one: a
///   host that the WHATWG URL parser would rewrite (`https://0x7f.1` is sent as
///   `https://127.0.0.1`), an IPv4 address with a part above 255 or more than four parts, an
///   IPv6 address that does not parse or is not written in its shortest form, a label that
///   is not valid punycode after `xn--`.
/// - A pattern whose wildcard covers the subdomains of a public suffix, by the Public Suffix
///   List (`https://*.co.uk`, `https://*.github.io`, `https://*.com`), is an error unless
///   `dangerously_tolerate_public_suffixes` is true. `*.localhost` (`http://*.localhost:*`)
///   is a valid pattern: browsers resolve every `*.localhost` name to the loopback address.
/// - With `allow_credentials: true`, an `http://` origin or pattern whose host is not a
///   loopback host (`localhost`, a subdomain of `localhost`, `127.0.0.0/8`, `[::1]`) is an
///   error, and so is `null`, unless `dangerously_tolerate_insecure_origins` is true: a
///   network attacker can speak for an `http://` origin, and every sandboxed or `file:` page
///   is `null`.
/// - `allow_methods: "*"` and `allow_headers: "*"` with credentials are allowed: the
///   policy then answers with the requested method and header names, since browsers read
///   `*` literally on credentialed requests. The header wildcard means the same with and
///   without credentials: every name but `authorization`.
///
/// What the policy then does with requests (every adapter does the same, since the rules
/// are this crate's):
///
/// - A preflight is an `OPTIONS` request carrying both `Origin` and
///   `Access-Control-Request-Method`. An `OPTIONS` request without the latter is an
///   ordinary request and reaches the handler.
/// - A preflight is rejected when its origin, requested method or a requested header is
///   not allowed. A rejected preflight gets status 403, never reaches the handler (not even
///   under `preflight_passthrough`) and carries no `Access-Control-Allow-Origin`. A
///   rejected ordinary request still reaches the handler, without `Access-Control-Allow-*`
///   headers: the browser, not the server, withholds the response. A non-CORS request (no
///   `Origin`) reaches the handler too, with only what the next rule adds.
/// - With `allow_origins: "*"` (so without credentials), every ordinary response carries
///   `Access-Control-Allow-Origin: *`, whether or not the request had an `Origin`, and
///   needs no `Vary: Origin`.
/// - More than one `Origin` value, or an `Origin` that is not a serialized origin (a list,
///   non-ASCII bytes), is never allowed. Under `allow_origins: "*"` such a request gets no
///   `Access-Control-Allow-Origin` and carries `Vary: Origin`.
/// - Limits on `Access-Control-Request-Headers` bound the work by its bytes
///   ([`MAX_REQUEST_HEADERS_BYTES`](crate::MAX_REQUEST_HEADERS_BYTES)), its lines
///   ([`MAX_REQUEST_HEADERS_LINES`](crate::MAX_REQUEST_HEADERS_LINES)) and its empty
///   elements ([`MAX_EMPTY_ELEMENTS`](crate::MAX_EMPTY_ELEMENTS), which browsers never
///   send), never by how many names it holds: a single-line list of up to 8 KiB (such as the
///   sorted, lower-cased, comma-separated list a browser sends for a page that sets 500
///   custom headers) is judged by the policy like any other. Beyond the limits the
///   preflight is refused.
/// - With `debug: true`, a refused preflight still never lets the browser send the actual
///   request, and still never reaches the handler; but it is answered with the policy's
///   `preflight_status` (2xx) and the CORS headers the policy would have sent, less the
///   refused part: no `Access-Control-Allow-Origin` for a refused origin,
///   `Access-Control-Allow-Methods` without the refused method,
///   `Access-Control-Allow-Headers` without the refused header. The browser then reports
///   exactly that (Chromium: "Request header field x-secret is not allowed by
///   Access-Control-Allow-Headers in preflight response"). Without `debug`, a refused
///   preflight is 403, as above.
/// - Under `preflight_passthrough`, an accepted preflight reaches the handler and the
///   handler's response carries the preflight's CORS headers.
/// - Whenever the response could have been different for another `Origin`, it carries
///   `Vary: Origin` (merged with any `Vary` the handler set, never replacing it), so a
///   shared cache never serves one origin's answer to another.
///
/// A document that breaks a rule is read, then refused when built, with every problem:
///
/// ```
/// # use fetch_cors::{Config, Cors, Field};
/// let config: Config = serde_json::from_str(r#"{
///     "allow_origins": "*",
///     "allow_credentials": true,
///     "max_age": 90000
/// }"#)?;
/// let err = Cors::try_from(config).unwrap_err();
/// let fields: Vec<Field> = err.problems().iter().map(|p| p.field()).collect();
/// assert_eq!(fields, [Field::AllowOrigins, Field::MaxAge]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, remote = "Self")]
pub struct Config {
    /// Exact serialized origins, or `"*"` for any.
    #[serde(default, deserialize_with = "allow_origins")]
    pub allow_origins: Vec<String>,
    /// Origin patterns such as `https://*.example.com` or `http://localhost:*`.
    #[serde(default, deserialize_with = "allow_origin_patterns")]
    pub allow_origin_patterns: Vec<String>,
    /// Methods beyond GET, HEAD and POST, or `"*"` for any.
    #[serde(default, deserialize_with = "allow_methods")]
    pub allow_methods: Vec<String>,
    /// Request header names, or `"*"` for any but `authorization`.
    #[serde(default, deserialize_with = "allow_headers")]
    pub allow_headers: Vec<String>,
    /// Response header names scripts may read, or `"*"` for all.
    #[serde(default, deserialize_with = "expose_headers")]
    pub expose_headers: Vec<String>,
    /// Whether to send `Access-Control-Allow-Credentials: true`.
    #[serde(default, deserialize_with = "allow_credentials")]
    pub allow_credentials: bool,
    /// Whether to answer Private Network Access preflights.
    #[serde(default, deserialize_with = "allow_private_network")]
    pub allow_private_network: bool,
    /// `Access-Control-Max-Age` in seconds (0..=86400); absent sends none.
    #[serde(default, deserialize_with = "max_age")]
    pub max_age: Option<i64>,
    /// Status of an accepted preflight (200..=299); 204 when absent.
    #[serde(default, deserialize_with = "preflight_status")]
    pub preflight_status: Option<i64>,
    /// Whether accepted preflights go on to the handler.
    #[serde(default, deserialize_with = "preflight_passthrough")]
    pub preflight_passthrough: bool,
    /// Answer refused preflights so that the browser's own error names the refused part (see
    /// [`CorsBuilder::debug`]).
    #[serde(default, deserialize_with = "debug")]
    pub debug: bool,
    /// With credentials, allow `http://` origins on hosts that are not loopback, and `null`
    /// (see [`CorsBuilder::dangerously_tolerate_insecure_origins`]).
    #[serde(default, deserialize_with = "dangerously_tolerate_insecure_origins")]
    pub dangerously_tolerate_insecure_origins: bool,
    /// Allow patterns over the subdomains of a public suffix (see
    /// [`CorsBuilder::dangerously_tolerate_public_suffixes`]).
    #[serde(default, deserialize_with = "dangerously_tolerate_public_suffixes")]
    pub dangerously_tolerate_public_suffixes: bool,
}

impl<'de> Deserialize<'de> for Config {
    /// Reads one object of fields, and refuses any other top level in one line.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ObjectVisitor)
    }
}

/// The top level of a policy document: an object, read by the derived field visitor.
struct ObjectVisitor;

impl<'de> Visitor<'de> for ObjectVisitor {
    type Value = Config;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a policy: one object of fields, such as {\"allow_origins\": [\"https://app.example.com\"]}",
        )
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Config, A::Error> {
        Config::deserialize(de::value::MapAccessDeserializer::new(map))
    }
}

impl From<Config> for CorsBuilder {
    /// A builder holding the config's settings, to add what a file cannot hold (an origin
    /// predicate) before building.
    fn from(c: Config) -> Self {
        Cors::builder()
            .allow_origins(c.allow_origins)
            .allow_origin_patterns(c.allow_origin_patterns)
            .allow_methods(c.allow_methods)
            .allow_headers(c.allow_headers)
            .expose_headers(c.expose_headers)
            .allow_credentials(c.allow_credentials)
            .allow_private_network(c.allow_private_network)
            .preflight_passthrough(c.preflight_passthrough)
            .debug(c.debug)
            .dangerously_tolerate_insecure_origins(c.dangerously_tolerate_insecure_origins)
            .dangerously_tolerate_public_suffixes(c.dangerously_tolerate_public_suffixes)
            .raw_numbers(c.max_age, c.preflight_status)
    }
}

impl TryFrom<Config> for Cors {
    type Error = ConfigError;

    fn try_from(config: Config) -> Result<Self, Self::Error> {
        CorsBuilder::from(config).build()
    }
}

/// A list of strings, or the string `"*"` as shorthand for `["*"]`.
struct ListVisitor(&'static str);

impl<'de> Visitor<'de> for ListVisitor {
    type Value = Vec<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: a list of strings, or \"*\"", self.0)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v == "*" {
            Ok(vec!["*".to_owned()])
        } else {
            Err(E::invalid_value(de::Unexpected::Str(v), &self))
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element::<String>()? {
            items.push(item);
        }
        Ok(items)
    }
}

/// A list of strings only.
struct PlainListVisitor(&'static str);

impl<'de> Visitor<'de> for PlainListVisitor {
    type Value = Vec<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: a list of strings", self.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        ListVisitor(self.0).visit_seq(seq)
    }
}

struct BoolVisitor(&'static str);

impl Visitor<'_> for BoolVisitor {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: true or false", self.0)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(v)
    }
}

/// A whole number; the range is the builder's to check, so that its message names the fix.
struct IntVisitor(&'static str);

impl Visitor<'_> for IntVisitor {
    type Value = Option<i64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: a whole number", self.0)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(i64::try_from(v).unwrap_or(i64::MAX)))
    }
}

macro_rules! field {
    ($name:ident, $visitor:ident, $ty:ty, $how:ident) => {
        fn $name<'de, D: Deserializer<'de>>(d: D) -> Result<$ty, D::Error> {
            d.$how($visitor(stringify!($name)))
        }
    };
}

field!(allow_origins, ListVisitor, Vec<String>, deserialize_any);
field!(
    allow_origin_patterns,
    PlainListVisitor,
    Vec<String>,
    deserialize_seq
);
field!(allow_methods, ListVisitor, Vec<String>, deserialize_any);
field!(allow_headers, ListVisitor, Vec<String>, deserialize_any);
field!(expose_headers, ListVisitor, Vec<String>, deserialize_any);
field!(allow_credentials, BoolVisitor, bool, deserialize_bool);
field!(allow_private_network, BoolVisitor, bool, deserialize_bool);
field!(preflight_passthrough, BoolVisitor, bool, deserialize_bool);
field!(debug, BoolVisitor, bool, deserialize_bool);
field!(
    dangerously_tolerate_insecure_origins,
    BoolVisitor,
    bool,
    deserialize_bool
);
field!(
    dangerously_tolerate_public_suffixes,
    BoolVisitor,
    bool,
    deserialize_bool
);
field!(max_age, IntVisitor, Option<i64>, deserialize_i64);
field!(preflight_status, IntVisitor, Option<i64>, deserialize_i64);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Field;

    fn parse(json: &str) -> Result<Config, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn empty_file_is_the_default() {
        assert_eq!(parse("{}").unwrap(), Config::default());
    }

    #[test]
    fn star_string_is_a_list() {
        let c =
            parse(r#"{"allow_origins":"*","allow_methods":["*"],"allow_headers":"*"}"#).unwrap();
        assert_eq!(c.allow_origins, ["*"]);
        assert_eq!(c.allow_methods, ["*"]);
        assert_eq!(c.allow_headers, ["*"]);
    }

    #[test]
    fn type_errors_name_the_field() {
        for (json, field) in [
            (r#"{"allow_origins": 5}"#, "allow_origins"),
            (r#"{"allow_origins": "https://a.com"}"#, "allow_origins"),
            (r#"{"allow_origin_patterns": "*"}"#, "allow_origin_patterns"),
            (r#"{"allow_methods": [1]}"#, "invalid type"),
            (r#"{"allow_credentials": "yes"}"#, "allow_credentials"),
            (r#"{"max_age": "600"}"#, "max_age"),
            (r#"{"max_age": 1.5}"#, "max_age"),
            (r#"{"preflight_status": null}"#, "preflight_status"),
            (r#"{"allow_origin": []}"#, "unknown field `allow_origin`"),
        ] {
            let err = parse(json).unwrap_err();
            assert!(err.contains(field), "{json}: {err}");
        }
    }

    #[test]
    fn dangerous_settings_are_read() {
        let c = parse(
            r#"{"dangerously_tolerate_insecure_origins": true,
                "dangerously_tolerate_public_suffixes": true}"#,
        )
        .unwrap();
        assert!(c.dangerously_tolerate_insecure_origins);
        assert!(c.dangerously_tolerate_public_suffixes);
    }

    #[test]
    fn ranges_are_checked_by_the_builder() {
        let c = parse(r#"{"max_age": 86401, "preflight_status": 404}"#).unwrap();
        let err = Cors::try_from(c).unwrap_err();
        let fields: Vec<Field> = err.problems().iter().map(|p| p.field()).collect();
        assert_eq!(fields, [Field::MaxAge, Field::PreflightStatus]);
        let c = parse(r#"{"max_age": 18446744073709551615}"#).unwrap();
        assert!(Cors::try_from(c).is_err());
    }
}
