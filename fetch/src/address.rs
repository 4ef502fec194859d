//! Which IP addresses are not public: the ranges refused unless private networks are allowed,
//! with IPv6 addresses that carry an IPv4 address judged by it too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The address ranges that are refused unless private networks are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressKind {
    /// 127.0.0.0/8, ::1.
    Loopback,
    /// RFC 1918 ranges and IPv6 unique local addresses.
    Private,
    /// 169.254.0.0/16, fe80::/10.
    LinkLocal,
    /// 100.64.0.0/10 (carrier-grade NAT).
    Cgnat,
    /// Cloud instance metadata (169.254.169.254, fd00:ec2::254).
    Metadata,
    /// Unspecified, broadcast, multicast, documentation and other reserved ranges.
    Reserved,
}

impl AddressKind {
    /// The stable code of a refusal for this range.
    pub fn code(self) -> &'static str {
        match self {
            AddressKind::Loopback => "loopback_address",
            AddressKind::Private => "private_address",
            AddressKind::LinkLocal => "link_local_address",
            AddressKind::Cgnat => "cgnat_address",
            AddressKind::Metadata => "metadata_address",
            AddressKind::Reserved => "reserved_address",
        }
    }
}

impl std::fmt::Display for AddressKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AddressKind::Loopback => "loopback",
            AddressKind::Private => "private",
            AddressKind::LinkLocal => "link-local",
            AddressKind::Cgnat => "carrier-grade NAT",
            AddressKind::Metadata => "cloud metadata",
            AddressKind::Reserved => "reserved",
        })
    }
}

/// The kind of a non-public address, or `None` for a public one. An IPv6 address that carries an
/// IPv4 address a host can reach through it is judged by that IPv4 address too.
pub fn classify(addr: IpAddr) -> Option<AddressKind> {
    match addr {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => embedded_v4(v6)
            .into_iter()
            .find_map(classify_v4)
            .or_else(|| classify_v6(v6)),
    }
}

/// The IPv4 addresses an IPv6 address embeds: IPv4-mapped `::ffff:0:0/96` and IPv4-compatible
/// `::/96` (RFC 4291 §2.5.5), NAT64 `64:ff9b::/96` (RFC 6052 §2.1), 6to4 `2002::/16` (RFC 3056
/// §2) and Teredo `2001::/32` (RFC 4380 §4: the server address, and the client address stored
/// inverted). On a host with a NAT64 gateway or a 6to4 or Teredo relay each of them reaches the
/// IPv4 address it carries.
fn embedded_v4(a: Ipv6Addr) -> Vec<Ipv4Addr> {
    let s = a.segments();
    let o = a.octets();
    let last = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] => vec![last],
        // `::` and `::1` are IPv6's own unspecified and loopback addresses.
        [0, 0, 0, 0, 0, 0, hi, lo] if hi != 0 || lo > 1 => vec![last],
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => vec![last],
        [0x2002, ..] => vec![Ipv4Addr::new(o[2], o[3], o[4], o[5])],
        [0x2001, 0, ..] => vec![
            Ipv4Addr::new(o[4], o[5], o[6], o[7]),
            Ipv4Addr::new(!o[12], !o[13], !o[14], !o[15]),
        ],
        _ => Vec::new(),
    }
}

fn classify_v4(a: Ipv4Addr) -> Option<AddressKind> {
    let o = a.octets();
    if a == Ipv4Addr::new(169, 254, 169, 254) {
        Some(AddressKind::Metadata)
    } else if a.is_loopback() {
        Some(AddressKind::Loopback)
    } else if a.is_private() {
        Some(AddressKind::Private)
    } else if a.is_link_local() {
        Some(AddressKind::LinkLocal)
    } else if o[0] == 100 && (64..128).contains(&o[1]) {
        // RFC 6598 shared address space.
        Some(AddressKind::Cgnat)
    } else if a.is_unspecified()
        || a.is_broadcast()
        || a.is_multicast()
        || a.is_documentation()
        || o[0] == 0
        || o[0] >= 240
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)
        || (o[0] == 198 && (18..20).contains(&o[1]))
    {
        Some(AddressKind::Reserved)
    } else {
        None
    }
}

