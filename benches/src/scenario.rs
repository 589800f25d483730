//! The requests and the policies every framework is measured with, as data.

use std::sync::OnceLock;

use crate::*;

/// One of the three apps measured per framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Row {
    /// The app without any CORS middleware.
    Baseline,
    /// The app with the framework's usual CORS middleware.
    Peer,
    /// The app with this workspace's adapter.
    Ours,
}

impl Row {
    /// All three, in table order.
    pub const ALL: [Row; 3] = [Row::Baseline, Row::Peer, Row::Ours];

    /// A short lower-case name, for benchmark ids.
    pub fn name(self) -> &'static str {
        match self {
            Row::Baseline => "baseline",
            Row::Peer => "peer",
            Row::Ours => "ours",
        }
    }
}

/// A CORS policy, expressed once per middleware by the framework modules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Policy {
    /// [`ALLOWED_ORIGIN`]; [`ALLOWED_METHODS`], [`ALLOWED_HEADERS`], credentials,
    /// [`MAX_AGE`].
    One,
    /// As [`Policy::One`], with the 1,000 origins of [`thousand_origins`].
    Thousand,
    /// As [`Policy::One`], plus the subdomain pattern [`PATTERN`].
    Pattern,
    /// Any origin, any method, any header, no credentials: the policy under which a
    /// middleware has to read a whole `Access-Control-Request-Headers` list.
    Any,
}

impl Policy {
    /// The policy for fetch-cors (and so for every adapter).
    pub fn cors(self) -> fetch_cors::Cors {
        let listing = |builder: fetch_cors::CorsBuilder| {
            builder
                .allow_methods(ALLOWED_METHODS)
                .allow_headers(ALLOWED_HEADERS)
                .allow_credentials(true)
                .max_age(MAX_AGE.into())
        };
        let builder = fetch_cors::Cors::builder();
        let builder = match self {
            Policy::One => listing(builder.allow_origin(ALLOWED_ORIGIN)),
            Policy::Thousand => listing(builder.allow_origins(thousand_origins())),
            Policy::Pattern => listing(
                builder
                    .allow_origin(ALLOWED_ORIGIN)
                    .allow_origin_pattern(PATTERN),
            ),
            Policy::Any => builder
                .allow_any_origin()
                .allow_any_method()
                .allow_any_header(),
        };
        builder.build().expect("the benchmark policies are valid")
    }
}

/// One kind of request, sent unchanged to every app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scenario {
    /// `GET` without `Origin`: not a CORS request.
    NoOrigin,
    /// `GET` from [`ALLOWED_ORIGIN`], listed alone.
    AllowedGet,
    /// `GET` from [`ALLOWED_ORIGIN`], the last of 1,000 listed origins.
    AllowedGetAmong1000,
    /// `GET` from [`PATTERN_ORIGIN`], allowed by [`PATTERN`].
    AllowedGetByPattern,
    /// `GET` from [`DISALLOWED_ORIGIN`].
    DisallowedGet,
    /// A preflight from [`ALLOWED_ORIGIN`] for `PUT` with [`THREE_HEADERS`].
    AllowedPreflight,
    /// A preflight from [`DISALLOWED_ORIGIN`] for `PUT`.
    RejectedPreflight,
    /// A preflight from [`ALLOWED_ORIGIN`] for `PUT` whose `Access-Control-Request-Headers`
    /// is 1,024 bare commas, under the policy that lists three headers.
    PreflightCommas,
    /// The same with 500 header names.
    PreflightNames,
    /// [`Scenario::PreflightCommas`] under a policy that allows any header.
    PreflightCommasAnyHeader,
    /// [`Scenario::PreflightNames`] under a policy that allows any header: accepted and
    /// echoed, since the list is what a page that sets 500 custom headers sends (fetch-cors
    /// bounds a list by its bytes, never by how many names it holds).
    PreflightNamesAnyHeader,
}

impl Scenario {
    /// Every scenario, in table order.
    pub const ALL: [Scenario; 11] = [
        Scenario::NoOrigin,
        Scenario::AllowedGet,
        Scenario::AllowedGetAmong1000,
        Scenario::AllowedGetByPattern,
        Scenario::DisallowedGet,
        Scenario::AllowedPreflight,
        Scenario::RejectedPreflight,
        Scenario::PreflightCommas,
        Scenario::PreflightNames,
        Scenario::PreflightCommasAnyHeader,
        Scenario::PreflightNamesAnyHeader,
    ];

