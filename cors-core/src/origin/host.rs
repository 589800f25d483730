//! Hosts as a browser writes them in `Origin`, for validating a policy's origins and
//! patterns when it is built (never on the request path).
//!
//! - The [WHATWG URL host parser](https://url.spec.whatwg.org/#host-parsing) decides the one
//!   spelling a browser sends: `https://0x7f.1` is sent as `https://127.0.0.1`, and
//!   `https://999.1.1.1` is never sent at all. The `url` crate implements that parser (IPv4
//!   number parsing, IPv6 serialisation, IDNA and punycode through the `idna` crate), so this
//!   module asks it rather than keeping a second copy of those rules.
//! - The [Public Suffix List](https://publicsuffix.org/), compiled in by the `psl` crate,
//!   says which domains many unrelated sites share (`co.uk`, `github.io`).
//! - Loopback hosts never leave the machine, so plain `http://` is safe there.

use std::net::Ipv4Addr;

/// Why a host as written is not what a browser sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NotSent {
    /// The URL parser rewrites it: a browser sends this spelling instead.
    Rewritten(String),
    /// The URL parser refuses it: no browser can send it.
    Never(&'static str),
}

/// The schemes whose hosts the URL parser parses as domains or IP addresses
/// ([URL, special scheme](https://url.spec.whatwg.org/#special-scheme)); other schemes
/// (`chrome-extension://…`) have opaque hosts, sent as written.
fn is_special(scheme: &[u8]) -> bool {
    matches!(scheme, b"http" | b"https" | b"ws" | b"wss" | b"ftp")
}

/// Checks the host of a serialized origin (already known to be lower-case ASCII without
/// empty labels) against the spelling the URL parser gives it.
pub(crate) fn check(scheme: &[u8], host: &str) -> Result<(), NotSent> {
    if !is_special(scheme) {
        return Ok(());
    }
    let parsed = url::Host::parse(host).map_err(|e| NotSent::Never(why_refused(e)))?;
    let canonical = parsed.to_string();
    if canonical != host {
        return Err(NotSent::Rewritten(canonical));
    }
    if let url::Host::Domain(domain) = parsed {
        // The URL parser keeps such labels (UTS #46 with CheckHyphens off), but no DNS host
        // name has one (RFC 1123 §2.1), so no page is ever served from it.
        if domain
            .split('.')
            .any(|label| label.starts_with('-') || label.ends_with('-'))
        {
            return Err(NotSent::Never(
                "a label of its host begins or ends with `-`, which no DNS host name does \
                 (RFC 1123 §2.1)",
            ));
        }
    }
    Ok(())
}

/// Checks the domain of a subdomain pattern (`*.domain`) through a host it would match (a
/// rewritten domain comes back without `*.`), since
/// what the URL parser does with `domain` alone can differ: `a.0x1` is a domain, while every
/// host under it ends in a number and so must be an IPv4 address, which it is not.
pub(crate) fn check_subdomains(scheme: &[u8], domain: &str) -> Result<(), NotSent> {
    match check(scheme, &format!("{PROBE}.{domain}")) {
        // The probe label is plain ASCII, so the parser keeps it as written.
        Err(NotSent::Rewritten(host)) => Err(NotSent::Rewritten(
            host.strip_prefix(PROBE)
                .and_then(|h| h.strip_prefix('.'))
                .unwrap_or(&host)
                .to_owned(),
        )),
        other => other,
    }
}

/// A label that stands for "any subdomain" when a pattern's domain is checked.
const PROBE: &str = "cors-probe";

fn why_refused(error: url::ParseError) -> &'static str {
    match error {
        url::ParseError::InvalidIpv4Address => {
            "its host ends in a number, so the URL parser reads it as an IPv4 address, and it \
             is not one (a part above 255, more than four parts, or a part that is not a number)"
        }
        url::ParseError::InvalidIpv6Address => "its IPv6 address does not parse",
        url::ParseError::IdnaError => {
            "its host is not a valid internationalised domain name (a label after `xn--` that \
             is not valid punycode, or a character IDNA forbids)"
        }
        url::ParseError::EmptyHost => "its host is empty",
        _ => "the URL parser refuses its host",
    }
}

