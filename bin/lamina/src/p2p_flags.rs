//! `lamina node`'s block gossip flags, named and defaulted as op-node's `--p2p.*` (and kona's
//! `--p2p.unsafe.block.signer`), turned into the node's [`P2pConfig`].

use std::{
    net::IpAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use alloy_primitives::Address;
use alloy_signer_local::PrivateKeySigner;
use clap::Args;
use eyre::{WrapErr, eyre};
use lamina_node::gossip::{P2pConfig, SIGNER_RELOAD, SignerSource};
use lamina_p2p::{DiscoveryConfig, Enr, GossipConfig, Multiaddr, multiaddr::Protocol};
use lamina_protocol::RollupConfig;

/// op-node's `--p2p.*` flags that Lamina serves.
#[derive(Debug, Args)]
pub(crate) struct P2pFlags {
    /// No block gossip: the node follows L1 only.
    #[arg(long = "p2p.disable")]
    disable: bool,
    /// The address gossip listens on.
    #[arg(long = "p2p.listen.ip", default_value = "0.0.0.0")]
    listen_ip: IpAddr,
    /// The TCP port gossip listens on (0: any free port).
    #[arg(long = "p2p.listen.tcp", default_value_t = 9222)]
    listen_tcp: u16,
    /// Peers to keep connected, redialed whenever they drop: multiaddrs with their peer id
    /// (`/ip4/10.0.0.2/tcp/9222/p2p/16Uiu2…`), comma separated.
    #[arg(long = "p2p.static", value_delimiter = ',')]
    static_peers: Vec<Multiaddr>,
    /// No discovery: only static peers and peers that dial in are connected.
    #[arg(long = "p2p.no-discovery")]
    no_discovery: bool,
    /// The UDP port discovery (discv5) listens on, on `--p2p.listen.ip` (0: any free port).
    #[arg(long = "p2p.listen.udp", default_value_t = 0)]
    listen_udp: u16,
    /// The IP other nodes should reach this one on (default: `--p2p.listen.ip`, unless it is
    /// 0.0.0.0).
    #[arg(long = "p2p.advertise.ip")]
    advertise_ip: Option<IpAddr>,
    /// The TCP port to advertise (default: the one gossip listens on).
    #[arg(long = "p2p.advertise.tcp")]
    advertise_tcp: Option<u16>,
    /// The UDP port to advertise (default: the one discovery listens on).
    #[arg(long = "p2p.advertise.udp")]
    advertise_udp: Option<u16>,
    /// Discovery bootnodes: ENRs (`enr:-…`), comma separated. None by default: Lamina never
    /// contacts public bootnodes unless told to.
    #[arg(long = "p2p.bootnodes", value_delimiter = ',')]
    bootnodes: Vec<String>,
    /// Discovered peers are dialed while fewer than this many are connected.
    #[arg(long = "p2p.peers.lo", default_value_t = 20)]
    peers_lo: usize,
    /// Above this many connected peers, the lowest-scored are disconnected (static and
    /// protected peers are kept).
    #[arg(long = "p2p.peers.hi", default_value_t = 30)]
    peers_hi: usize,
    /// How long a new peer is kept before it may be disconnected for the peer limit.
    #[arg(long = "p2p.peers.grace", default_value = "30s", value_parser = crate::rpc_flags::duration)]
    peers_grace: Duration,
    /// The node's libp2p key file (hex secp256k1), made on first start (default:
    /// `opnode_p2p_priv.txt` in `--datadir` or beside `--safedb.path`; without either, a new
    /// key each start).
    #[arg(long = "p2p.priv.path")]
    priv_path: Option<PathBuf>,
    /// The sequencer's block signing key (hex), whose address must be the chain's unsafe
    /// block signer on L1. Only a sequencer uses it. Other users can read it in `ps`: prefer
    /// --p2p.sequencer.key-file or the LAMINA_P2P_SEQUENCER_KEY environment variable.
    #[arg(long = "p2p.sequencer.key", conflicts_with = "sequencer_key_file")]
    sequencer_key: Option<String>,
    /// A file holding the sequencer's block signing key (hex).
    #[arg(long = "p2p.sequencer.key-file")]
    sequencer_key_file: Option<PathBuf>,
    /// Take blocks signed by this address, whatever the SystemConfig on L1 says (default:
    /// the SystemConfig's `unsafeBlockSigner`, followed as it changes).
    #[arg(long = "p2p.unsafe.block.signer")]
    unsafe_block_signer: Option<Address>,
    /// How often the unsafe block signer is read again from the SystemConfig.
    #[arg(long = "l1.runtime-config-reload-interval", default_value = "10m", value_parser = crate::rpc_flags::duration)]
    reload: Duration,
    /// Ban peers whose gossip score falls below `--p2p.ban.threshold`.
    #[arg(long = "p2p.ban.peers", default_value_t = true, action = clap::ArgAction::Set)]
    ban_peers: bool,
    /// The score below which a peer is banned.
    #[arg(long = "p2p.ban.threshold", default_value_t = -100.0, allow_negative_numbers = true)]
    ban_threshold: f64,
    /// How long a ban lasts.
    #[arg(long = "p2p.ban.duration", default_value = "1h", value_parser = crate::rpc_flags::duration)]
    ban_duration: Duration,
    /// The agent string peers see.
    #[arg(long = "p2p.useragent", default_value = concat!("lamina/", env!("CARGO_PKG_VERSION")))]
    user_agent: String,
}

impl P2pFlags {
    /// The gossip settings (`None` with `--p2p.disable`) for a node storing its data in
    /// `datadir`; `sequencer` says whether it signs blocks.
    pub(crate) fn config(
        &self,
        rollup: &RollupConfig,
        datadir: Option<&Path>,
        sequencer: bool,
    ) -> eyre::Result<Option<P2pConfig>> {
        if self.disable {
            return Ok(None);
        }
        let key_path = match (&self.priv_path, datadir) {
            (Some(p), _) => Some(p.clone()),
            (None, Some(d)) => Some(d.join("opnode_p2p_priv.txt")),
            (None, None) => None,
        };
        let key = match key_path {
            Some(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)
                        .wrap_err_with(|| format!("creating {}", dir.display()))?;
                }
                lamina_p2p::key::load_or_create(&path)?
            }
            None => {
                tracing::warn!(target: "lamina::p2p", "no --datadir nor --p2p.priv.path: a new peer id each start");
                lamina_p2p::Keypair::generate_secp256k1()
            }
        };
        let mut gossip = GossipConfig::new(rollup.l2_chain_id, rollup.hardforks, key);
        gossip.listen = Multiaddr::from(self.listen_ip).with(Protocol::Tcp(self.listen_tcp));
        gossip.static_peers.clone_from(&self.static_peers);
        for peer in &gossip.static_peers {
            if !peer.iter().any(|p| matches!(p, Protocol::P2p(_))) {
                return Err(eyre!("--p2p.static {peer}: the address must end in /p2p/<peer id>"));
            }
        }
        gossip.ban_peers = self.ban_peers;
        gossip.ban_threshold = self.ban_threshold;
        gossip.ban_duration = self.ban_duration;
        gossip.user_agent.clone_from(&self.user_agent);
        if self.peers_hi < self.peers_lo {
            return Err(eyre!("--p2p.peers.hi must be at least --p2p.peers.lo"));
        }
        gossip.peers_hi = self.peers_hi;
        gossip.peers_grace = self.peers_grace;
        let sequencer_key = match (self.sequencer_key()?, sequencer) {
            (Some(k), true) => Some(k),
            (Some(_), false) => {
                tracing::warn!(target: "lamina::p2p", "--p2p.sequencer.key is for a sequencer: ignored");
                None
            }
            (None, true) => {
                tracing::warn!(target: "lamina::p2p", "a sequencer without --p2p.sequencer.key: its blocks are not gossiped");
                None
            }
            (None, false) => None,
        };
        let signer = match self.unsafe_block_signer {
            Some(a) => SignerSource::Fixed(a),
            None => SignerSource::SystemConfig {
                reload: if self.reload.is_zero() { SIGNER_RELOAD } else { self.reload },
            },
        };
        if !self.no_discovery {
            let mut bootnodes = Vec::new();
            for b in &self.bootnodes {
                if b.starts_with("enode://") {
                    return Err(eyre!(
                        "--p2p.bootnodes {b}: give the node's ENR (enr:-…); enode URLs carry no chain entry"
                    ));
                }
                bootnodes.push(b.parse::<Enr>().map_err(|e| eyre!("--p2p.bootnodes {b}: {e}"))?);
            }
            gossip.discovery = Some(DiscoveryConfig {
                listen: std::net::SocketAddr::new(self.listen_ip, self.listen_udp),
                advertise_ip: self.advertise_ip,
                advertise_tcp: self.advertise_tcp,
                advertise_udp: self.advertise_udp,
                bootnodes,
                peers_lo: self.peers_lo,
                ..DiscoveryConfig::new()
            });
        }
        Ok(Some(P2pConfig { gossip, sequencer_key, signer }))
    }

    /// The block signing key from the flag, the file or the environment, in that order.
    fn sequencer_key(&self) -> eyre::Result<Option<PrivateKeySigner>> {
        crate::key::load(
            ("--p2p.sequencer.key", self.sequencer_key.as_deref()),
            ("--p2p.sequencer.key-file", self.sequencer_key_file.as_deref()),
            SEQUENCER_KEY_ENV,
        )
    }
}

