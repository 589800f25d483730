//! The request kinds of the soak and how often each is sent.

use std::fmt;

use crate::rng::Rng;

/// What a request is meant to exercise. Each kind has one expected answer under the
/// soak's policy ([`POLICY`](crate::POLICY), `policy.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// `GET` from a listed origin: 200, the origin echoed, the handler reached.
    AllowedGet,
    /// `GET` from a random subdomain of the pattern `https://*.example.org`.
    PatternGet,
    /// `POST` with a small body from a listed origin.
    AllowedPost,
    /// `HEAD` from a listed origin: the same headers, no body.
    AllowedHead,
    /// A request without `Origin`: the handler, no CORS headers, `Vary: Origin`.
    NoOrigin,
    /// An allowed origin on the framework's own 404.
    NotFound,
    /// An allowed origin on the handler that fails with 500.
    ServerError,
    /// A preflight the policy accepts: 204 and the `Access-Control-Allow-*` answer.
    AcceptedPreflight,
    /// `GET` from an origin the policy does not allow: the handler, no CORS headers.
    DisallowedGet,
    /// `GET` from `https://example.org`, the apex the pattern never matches.
    ApexGet,
    /// A preflight from an origin the policy does not allow: 403.
    PreflightBadOrigin,
    /// A preflight for a method the policy does not allow: 403.
    PreflightBadMethod,
    /// A preflight for a header the policy does not allow: 403.
    PreflightBadHeader,
    /// Two `Origin` lines, both listed: never allowed.
    DuplicateOrigin,
    /// `Origin` with bytes that are not UTF-8: never allowed, or the framework's 400.
    NonUtf8Origin,
    /// `Origin` with a control byte (NUL, 0x01, DEL): the framework's 400, or never
    /// allowed.
    ControlByteOrigin,
    /// `Origin` continued on an obs-fold line: the framework's 400, or never allowed.
    FoldedOrigin,
    /// A preflight with 17 `Access-Control-Request-Headers` lines (the core reads 16).
    ManyRequestHeadersLines,
    /// A preflight whose `Access-Control-Request-Headers` names 10,000 headers (the
    /// core's limit is 64 names and 8 KiB): 403, or the framework's refusal.
    HugeRequestHeaders,
    /// A 100 KB header beside a listed origin: the ordinary answer, or the
    /// framework's refusal (431, 400, or closing the connection).
    HugeHeader,
    /// A 100 KB `Origin`: never allowed, or the framework's refusal.
    HugeOrigin,
    /// 150 header lines beside a listed origin: the ordinary answer or 431.
    ManyHeaders,
    /// A request line that is not HTTP: 400, or closing the connection.
    Garbage,
    /// Part of a request, then the client closes its side: the server must close too.
    Truncated,
    /// A listed-origin `GET` sent a byte at a time with pauses (a few at once).
    SlowClient,
}

/// Which of the three groups a kind belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// A request the policy allows.
    Valid,
    /// A well-formed request the policy rejects.
    Rejected,
    /// A malformed or hostile request.
    Malformed,
}

