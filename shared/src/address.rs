//! Which addresses a function that reads web servers may connect to. Loopback, private,
//! link-local (the instance metadata service at 169.254.169.254 among them), carrier-grade NAT,
//! multicast, the IPv6 tunnels that embed an IPv4 address (6to4, Teredo) and the like are
//! refused unless the deployment lists their network (the crawler's `CRAWL_ALLOWED_NETWORKS`
//! and each crawl's `allow_networks`, the WordPress extract's `WORDPRESS_ALLOWED_NETWORKS`); a
//! caller may also limit the ports it fetches (80 and 443 by default). The check runs on the
//! addresses a name resolves to, inside the HTTP client's resolver, so the address checked is the
//! address connected to: a public-looking name that resolves to 10.0.0.5 is refused, and so is
//! one that changes its answer between two lookups, or a redirect to either.

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// The ports a deployment fetches unless it lists others.
pub const DEFAULT_PORTS: [u16; 2] = [80, 443];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressPolicy {
    pub allow_networks: Vec<IpNet>,
    pub ports: Vec<u16>,
}

impl Default for AddressPolicy {
    fn default() -> Self {
        AddressPolicy {
            allow_networks: Vec::new(),
            ports: DEFAULT_PORTS.to_vec(),
        }
    }
}

impl AddressPolicy {
    pub fn permits(&self, ip: IpAddr) -> bool {
        is_public(ip) || self.allow_networks.iter().any(|n| n.contains(&ip))
    }

    pub fn permits_port(&self, port: u16) -> bool {
        self.ports.contains(&port)
    }

    /// The URL's host when it is an IP address this policy refuses. An HTTP client does not ask
    /// its resolver about an address written in the URL, so the caller checks it here.
    pub fn refused_literal(&self, url: &reqwest::Url) -> Option<IpAddr> {
        let literal: IpAddr = match url.host()? {
            url::Host::Ipv4(ip) => ip.into(),
            url::Host::Ipv6(ip) => ip.into(),
            url::Host::Domain(_) => return None,
        };
        (!self.permits(literal)).then_some(literal)
    }
}

/// Whether an address is on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        // Carrier-grade NAT, 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments, 192.0.0.0/24; benchmarking, 198.18.0.0/15; reserved, 240/4.
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        || (a == 198 && (18..20).contains(&b))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        // Unique local fc00::/7 (the EC2 metadata service's fd00:ec2::254 among them).
        || (first & 0xfe00) == 0xfc00
        // Link-local fe80::/10.
        || (first & 0xffc0) == 0xfe80
        // Site-local fec0::/10 (deprecated, still routed by some stacks).
        || (first & 0xffc0) == 0xfec0
        // NAT64 64:ff9b::/96 and its local-use 64:ff9b:1::/48 can reach IPv4 private space;
        // documentation 2001:db8::/32.
        || (first == 0x64 && ip.segments()[1] == 0xff9b)
        // SIIT's IPv4-translated ::ffff:0:a.b.c.d (RFC 7915), which a translator maps to IPv4.
        || ip.segments()[..5] == [0, 0, 0, 0, 0xffff]
        // Discard-only 100::/64 (RFC 6666).
        || ip.segments()[..4] == [0x100, 0, 0, 0]
        || (first == 0x2001 && ip.segments()[1] == 0xdb8)
        // 6to4 2002::/16 and Teredo 2001::/32 carry an IPv4 address a relay may reach.
        || first == 0x2002
        || (first == 0x2001 && ip.segments()[1] == 0)
        // IPv4-compatible ::a.b.c.d (deprecated).
        || ip.segments()[..6] == [0; 6])
}

/// Why a connection was not made.
#[derive(Debug, thiserror::Error)]
#[error("{host} resolves only to addresses this function may not reach ({addresses})")]
pub struct AddressRefused {
    pub host: String,
    pub addresses: String,
}

/// How names are resolved: the system resolver, or a fixed table (as `curl --resolve`), which
/// the tests use to point a name at a private address without a DNS server.
#[derive(Debug, Clone, Default)]
pub enum Lookup {
    #[default]
    System,
    Fixed(HashMap<String, Vec<IpAddr>>),
}