fn classify_v6(a: Ipv6Addr) -> Option<AddressKind> {
    let s = a.segments();
    if a == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
        Some(AddressKind::Metadata)
    } else if a.is_loopback() {
        Some(AddressKind::Loopback)
    } else if (s[0] & 0xfe00) == 0xfc00 {
        Some(AddressKind::Private)
    } else if (s[0] & 0xffc0) == 0xfe80 {
        Some(AddressKind::LinkLocal)
    } else if (s[0], s[1], s[2]) == (0x64, 0xff9b, 1) {
        // RFC 8215: local-use NAT64, translated to addresses of the operator's own choosing.
        Some(AddressKind::Private)
    } else if a.is_unspecified()
        || a.is_multicast()
        || (s[0] == 0x2001 && s[1] == 0x0db8)
        || (s[0], s[1], s[2], s[3]) == (0x100, 0, 0, 0)
    {
        Some(AddressKind::Reserved)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_ranges_are_classified() {
        let cases: &[(&str, Option<AddressKind>)] = &[
            ("127.0.0.1", Some(AddressKind::Loopback)),
            ("127.8.9.10", Some(AddressKind::Loopback)),
            ("::1", Some(AddressKind::Loopback)),
            ("10.1.2.3", Some(AddressKind::Private)),
            ("172.16.0.1", Some(AddressKind::Private)),
            ("172.31.255.255", Some(AddressKind::Private)),
            ("192.168.1.1", Some(AddressKind::Private)),
            ("fd12::1", Some(AddressKind::Private)),
            ("169.254.169.254", Some(AddressKind::Metadata)),
            ("fd00:ec2::254", Some(AddressKind::Metadata)),
            ("169.254.1.1", Some(AddressKind::LinkLocal)),
            ("fe80::1", Some(AddressKind::LinkLocal)),
            ("100.64.0.1", Some(AddressKind::Cgnat)),
            ("100.127.255.254", Some(AddressKind::Cgnat)),
            ("0.0.0.0", Some(AddressKind::Reserved)),
            ("255.255.255.255", Some(AddressKind::Reserved)),
            ("224.0.0.1", Some(AddressKind::Reserved)),
            ("::ffff:10.0.0.1", Some(AddressKind::Private)),
            ("::ffff:127.0.0.1", Some(AddressKind::Loopback)),
            // IPv4-compatible, NAT64, 6to4 and Teredo addresses are judged by the IPv4 inside.
            ("::7f00:1", Some(AddressKind::Loopback)),
            ("::10.0.0.1", Some(AddressKind::Private)),
            ("64:ff9b::7f00:1", Some(AddressKind::Loopback)),
            ("64:ff9b::a00:1", Some(AddressKind::Private)),
            ("64:ff9b::a9fe:a9fe", Some(AddressKind::Metadata)),
            ("64:ff9b:1::1", Some(AddressKind::Private)),
            ("2002:7f00:1::1", Some(AddressKind::Loopback)),
            ("2002:a9fe:a9fe::", Some(AddressKind::Metadata)),
            ("2002:c0a8:101::1", Some(AddressKind::Private)),
            // Teredo: server 65.54.227.120, client 127.0.0.1 stored inverted (80ff:fffe).
            (
                "2001:0:4136:e378:8000:63bf:80ff:fffe",
                Some(AddressKind::Loopback),
            ),
            // Teredo with a private server address.
            (
                "2001:0:a00:1:8000:63bf:3fff:fdd2",
                Some(AddressKind::Private),
            ),
            ("100::1", Some(AddressKind::Reserved)),
            ("64:ff9b::5db8:d822", None),
            ("2002:5db8:d822::1", None),
            ("2001:0:4136:e378:8000:63bf:a247:27dd", None),
            ("93.184.216.34", None),
            ("100.128.0.1", None),
            ("172.32.0.1", None),
            ("2606:4700::1111", None),
        ];
        for (text, want) in cases {
            let addr: IpAddr = text.parse().expect("address");
            assert_eq!(classify(addr), *want, "{text}");
        }
    }
}