impl Kind {
    /// Every kind, in report order.
    pub const ALL: [Kind; 25] = [
        Kind::AllowedGet,
        Kind::PatternGet,
        Kind::AllowedPost,
        Kind::AllowedHead,
        Kind::NoOrigin,
        Kind::NotFound,
        Kind::ServerError,
        Kind::AcceptedPreflight,
        Kind::DisallowedGet,
        Kind::ApexGet,
        Kind::PreflightBadOrigin,
        Kind::PreflightBadMethod,
        Kind::PreflightBadHeader,
        Kind::DuplicateOrigin,
        Kind::NonUtf8Origin,
        Kind::ControlByteOrigin,
        Kind::FoldedOrigin,
        Kind::ManyRequestHeadersLines,
        Kind::HugeRequestHeaders,
        Kind::HugeHeader,
        Kind::HugeOrigin,
        Kind::ManyHeaders,
        Kind::Garbage,
        Kind::Truncated,
        Kind::SlowClient,
    ];

    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Kind::AllowedGet => "allowed GET",
            Kind::PatternGet => "pattern GET",
            Kind::AllowedPost => "allowed POST",
            Kind::AllowedHead => "allowed HEAD",
            Kind::NoOrigin => "no Origin",
            Kind::NotFound => "404 with Origin",
            Kind::ServerError => "500 with Origin",
            Kind::AcceptedPreflight => "accepted preflight",
            Kind::DisallowedGet => "disallowed GET",
            Kind::ApexGet => "apex GET",
            Kind::PreflightBadOrigin => "preflight, bad origin",
            Kind::PreflightBadMethod => "preflight, bad method",
            Kind::PreflightBadHeader => "preflight, bad header",
            Kind::DuplicateOrigin => "duplicate Origin",
            Kind::NonUtf8Origin => "non-UTF-8 Origin",
            Kind::ControlByteOrigin => "control byte in Origin",
            Kind::FoldedOrigin => "obs-fold Origin",
            Kind::ManyRequestHeadersLines => "17 ACRH lines",
            Kind::HugeRequestHeaders => "ACRH of 10,000 names",
            Kind::HugeHeader => "100 KB header",
            Kind::HugeOrigin => "100 KB Origin",
            Kind::ManyHeaders => "150 header lines",
            Kind::Garbage => "garbage request line",
            Kind::Truncated => "truncated request",
            Kind::SlowClient => "slow client",
        }
    }

    /// The kind's group.
    pub fn class(self) -> Class {
        match self {
            Kind::AllowedGet
            | Kind::PatternGet
            | Kind::AllowedPost
            | Kind::AllowedHead
            | Kind::NoOrigin
            | Kind::NotFound
            | Kind::ServerError
            | Kind::AcceptedPreflight => Class::Valid,
            Kind::DisallowedGet
            | Kind::ApexGet
            | Kind::PreflightBadOrigin
            | Kind::PreflightBadMethod
            | Kind::PreflightBadHeader => Class::Rejected,
            _ => Class::Malformed,
        }
    }

    /// How many of every 1,000 requests are of this kind. About 55 % valid, 26 %
    /// rejected, 19 % malformed; the 80-100 KB kinds are 2.5 % together, which is
    /// already most of the bytes on the wire. Slow clients are rarer still: each one
    /// holds its connection for tens of milliseconds.
    pub fn weight(self) -> u32 {
        match self {
            Kind::AllowedGet => 160,
            Kind::PatternGet => 100,
            Kind::AllowedPost => 50,
            Kind::AllowedHead => 20,
            Kind::NoOrigin => 50,
            Kind::NotFound => 20,
            Kind::ServerError => 20,
            Kind::AcceptedPreflight => 130,
            Kind::DisallowedGet => 100,
            Kind::ApexGet => 30,
            Kind::PreflightBadOrigin => 50,
            Kind::PreflightBadMethod => 40,
            Kind::PreflightBadHeader => 40,
            Kind::DuplicateOrigin => 40,
            Kind::NonUtf8Origin => 30,
            Kind::ControlByteOrigin => 10,
            Kind::FoldedOrigin => 10,
            Kind::ManyRequestHeadersLines => 15,
            Kind::HugeRequestHeaders => 10,
            Kind::HugeHeader => 10,
            Kind::HugeOrigin => 5,
            Kind::ManyHeaders => 10,
            Kind::Garbage => 15,
            Kind::Truncated => 30,
            Kind::SlowClient => 5,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The sum of every weight: a draw is a number below it.
const TOTAL_WEIGHT: u32 = 1000;

/// Draws a kind with the probabilities [`Kind::weight`] gives.
pub(crate) fn draw(rng: &mut Rng) -> Kind {
    let mut n = rng.below(TOTAL_WEIGHT);
    for kind in Kind::ALL {
        if n < kind.weight() {
            return kind;
        }
        n -= kind.weight();
    }
    unreachable!("the weights add up to TOTAL_WEIGHT")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_add_up() {
        assert_eq!(
            Kind::ALL.iter().map(|k| k.weight()).sum::<u32>(),
            TOTAL_WEIGHT
        );
        assert!(Kind::ALL.iter().all(|k| k.weight() > 0));
    }

    #[test]
    fn kinds_are_listed_once_in_order() {
        let mut sorted = Kind::ALL.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, Kind::ALL.to_vec());
    }

    #[test]
    fn every_kind_is_drawn_at_about_its_weight() {
        let mut rng = Rng::new(11);
        let mut counts = std::collections::HashMap::new();
        const DRAWS: u32 = 200_000;
        for _ in 0..DRAWS {
            *counts.entry(draw(&mut rng)).or_insert(0u32) += 1;
        }
        for kind in Kind::ALL {
            let expected = f64::from(kind.weight()) / f64::from(TOTAL_WEIGHT);
            let got = f64::from(counts[&kind]) / f64::from(DRAWS);
            assert!(
                (got - expected).abs() < expected * 0.2 + 0.0005,
                "{kind}: drawn {got:.4}, weight {expected:.4}"
            );
        }
    }

    #[test]
    fn each_group_has_its_share() {
        let share = |class| -> u32 {
            Kind::ALL
                .iter()
                .filter(|k| k.class() == class)
                .map(|k| k.weight())
                .sum()
        };
        assert_eq!(share(Class::Valid), 550);
        assert_eq!(share(Class::Rejected), 260);
        assert_eq!(share(Class::Malformed), 190);
    }
}