/// The environment variable the block signing key may come from.
const SEQUENCER_KEY_ENV: &str = "LAMINA_P2P_SEQUENCER_KEY";

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        p2p: P2pFlags,
    }

    fn rollup() -> RollupConfig {
        RollupConfig { l2_chain_id: 901, ..RollupConfig::default() }
    }

    #[test]
    fn op_node_flags_make_the_config() {
        let dir = tempfile::tempdir().unwrap();
        let peer =
            "/ip4/10.0.0.2/tcp/9222/p2p/16Uiu2HAmQhu2duiVDepZ2NLcRD3sBa2gyeFxCUZjDtdnPvQ25GB5";
        let cli = Cli::parse_from([
            "x",
            "--p2p.listen.ip",
            "127.0.0.1",
            "--p2p.listen.tcp",
            "9333",
            "--p2p.static",
            peer,
            "--p2p.ban.threshold",
            "-50",
            "--p2p.ban.duration",
            "30m",
            "--p2p.sequencer.key",
            "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
            "--p2p.listen.udp",
            "9334",
        ]);
        let c = cli.p2p.config(&rollup(), Some(dir.path()), true).unwrap().unwrap();
        assert_eq!(c.gossip.listen.to_string(), "/ip4/127.0.0.1/tcp/9333");
        assert_eq!(c.gossip.static_peers[0].to_string(), peer);
        assert_eq!(c.gossip.ban_threshold, -50.0);
        assert_eq!(c.gossip.ban_duration, Duration::from_secs(1800));
        assert_eq!(
            c.sequencer_key.unwrap().address().to_string(),
            "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
        );
        assert_eq!(c.signer, SignerSource::SystemConfig { reload: SIGNER_RELOAD });
        assert_eq!(c.gossip.discovery.unwrap().listen.to_string(), "127.0.0.1:9334");
        // The node key was made in the datadir, and is the same next time.
        let id = c.gossip.key.public().to_peer_id();
        let again = cli.p2p.config(&rollup(), Some(dir.path()), true).unwrap().unwrap();
        assert_eq!(again.gossip.key.public().to_peer_id(), id);
        assert!(dir.path().join("opnode_p2p_priv.txt").is_file());
        // A verifier ignores the signing key; --p2p.disable turns it all off.
        assert!(
            cli.p2p
                .config(&rollup(), Some(dir.path()), false)
                .unwrap()
                .unwrap()
                .sequencer_key
                .is_none()
        );
        let off = Cli::parse_from(["x", "--p2p.disable"]);
        assert!(off.p2p.config(&rollup(), None, true).unwrap().is_none());
    }

    #[test]
    fn bad_p2p_flags_are_errors() {
        let bad = |args: &[&str]| {
            let cli = Cli::try_parse_from(std::iter::once("x").chain(args.iter().copied()));
            match cli {
                Err(e) => e.to_string(),
                Ok(cli) => cli.p2p.config(&rollup(), None, true).unwrap_err().to_string(),
            }
        };
        assert!(bad(&["--p2p.static", "/ip4/10.0.0.2/tcp/9222"]).contains("/p2p/"));
        assert!(bad(&["--p2p.static", "nonsense"]).contains("nonsense"));
        assert!(bad(&["--p2p.bootnodes", "enode://abc@1.2.3.4:30303"]).contains("ENR"));
        assert!(bad(&["--p2p.bootnodes", "enr:-garbage"]).contains("--p2p.bootnodes"));
        assert!(bad(&["--p2p.sequencer.key", "0x12"]).contains("--p2p.sequencer.key"));
        assert!(bad(&["--p2p.ban.duration", "soon"]).contains("soon"));
    }
}