    /// The name in tables and benchmark ids.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::NoOrigin => "no Origin",
            Scenario::AllowedGet => "allowed GET",
            Scenario::AllowedGetAmong1000 => "allowed GET among 1000",
            Scenario::AllowedGetByPattern => "allowed GET by pattern",
            Scenario::DisallowedGet => "disallowed GET",
            Scenario::AllowedPreflight => "allowed preflight, 3 headers",
            Scenario::RejectedPreflight => "rejected preflight",
            Scenario::PreflightCommas => "preflight, ACRH of 1024 commas",
            Scenario::PreflightNames => "preflight, ACRH of 500 names",
            Scenario::PreflightCommasAnyHeader => "preflight, ACRH of 1024 commas, any header",
            Scenario::PreflightNamesAnyHeader => "preflight, ACRH of 500 names, any header",
        }
    }

    /// The policy it runs under.
    pub fn policy(self) -> Policy {
        match self {
            Scenario::AllowedGetAmong1000 => Policy::Thousand,
            Scenario::AllowedGetByPattern => Policy::Pattern,
            Scenario::PreflightCommasAnyHeader | Scenario::PreflightNamesAnyHeader => Policy::Any,
            _ => Policy::One,
        }
    }

    /// Whether it is a preflight (`OPTIONS`), which an app without CORS has no route for.
    pub fn is_preflight(self) -> bool {
        matches!(
            self,
            Scenario::AllowedPreflight
                | Scenario::RejectedPreflight
                | Scenario::PreflightNamesAnyHeader
        ) || self.is_adversarial()
    }

    /// Whether it is one of the hostile preflights, which ours refuses.
    pub fn is_adversarial(self) -> bool {
        matches!(
            self,
            Scenario::PreflightCommas
                | Scenario::PreflightNames
                | Scenario::PreflightCommasAnyHeader
        )
    }

    /// The request method.
    pub fn method(self) -> &'static str {
        if self.is_preflight() {
            "OPTIONS"
        } else {
            "GET"
        }
    }

    /// The request's headers, lower-case names and `'static` values: an app sees them as it
    /// sees a server's, whose values are slices of a shared buffer (cloning one allocates
    /// nothing).
    pub fn headers(self) -> &'static [(&'static str, &'static str)] {
        static HEADERS: OnceLock<Vec<Vec<(&'static str, &'static str)>>> = OnceLock::new();
        let all = HEADERS.get_or_init(|| {
            let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
            let commas = leak(commas());
            let names = leak(five_hundred_names());
            Scenario::ALL
                .iter()
                .map(|scenario| {
                    let preflight = |origin, acrh: Option<&'static str>| {
                        let mut v =
                            vec![("origin", origin), ("access-control-request-method", "PUT")];
                        v.extend(acrh.map(|h| ("access-control-request-headers", h)));
                        v
                    };
                    match scenario {
                        Scenario::NoOrigin => vec![],
                        Scenario::AllowedGet | Scenario::AllowedGetAmong1000 => {
                            vec![("origin", ALLOWED_ORIGIN)]
                        }
                        Scenario::AllowedGetByPattern => vec![("origin", PATTERN_ORIGIN)],
                        Scenario::DisallowedGet => vec![("origin", DISALLOWED_ORIGIN)],
                        Scenario::AllowedPreflight => {
                            preflight(ALLOWED_ORIGIN, Some(THREE_HEADERS))
                        }
                        Scenario::RejectedPreflight => preflight(DISALLOWED_ORIGIN, None),
                        Scenario::PreflightCommas | Scenario::PreflightCommasAnyHeader => {
                            preflight(ALLOWED_ORIGIN, Some(commas))
                        }
                        Scenario::PreflightNames | Scenario::PreflightNamesAnyHeader => {
                            preflight(ALLOWED_ORIGIN, Some(names))
                        }
                    }
                })
                .collect()
        });
        let index = Scenario::ALL
            .iter()
            .position(|s| *s == self)
            .expect("every scenario is in ALL");
        &all[index]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_policy_builds() {
        for policy in [Policy::One, Policy::Thousand, Policy::Pattern, Policy::Any] {
            policy.cors();
        }
    }

    #[test]
    fn adversarial_headers_are_as_named() {
        let acrh = |s: Scenario| {
            s.headers()
                .iter()
                .find(|(n, _)| *n == "access-control-request-headers")
                .map(|(_, v)| *v)
                .unwrap()
        };
        for s in [
            Scenario::PreflightCommas,
            Scenario::PreflightCommasAnyHeader,
        ] {
            assert_eq!(acrh(s).len(), 1024);
        }
        for s in [Scenario::PreflightNames, Scenario::PreflightNamesAnyHeader] {
            assert_eq!(acrh(s).split(',').count(), 500);
        }
    }
}