/// The public suffix whose subdomains the pattern `*.domain` covers, if any: `co.uk` for
/// `*.co.uk`, `*.kawasaki.jp` for `*.kawasaki.jp` (every name directly under `kawasaki.jp` is
/// a public suffix). `localhost` is none: browsers resolve every `*.localhost` name to the
/// loopback address
/// ([Secure Contexts, `localhost`](https://w3c.github.io/webappsec-secure-contexts/#localhost)).
pub(crate) fn covered_public_suffix(domain: &str) -> Option<String> {
    if is_localhost(domain) {
        return None;
    }
    let probe = format!("{PROBE}.{domain}");
    let suffix = psl::suffix(probe.as_bytes())?;
    let suffix = std::str::from_utf8(suffix.as_bytes()).ok()?;
    // A suffix shorter than `domain` leaves every matched host inside one registrable domain.
    if suffix.len() < domain.len() {
        return None;
    }
    Some(if suffix == domain {
        domain.to_owned()
    } else {
        format!("*.{domain}")
    })
}

fn is_localhost(domain: &str) -> bool {
    domain == "localhost" || domain.ends_with(".localhost")
}

/// Whether `host` (as in a serialized origin) is a loopback host: `localhost` and its
/// subdomains, `127.0.0.0/8` and `[::1]`, the hosts a network attacker cannot speak for.
pub(crate) fn is_loopback(host: &str) -> bool {
    is_localhost(host)
        || host == "[::1]"
        || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_a_browser_sends_as_written() {
        for host in [
            "example.com",
            "localhost",
            "127.0.0.1",
            "[::1]",
            "[2001:db8::1]",
            "xn--bcher-kva.example",
            "under_score.example",
            "a-b.example",
        ] {
            assert_eq!(check(b"https", host), Ok(()), "{host}");
        }
        assert_eq!(check(b"chrome-extension", "0x7f"), Ok(()));
    }

    #[test]
    fn hosts_the_url_parser_rewrites() {
        for (host, sent) in [
            ("0x7f.1", "127.0.0.1"),
            ("0127.0.0.1", "87.0.0.1"),
            ("2130706433", "127.0.0.1"),
            ("[::ffff:127.0.0.1]", "[::ffff:7f00:1]"),
            ("[0:0:0:0:0:0:0:1]", "[::1]"),
        ] {
            assert_eq!(
                check(b"https", host),
                Err(NotSent::Rewritten(sent.to_owned())),
                "{host}"
            );
        }
    }

    #[test]
    fn hosts_no_browser_sends() {
        for (host, why) in [
            ("999.1.1.1", "IPv4"),
            ("1.2.3.4.5", "IPv4"),
            ("a.0x1", "IPv4"),
            ("[1::2::3]", "IPv6"),
            ("[:]", "IPv6"),
            ("xn--", "punycode"),
            ("xn--a", "punycode"),
            ("-", "`-`"),
            ("a-.example", "`-`"),
        ] {
            match check(b"http", host) {
                Err(NotSent::Never(got)) => assert!(got.contains(why), "{host}: {got}"),
                other => panic!("{host}: {other:?}"),
            }
        }
    }

    #[test]
    fn subdomain_patterns_are_checked_through_a_host_they_match() {
        assert_eq!(check_subdomains(b"https", "example.com"), Ok(()));
        assert!(matches!(
            check_subdomains(b"https", "a.0x1"),
            Err(NotSent::Never(_))
        ));
        assert!(matches!(
            check_subdomains(b"https", "xn--"),
            Err(NotSent::Never(_))
        ));
    }

    #[test]
    fn public_suffixes() {
        assert_eq!(covered_public_suffix("co.uk").as_deref(), Some("co.uk"));
        assert_eq!(
            covered_public_suffix("github.io").as_deref(),
            Some("github.io")
        );
        assert_eq!(covered_public_suffix("com").as_deref(), Some("com"));
        assert_eq!(
            covered_public_suffix("kawasaki.jp").as_deref(),
            Some("*.kawasaki.jp")
        );
        for mine in [
            "example.com",
            "example.co.uk",
            "me.github.io",
            "localhost",
            "app.localhost",
        ] {
            assert_eq!(covered_public_suffix(mine), None, "{mine}");
        }
    }

    #[test]
    fn loopback_hosts() {
        for host in [
            "localhost",
            "a.localhost",
            "127.0.0.1",
            "127.1.2.3",
            "[::1]",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "example.com",
            "localhost.example",
            "128.0.0.1",
            "[::2]",
            "0.0.0.0",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }
}
