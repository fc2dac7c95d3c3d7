//! Where Yiyin may send a request of its own: a department's push receiver (webhook) must be on a
//! public network unless the administrator allows a network (`yiyin serve --webhook-allow
//! 10.0.0.0/8`). Loopback, link-local (cloud metadata at 169.254.169.254), private, shared,
//! unspecified, multicast and documentation addresses are refused, so that a webhook cannot reach
//! the server's own services. The host is resolved and every address checked when the address is
//! set and again at each delivery, and the delivery connects only to the addresses checked (a name
//! that resolves elsewhere the second time — DNS rebinding — gains nothing).

use std::net::{IpAddr, SocketAddr};

pub use ipnet::IpNet;

/// Whether an address is on a network Yiyin never sends to unless allowed.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                // 100.64.0.0/10, shared address space (carrier-grade NAT).
                || (a == 100 && (64..128).contains(&b))
                // 198.18.0.0/15, benchmarking.
                || (a == 198 && (b == 18 || b == 19))
                || a >= 240
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_internal(IpAddr::V4(v4)),
            None => {
                v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || v6.is_unique_local()
                    || v6.is_unicast_link_local()
                    // 2001:db8::/32, documentation.
                    || (v6.segments()[0] == 0x2001 && v6.segments()[1] == 0xdb8)
            }
        },
    }
}

/// Whether Yiyin may send to `ip`, given the networks the administrator allows.
pub fn may_send_to(ip: IpAddr, allow: &[IpNet]) -> bool {
    !is_internal(ip) || allow.iter().any(|net| net.contains(&ip))
}

/// The host and port of an `http(s)://` address.
fn host_and_port(url: &str) -> Result<(String, u16), String> {
    let url = reqwest::Url::parse(url).map_err(|_| format!("接收地址「{url}」无法识别"))?;
    let host = url
        .host_str()
        .ok_or_else(|| "接收地址缺少主机名".to_string())?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = url
        .port_or_known_default()
        .ok_or_else(|| "接收地址缺少端口".to_string())?;
    Ok((host, port))
}

/// The addresses `url`'s host resolves to, every one of them allowed; otherwise why not, in
/// Chinese. A host that does not resolve is `Ok(None)` only when `lenient` (when the address is set,
/// a receiver not yet in DNS is accepted and checked again at delivery).
pub async fn resolve_allowed(
    url: &str,
    allow: &[IpNet],
    lenient: bool,
) -> Result<Option<(String, Vec<SocketAddr>)>, String> {
    let (host, port) = host_and_port(url)?;
    let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => match tokio::net::lookup_host((host.as_str(), port)).await {
            Ok(found) => found.collect(),
            Err(_) if lenient => return Ok(None),
            Err(_) => return Err(format!("无法解析接收地址的主机名「{host}」")),
        },
    };
    if addrs.is_empty() {
        return Err(format!("无法解析接收地址的主机名「{host}」"));
    }
    if let Some(bad) = addrs.iter().find(|a| !may_send_to(a.ip(), allow)) {
        return Err(format!(
            "接收地址「{host}」指向内部网络地址 {}（本机、链路本地或专用网络），不予推送；如确需对接内网系统，请由系统管理员以 --webhook-allow 允许该网段",
            bad.ip()
        ));
    }
    Ok(Some((host, addrs)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn internal_networks_are_refused_unless_allowed() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!may_send_to(ip(internal), &[]), "{internal}");
        }
        for public in ["8.8.8.8", "61.134.1.4", "2400:3200::1"] {
            assert!(may_send_to(ip(public), &[]), "{public}");
        }
        let allow: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        assert!(may_send_to(ip("10.20.30.40"), &allow));
        assert!(!may_send_to(ip("192.168.1.1"), &allow));
    }

    #[tokio::test]
    async fn a_url_is_checked_by_every_address_it_names() {
        let e = resolve_allowed("http://127.0.0.1:9/hook", &[], false)
            .await
            .unwrap_err();
        assert!(e.contains("内部网络"), "{e}");
        let e = resolve_allowed("http://[::1]:9/hook", &[], false)
            .await
            .unwrap_err();
        assert!(e.contains("内部网络"), "{e}");
        let e = resolve_allowed("http://localhost:9/hook", &[], false)
            .await
            .unwrap_err();
        assert!(e.contains("内部网络"), "{e}");
        let allow: Vec<IpNet> = vec!["127.0.0.0/8".parse().unwrap()];
        assert!(
            resolve_allowed("http://127.0.0.1:9/hook", &allow, false)
                .await
                .is_ok()
        );
    }
}
