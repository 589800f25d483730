//! The CORS headers a decision writes into a response: their names, their values (constants,
//! the policy's, echoes of the request, or one built for the request) and the set of them.

use std::fmt;

use http::HeaderValue;

/// A response header CORS writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
// Not `#[non_exhaustive]`: an adapter maps every header to its framework's name with an
// exhaustive `match`, so a header added here fails to compile there rather than being sent
// under another header's name.
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

/// A header value that never changes, so that every adapter can convert it once, when it
/// starts, into its framework's own value type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Constant {
    /// `*`: any origin, on a policy that allows any origin without credentials.
    Any,
    /// `true`: `Access-Control-Allow-Credentials` and `-Allow-Private-Network`.
    True,
    /// `Vary: Origin` on actual and non-CORS responses whose answer depends on `Origin`.
    VaryOrigin,
    /// `Vary` on every preflight response: its answer depends on all three request headers
    /// ([Fetch, CORS protocol and HTTP
    /// caches](https://fetch.spec.whatwg.org/#cors-protocol-and-http-caches)).
    VaryPreflight,
    /// [`Constant::VaryPreflight`] with `Access-Control-Request-Private-Network`, for a
    /// policy that answers Private Network Access preflights.
    VaryPreflightPrivateNetwork,
}

impl Constant {
    /// Every constant, in discriminant order: `constant as usize` is its place here, so an
    /// adapter indexes its own table of converted values with it.
    pub const ALL: [Constant; 5] = [
        Constant::Any,
        Constant::True,
        Constant::VaryOrigin,
        Constant::VaryPreflight,
        Constant::VaryPreflightPrivateNetwork,
    ];

    /// The value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Constant::Any => "*",
            Constant::True => "true",
            Constant::VaryOrigin => "Origin",
            Constant::VaryPreflight => {
                "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
            }
            Constant::VaryPreflightPrivateNetwork => {
                "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, \
                 Access-Control-Request-Private-Network"
            }
        }
    }
}

impl fmt::Display for Constant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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
/// [`Decision`](crate::Decision) has nothing to drop but the rare list it had to rebuild: the
/// policy's values were computed when it was built, and echoes point into the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    /// A value that never changes, such as `*`, `true` or `Origin`.
    Constant(Constant),
    /// A value computed when the policy was built (`Access-Control-Max-Age`,
    /// `Access-Control-Expose-Headers`).
    Policy(&'a HeaderValue),
    /// The request's own header line, repeated byte for byte.
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
            Value::Constant(c) => c.as_str().as_bytes(),
            Value::Policy(v) | Value::Built(v) => v.as_bytes(),
            Value::Echo(_, b) => b,
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
/// One slot per header, indexed by [`CorsHeader`]: setting one is a store, and nothing is
/// grown or dropped on the hot path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseHeaders<'a> {
    slots: [Option<Slot<'a>>; 8],
    built: Option<HeaderValue>,
}

impl<'a> ResponseHeaders<'a> {
    #[inline]
    pub(crate) fn push(&mut self, name: CorsHeader, value: Value<'a>) {
        // `CorsHeader`'s discriminants are its places in `CorsHeader::ALL`.
        self.slots[name as usize] = Some(Slot::Value(value));
    }

    /// Sets a value built for this request.
    pub(crate) fn push_built(&mut self, name: CorsHeader, value: HeaderValue) {
        self.built = Some(value);
        self.slots[name as usize] = Some(Slot::Built);
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

    /// The value of one header, if present.
    pub fn get(&self, name: CorsHeader) -> Option<Value<'_>> {
        self.value(self.slots[name as usize]?)
    }

    /// Every header with the values that borrow only the policy and the request (for `'a`,
    /// which may outlive these headers), and `None` for the one value built for this request.
    #[inline]
    pub(crate) fn iter_lasting(
        &self,
    ) -> impl Iterator<Item = (CorsHeader, Option<Value<'a>>)> + '_ {
        CorsHeader::ALL
            .iter()
            .zip(&self.slots)
            .filter_map(|(name, slot)| match (*slot)? {
                Slot::Value(value) => Some((*name, Some(value))),
                Slot::Built => Some((*name, None)),
            })
    }

    /// The value built for this request, if there is one.
    pub(crate) fn built(&self) -> Option<&HeaderValue> {
        self.built.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_are_in_discriminant_order_and_valid_values() {
        for (index, constant) in Constant::ALL.into_iter().enumerate() {
            assert_eq!(constant as usize, index);
            assert!(HeaderValue::from_str(constant.as_str()).is_ok());
        }
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