/// The HTTP client's resolver: resolves, then keeps only the permitted addresses.
pub struct GuardedResolver {
    pub lookup: Lookup,
    pub policy: AddressPolicy,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let lookup = self.lookup.clone();
        let policy = self.policy.clone();
        Box::pin(async move {
            let found: Vec<IpAddr> = match lookup {
                Lookup::Fixed(table) => table.get(&host).cloned().unwrap_or_default(),
                Lookup::System => tokio::net::lookup_host((host.as_str(), 0))
                    .await?
                    .map(|a| a.ip())
                    .collect(),
            };
            if found.is_empty() {
                // Not a refusal: the name leads nowhere, which the caller reports as unreachable.
                let why = format!("{host} does not resolve");
                return Err(Box::new(std::io::Error::new(std::io::ErrorKind::NotFound, why)) as _);
            }
            let permitted: Vec<SocketAddr> = found
                .iter()
                .filter(|ip| policy.permits(**ip))
                .map(|ip| SocketAddr::new(*ip, 0))
                .collect();
            if permitted.is_empty() {
                let addresses = found
                    .iter()
                    .map(IpAddr::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(Box::new(AddressRefused { host, addresses }) as _);
            }
            Ok(Box::new(permitted.into_iter()) as Addrs)
        })
    }
}

/// The refusal in a request error's chain, if that is what stopped it.
pub fn refusal<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a AddressRefused> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(refused) = e.downcast_ref::<AddressRefused>() {
            return Some(refused);
        }
        current = e.source();
    }
    None
}

impl GuardedResolver {
    pub fn shared(lookup: Lookup, policy: AddressPolicy) -> Arc<Self> {
        Arc::new(GuardedResolver { lookup, policy })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn internal_addresses_are_not_public() {
        for text in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "::7f00:1",
            "2002:7f00:1::1",
            "2002:a9fe:a9fe::",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "fec0::1",
            "::ffff:0:7f00:1",
            "::ffff:0:a9fe:a9fe",
            "100::1",
            "64:ff9b:1::a9fe:a9fe",
        ] {
            assert!(!is_public(ip(text)), "{text}");
        }
        for text in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "172.32.0.1"] {
            assert!(is_public(ip(text)), "{text}");
        }
    }

    #[test]
    fn allow_networks_open_only_what_they_list() {
        let policy = AddressPolicy {
            allow_networks: vec!["127.0.0.1/32".parse().unwrap()],
            ..AddressPolicy::default()
        };
        assert!(policy.permits(ip("127.0.0.1")));
        assert!(!policy.permits(ip("127.0.0.2")));
        assert!(!policy.permits(ip("169.254.169.254")));
        assert!(!AddressPolicy::default().permits(ip("127.0.0.1")));
    }

    #[test]
    fn an_address_written_in_the_url_is_checked_too() {
        let url = |s: &str| reqwest::Url::parse(s).unwrap();
        let policy = AddressPolicy::default();
        assert_eq!(
            policy.refused_literal(&url("http://169.254.169.254/latest/meta-data/")),
            Some(ip("169.254.169.254"))
        );
        assert_eq!(
            policy.refused_literal(&url("http://[::1]:8080/")),
            Some(ip("::1"))
        );
        assert_eq!(policy.refused_literal(&url("https://93.184.216.34/")), None);
        assert_eq!(policy.refused_literal(&url("https://blog.example/")), None);
    }

    #[test]
    fn only_the_deployments_ports_are_fetched() {
        let policy = AddressPolicy::default();
        assert!(policy.permits_port(80) && policy.permits_port(443));
        assert!(!policy.permits_port(9001), "the Lambda Runtime API's port");
        assert!(!policy.permits_port(8080));
    }

    #[tokio::test]
    async fn the_resolver_refuses_names_of_internal_addresses() {
        let table = HashMap::from([
            ("intranet.test".to_owned(), vec![ip("10.0.0.5")]),
            (
                "mixed.test".to_owned(),
                vec![ip("10.0.0.5"), ip("93.184.216.34")],
            ),
        ]);
        let resolver = GuardedResolver {
            lookup: Lookup::Fixed(table),
            policy: AddressPolicy::default(),
        };
        let err = resolver
            .resolve("intranet.test".parse().unwrap())
            .await
            .err()
            .unwrap();
        let refused = refusal(err.as_ref()).unwrap();
        assert_eq!(refused.addresses, "10.0.0.5");
        let addrs: Vec<_> = resolver
            .resolve("mixed.test".parse().unwrap())
            .await
            .unwrap()
            .collect();
        assert_eq!(addrs, [SocketAddr::new(ip("93.184.216.34"), 0)]);
    }
}
