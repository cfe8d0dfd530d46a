//! Requests Hearth makes to addresses its users give it (push endpoints).
//! Such an address must not reach into Hearth's own network: it must be
//! https on a public address, checked when it is given and again at every
//! connection, since a name may resolve elsewhere later. Redirects are not
//! followed. `HEARTH_OUTBOUND_ALLOW_PRIVATE` lifts the address rules, for
//! tests and closed networks.
use reqwest::{
    dns::{Addrs, Name, Resolve, Resolving},
    Url,
};
use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Arc,
    time::Duration,
};

/// Whether `ip` is on the public internet: not loopback, private,
/// link-local, shared, documentation, benchmarking, multicast or reserved.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link-local
                || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x2001 && s[1] == 0) // Teredo: an IPv4 address inside
                || s[0] == 0x2002 // 6to4: an IPv4 address inside
                || (s[0] == 0x0064 && s[1] == 0xff9b) // NAT64, well-known and local
                || s[0] == 0x0100 && s[1] == 0 && s[2] == 0 && s[3] == 0 // discard
                || (s[..4].iter().all(|x| *x == 0) && s[4] == 0xffff && s[5] == 0) // IPv4-translated
                || is_v4_compatible(v6))
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_unspecified()
        || ip.is_multicast()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // shared address space
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking
        || o[0] >= 240) // reserved
}

/// `::a.b.c.d`, the deprecated IPv4-compatible form.
fn is_v4_compatible(v6: Ipv6Addr) -> bool {
    let s = v6.segments();
    s[..6].iter().all(|x| *x == 0) && !v6.is_loopback() && !v6.is_unspecified()
}

/// Checks an address a user gave: https (plain http too when private
/// addresses are allowed), a host, no credentials, and an IP literal only
/// if public. Names are checked where they resolve (`check_resolves`, and
/// at every connection). The message says what is wrong.
pub fn check_url(raw: &str, allow_private: bool) -> Result<Url, &'static str> {
    let url = Url::parse(raw).map_err(|_| "not a valid URL")?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err("must be an https URL"),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials");
    }
    let host = url.host().ok_or("must name a host")?;
    if !allow_private {
        let literal = match host {
            url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
            url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
            url::Host::Domain(_) => None,
        };
        if literal.is_some_and(|ip| !is_public(ip)) {
            return Err("must be on a public address");
        }
    }
    Ok(url)
}

/// Resolves the URL's host now and refuses it unless every address is
/// public (always accepted when private addresses are allowed).
pub async fn check_resolves(url: &Url, allow_private: bool) -> Result<(), &'static str> {
    if allow_private {
        return Ok(());
    }
    let Some(url::Host::Domain(name)) = url.host() else {
        return Ok(()); // a literal, checked by `check_url`
    };
    // One answer for a name that does not resolve and one that resolves
    // inside: the difference would map the internal network.
    const REFUSED: &str = "must name a host on a public address";
    let lookup = tokio::time::timeout(Duration::from_secs(3), tokio::net::lookup_host((name, 443)));
    let addrs: Vec<SocketAddr> = match lookup.await {
        Ok(Ok(addrs)) => addrs.collect(),
        _ => return Err(REFUSED),
    };
    if addrs.is_empty() || addrs.iter().any(|a| !is_public(a.ip())) {
        return Err(REFUSED);
    }
    Ok(())
}

/// Resolves names to their public addresses only: a connection to a
/// name that now points inside fails.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let lookup = tokio::net::lookup_host((name.as_str(), 0));
            let addrs: Vec<SocketAddr> = tokio::time::timeout(Duration::from_secs(3), lookup)
                .await
                .map_err(|_| "resolving timed out")??
                .filter(|a| is_public(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err("no public address for this name".into());
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// The client for user-given addresses: no redirects, no proxies, short
/// timeouts, and (unless private addresses are allowed) public addresses
/// only.
pub fn client(allow_private: bool) -> reqwest::Result<reqwest::Client> {
    let b = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(10))
        .user_agent(concat!("Hearth/", env!("CARGO_PKG_VERSION")));
    let b = if allow_private {
        b
    } else {
        b.dns_resolver(Arc::new(PublicOnly))
    };
    b.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:0:a00:1",
            "64:ff9b::a00:1",
            "64:ff9b:1::a00:1",
            "2002:7f00:1::1",
            "2001:0:4136:e378::1",
            "fec0::1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "8.8.8.8", "2606:4700::1111"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn urls() {
        assert!(check_url("https://push.example.com/x", false).is_ok());
        for bad in [
            "https://2130706433/x",
            "https://0x7f.1/x",
            "https://0177.0.0.1/x",
            "https://127.1/x",
            "http://push.example.com/x",
            "ftp://push.example.com/x",
            "https://127.0.0.1/x",
            "https://[::1]/x",
            "https://10.0.0.8:8443/x",
            "https://user:pw@push.example.com/x",
            "not a url",
        ] {
            assert!(check_url(bad, false).is_err(), "{bad}");
        }
        assert!(check_url("http://127.0.0.1:9000/x", true).is_ok());
    }
}
