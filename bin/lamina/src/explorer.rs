//! What the CLI tells the explorer: where the servers it forwards to are reachable from this
//! host (a server bound to every interface is reached on loopback).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// `http://` URL of a server bound at `addr`, as this host reaches it.
pub(crate) fn local_url(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_on_every_interface_is_reached_on_loopback() {
        assert_eq!(local_url("0.0.0.0:7545".parse().unwrap()), "http://127.0.0.1:7545");
        assert_eq!(local_url("[::]:7545".parse().unwrap()), "http://[::1]:7545");
        assert_eq!(local_url("10.0.0.2:80".parse().unwrap()), "http://10.0.0.2:80");
    }
}
