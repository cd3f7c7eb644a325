//! `lamina dev`: the whole rollup in one process — the dev L1 (txs mined at once, but never
//! ahead of the clock, plus a block every L1 block time), the contracts deployed on it, a
//! sequencer node with its engine, the batcher, an independent verifier node with its own
//! engine and store fed from L1 (and, with gossip on, the sequencer's blocks over loopback
//! gossip as its unsafe chain), and the proposer posting the verifier's output roots.
//!
//! Everything lives under one data directory, so a restart with the same directory resumes:
//! the L1 and both engines reopen their stores and the deployment finds its contracts in place.
//!
//! With [`DevL1Choice::External`] the same stack runs on any L1 node's JSON-RPC (anvil, say)
//! instead of the embedded one: the contracts are deployed there by dev account 0, which
//! anvil funds from the same mnemonic.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use alloy_rpc_types_engine::JwtSecret;
use alloy_signer_local::PrivateKeySigner;
use jsonrpsee::server::ServerHandle;
use lamina_devl1::{DEV_ACCOUNTS, DevL1, DevL1Config, DevL1Genesis, Mining};
use lamina_engine::rpc::{RpcConfig, serve};
use lamina_l1::{
    chain::{CacheSizes, CachedL1, DeriveL1, L1Chain, RpcL1},
    deploy::{self, DeployConfig, Deployment},
    txmgr::{TxManager, TxManagerConfig},
};
use lamina_p2p::{GossipConfig, Multiaddr, multiaddr::Protocol};
use lamina_protocol::RollupConfig;

use crate::{
    DevL1Node, DevL1NodeConfig, EngineNode, EngineNodeConfig, NodeError,
    batcher::{Batcher, BatcherConfig, DaMode},
    challenger::{Challenger, EngineOutputs},
    gossip::{self, P2p, P2pConfig, SignerSource},
    metrics::NodeMetrics,
    poster,
    proposer::{Proposer, ProposerConfig},
    rollup::{Inbox, Input, Mode, RollupError, RollupNode, RollupNodeConfig, SequencerConfig},
    tasks::{STOP_GRACE, Tasks},
};

/// Where `lamina dev` listens and how fast it runs.
#[derive(Debug, Clone)]
pub struct DevStackConfig {
    /// Everything is stored here.
    pub datadir: PathBuf,
    /// The L1 the rollup runs on.
    pub l1: DevL1Choice,
    /// Sequencer: L2 JSON-RPC and node RPC.
    pub sequencer_http: SocketAddr,
    /// The sequencer's node RPC.
    pub sequencer_rpc: SocketAddr,
    /// Verifier: L2 JSON-RPC.
    pub verifier_http: SocketAddr,
    /// The verifier's node RPC.
    pub verifier_rpc: SocketAddr,
    /// The chain to deploy.
    pub deploy: DeployConfig,
    /// How the batcher posts; `None`: blobs or calldata by price on the embedded L1, calldata
    /// on an external one (a plain JSON-RPC node has no beacon API to serve blobs from).
    pub da: Option<DaMode>,
    /// Serve `admin_` on the node RPCs (stop/start the sequencer, reset derivation). Only for
    /// loopback addresses: anyone who reaches it can halt the chain.
    pub admin_rpc: bool,
    /// Run the challenger (the deployment's challenger key, dev account 0) against the
    /// verifier's outputs.
    pub challenger: bool,
    /// Testing the challenger: every `n`th output the proposer posts is wrong.
    pub corrupt_output_every: Option<u64>,
    /// Block gossip: the sequencer listens here (port 0: any) and publishes every block,
    /// signed with the deployment's unsafe block signer (dev account 3); the verifier dials it
    /// and follows. `None`: the verifier follows L1 only.
    pub p2p: Option<SocketAddr>,
}

/// Which L1 `lamina dev` runs on.
#[derive(Debug, Clone)]
pub enum DevL1Choice {
    /// The embedded dev L1, stored under the datadir.
    Embedded {
        /// Its JSON-RPC and beacon API.
        http: SocketAddr,
        /// The beacon API alone, on its own port as consensus clients serve it.
        beacon: Option<SocketAddr>,
        /// Time between L1 blocks (txs are also mined at once).
        block_time: Duration,
    },
    /// An L1 node reached over JSON-RPC, which mines on its own.
    External {
        /// Its JSON-RPC URL.
        url: String,
    },
}

/// Why `lamina dev` could not start.
#[derive(Debug, thiserror::Error)]
pub enum DevStackError {
    /// A service did not start.
    #[error(transparent)]
    Node(#[from] NodeError),
    /// A rollup role did not start.
    #[error(transparent)]
    Rollup(#[from] RollupError),
    /// The deployment failed.
    #[error(transparent)]
    Deploy(#[from] lamina_l1::deploy::DeployError),
    /// The tx manager could not start.
    #[error(transparent)]
    Tx(#[from] lamina_l1::txmgr::TxError),
    /// The batcher could not start.
    #[error(transparent)]
    Batcher(#[from] crate::batcher::BatcherError),
    /// A server could not bind.
    #[error("rpc: {0}")]
    Rpc(#[from] std::io::Error),
    /// The external L1 could not be reached.
    #[error(transparent)]
    L1(#[from] lamina_l1::chain::L1Error),
    /// A dev key is unusable (never: they are constants).
    #[error("dev key: {0}")]
    Key(String),
    /// A genesis file could not be written as JSON.
    #[error("genesis: {0}")]
    Json(#[from] serde_json::Error),
    /// Gossip did not start.
    #[error("p2p: {0}")]
    P2p(#[from] lamina_p2p::P2pError),
}

/// One L2 node of the stack.
#[derive(Debug)]
pub struct DevNode {
    /// The engine and its JSON-RPC.
    pub engine: EngineNode,
    /// The rollup node.
    pub node: RollupNode,
    /// The node RPC.
    pub rpc: (SocketAddr, ServerHandle),
    /// Its block gossip, when on.
    pub p2p: Option<P2p>,
}

/// The running stack.
#[derive(Debug)]
pub struct DevStack {
    /// The embedded dev L1 and its server (`None` on an external L1).
    pub l1: Option<DevL1Node>,
    /// The L1's JSON-RPC URL.
    pub l1_url: String,
    /// What was deployed (addresses, rollup config).
    pub deployment: Deployment,
    /// The sequencer.
    pub sequencer: DevNode,
    /// The independent verifier.
    pub verifier: DevNode,
    /// The batcher, the proposer and the L1 miner.
    tasks: Tasks,
}

/// One L2 node of the stack: where it keeps its data, where it listens, what it does.
struct NodeSpec {
    datadir: PathBuf,
    http: SocketAddr,
    rpc: SocketAddr,
    mode: Mode,
    /// Serve `admin_` on its node RPC.
    admin: bool,
    /// Forward the txs it is sent to this sequencer (a verifier).
    forward_to: Option<String>,
    /// Its block gossip.
    p2p: Option<P2pConfig>,
}

async fn l2_node<C: L1Chain + Clone + 'static>(
    l1: &C,
    rollup: &RollupConfig,
    genesis_json: &str,
    spec: NodeSpec,
) -> Result<DevNode, DevStackError> {
    let NodeSpec { datadir, http, rpc: rpc_addr, mode, admin, forward_to, p2p } = spec;
    let mut engine_config = EngineNodeConfig::in_process(
        genesis_json.to_owned(),
        rollup.clone(),
        datadir.clone(),
        Some(http),
    );
    engine_config.sequencer_http = forward_to;
    // A dev chain on loopback: the proof tools read witnesses from its public port.
    engine_config.debug_rpc = true;
    if mode == Mode::Verifier {
        engine_config.metrics = Some(format!("{}_verifier", crate::engine::ENGINE_METRICS));
    }
    let engine = EngineNode::launch(engine_config).await?;
    let source = DeriveL1::new(CachedL1::new(l1.clone(), CacheSizes::default()));
    let config = RollupNodeConfig {
        mode,
        // A dev L1 never reorgs on its own: build on its head at once.
        sequencer: SequencerConfig { confirmation_depth: 0 },
        sequencer_stopped: false,
        poll_interval: Duration::from_millis(100),
        safe_db: Some(datadir.join("safedb.redb")),
        // Two nodes in one process: the sequencer is op-node's `default`, the verifier apart.
        metrics: NodeMetrics::new(match mode {
            Mode::Sequencer => crate::metrics::NODE,
            Mode::Verifier => "op_node_verifier",
        }),
    };
    let node = RollupNode::start(engine.handle.clone(), source, config).await?;
    let p2p = p2p.map(|c| gossip::start(&node, l1.clone(), c)).transpose()?;
    let mut module = gossip::rpc::node_module(&node, p2p.as_ref(), admin);
    let reads = CachedL1::new(l1.clone(), CacheSizes::default());
    if let Err(e) = module.merge(crate::rollup::lamina_rpc::module(&node, reads)) {
        tracing::error!(target: "lamina::rpc", %e, "lamina_ methods not served");
    }
    let limits = RpcConfig::new(None, None, JwtSecret::random());
    let rpc = serve(module, rpc_addr, &limits).await?;
    Ok(DevNode { engine, node, rpc, p2p })
}

impl DevStack {
    /// Starts (or resumes) the stack on the current multi-threaded runtime.
    pub async fn launch(config: DevStackConfig) -> Result<Self, DevStackError> {
        match config.l1.clone() {
            DevL1Choice::Embedded { http, beacon, block_time } => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or_default();
                let l1 = DevL1Node::launch(DevL1NodeConfig {
                    datadir: config.datadir.join("l1"),
                    http,
                    l1: DevL1Config {
                        chain_id: config.deploy.l1_chain_id,
                        // Instant while deploying (one block per creation, at once); prompt
                        // from then on, so L1 time never runs ahead of the clock.
                        mining: Mining::Instant,
                        ..DevL1Config::default()
                    },
                    // One L2 block time in the past: the L2 genesis takes this time, so the
                    // first L2 block is due the moment the stack is up.
                    genesis: DevL1Genesis::dev(now.saturating_sub(config.deploy.l2_block_time)),
                    beacon,
                })
                .await?;
                let chain = l1.l1.clone();
                let roles =
                    // The embedded L1 serves its blobs to the verifier: prices decide.
                    Roles::launch(chain.clone(), &config, TxManagerConfig::dev(), DaMode::Auto)
                        .await?;
                chain.set_mining(Mining::Prompt);
                // Both nodes derive the moment a block is mined, not at their next poll.
                let nodes =
                    vec![roles.sequencer.node.inbox.clone(), roles.verifier.node.inbox.clone()];
                roles.tasks.spawn("l1 miner", mine(chain, block_time, nodes));
                let url = format!("http://{}", l1.http);
                Ok(roles.into_stack(Some(l1), url))
            }
            DevL1Choice::External { url } => {
                let chain = RpcL1::connect(&url)?;
                // The L1 chain id is the L1's to say (anvil's is 31337).
                let mut config = config.clone();
                config.deploy.l1_chain_id = chain.chain_id().await?;
                // Over a socket rather than in memory: poll a little less eagerly.
                let txmgr = TxManagerConfig {
                    poll_interval: Duration::from_millis(100),
                    ..TxManagerConfig::dev()
                };
                // A plain JSON-RPC node has no beacon API to serve blobs from.
                let roles = Roles::launch(chain, &config, txmgr, DaMode::Calldata).await?;
                Ok(roles.into_stack(None, url))
            }
        }
    }

    /// Stops every task and server, and waits for them, so every store is closed on return.
    pub async fn stop(self) {
        self.tasks.stop(STOP_GRACE).await;
        for node in [self.sequencer, self.verifier] {
            drop(node.p2p);
            node.node.stop().await;
            let _ = node.rpc.1.stop();
            node.rpc.1.stopped().await;
            node.engine.stop().await;
        }
        if let Some(l1) = self.l1 {
            l1.stop().await;
        }
    }
}

/// Everything above the L1: the deployment, both nodes and the posting tasks.
struct Roles {
    deployment: Deployment,
    sequencer: DevNode,
    verifier: DevNode,
    tasks: Tasks,
}

impl Roles {
    async fn launch<C: L1Chain + Clone + 'static>(
        chain: C,
        config: &DevStackConfig,
        txmgr: TxManagerConfig,
        // The L1's default, unless the config says otherwise.
        da: DaMode,
    ) -> Result<Self, DevStackError> {
        let owner = dev_signer(0)?;
        let mgr = TxManager::new(chain.clone(), owner, txmgr.clone()).await?;
        let deployment =
            deploy::deploy_to_dir(&mgr, &config.deploy, &config.datadir.join("chain")).await?;
        let rollup = deployment.rollup.clone();
        let genesis_json = serde_json::to_string(&deployment.genesis)?;

        let p2p = |dir: &std::path::Path, listen: SocketAddr, peers, key| {
            dev_p2p(&rollup, &config.deploy, dir, listen, peers, key)
        };
        let seq_dir = config.datadir.join("sequencer");
        let seq_p2p = match config.p2p {
            Some(listen) => Some(p2p(&seq_dir, listen, Vec::new(), true)?),
            None => None,
        };
        let sequencer = l2_node(
            &chain,
            &rollup,
            &genesis_json,
            NodeSpec {
                datadir: seq_dir,
                http: config.sequencer_http,
                rpc: config.sequencer_rpc,
                mode: Mode::Sequencer,
                admin: config.admin_rpc,
                forward_to: None,
                p2p: seq_p2p,
            },
        )
        .await?;
        let ver_dir = config.datadir.join("verifier");
        let ver_p2p = match &sequencer.p2p {
            Some(seq) => {
                // The verifier listens on the sequencer's host, any port, and dials it.
                let host = config.p2p.map_or(std::net::Ipv4Addr::LOCALHOST.into(), |a| a.ip());
                let peers = seq.gossip.listen_addrs().await;
                Some(p2p(&ver_dir, SocketAddr::new(host, 0), peers, false)?)
            }
            None => None,
        };
        let verifier = l2_node(
            &chain,
            &rollup,
            &genesis_json,
            NodeSpec {
                datadir: ver_dir,
                http: config.verifier_http,
                rpc: config.verifier_rpc,
                mode: Mode::Verifier,
                admin: config.admin_rpc,
                // A tx sent to the verifier reaches the only node that includes txs.
                forward_to: sequencer
                    .engine
                    .servers
                    .http
                    .as_ref()
                    .map(|(addr, _)| format!("http://{addr}")),
                p2p: ver_p2p,
            },
        )
        .await?;

        let batcher_key = dev_signer(1)?;
        let tx = TxManager::new(chain.clone(), batcher_key, txmgr.clone()).await?;
        let batcher_config = BatcherConfig {
            max_channel_duration: 1,
            da: config.da.unwrap_or(da),
            ..BatcherConfig::default()
        };
        let batcher = Batcher::new(sequencer.engine.handle.clone(), tx, batcher_config).await?;
        // The proposer posts the verifier's outputs: what L1 learns comes from L1 alone.
        let proposer_key = dev_signer(2)?;
        let tx = TxManager::new(chain.clone(), proposer_key, txmgr.clone()).await?;
        let proposer = Proposer::new(
            verifier.engine.handle.clone(),
            tx,
            deployment.addresses.l2_output_oracle,
            // The dev L1 finalizes 64 blocks behind its head; outputs of safe blocks keep the
            // withdrawal loop short, as op-proposer's --allow-non-finalized does on devnets.
            ProposerConfig {
                allow_non_finalized: true,
                corrupt_every: config.corrupt_output_every,
            },
        );
        let tasks = Tasks::new();
        tasks.spawn("batcher", poster::run(batcher, "batcher", Duration::from_millis(250)));
        tasks.spawn("proposer", poster::run(proposer, "proposer", Duration::from_millis(500)));
        if config.challenger {
            // The deployment's challenger; it trusts the independent verifier, as the proposer
            // does.
            let key = dev_signer(0)?;
            let tx = TxManager::new(chain.clone(), key, txmgr.clone()).await?;
            let trusted = EngineOutputs::new(verifier.engine.handle.clone(), false);
            let oracle = deployment.addresses.l2_output_oracle;
            let challenger = Challenger::new(trusted, tx, oracle);
            tasks.spawn(
                "challenger",
                poster::run(challenger, "challenger", Duration::from_millis(250)),
            );
        }
        Ok(Self { deployment, sequencer, verifier, tasks })
    }

    fn into_stack(self, l1: Option<DevL1Node>, l1_url: String) -> DevStack {
        let Self { deployment, sequencer, verifier, tasks } = self;
        DevStack { l1, l1_url, deployment, sequencer, verifier, tasks }
    }
}

/// A dev node's gossip: its libp2p key kept in its datadir (so the verifier's static peer
/// names the same sequencer across restarts), listening on `listen`, dialing `peers`, blocks
/// checked against the SystemConfig's signer (read again every 2 s, so a
/// `setUnsafeBlockSigner` shows at once); a `sequencer` signs with dev account 3's key when
/// the deployment made it the signer.
fn dev_p2p(
    rollup: &RollupConfig,
    deploy: &DeployConfig,
    datadir: &std::path::Path,
    listen: SocketAddr,
    peers: Vec<Multiaddr>,
    sequencer: bool,
) -> Result<P2pConfig, DevStackError> {
    std::fs::create_dir_all(datadir)?;
    let key = lamina_p2p::key::load_or_create(&datadir.join("p2p_priv.txt"))
        .map_err(|e| DevStackError::Key(e.to_string()))?;
    let mut gossip = GossipConfig::new(rollup.l2_chain_id, rollup.hardforks, key);
    gossip.listen = Multiaddr::from(listen.ip()).with(Protocol::Tcp(listen.port()));
    gossip.static_peers = peers;
    gossip.redial = Duration::from_secs(1);
    let signer_key = dev_signer(3)?;
    let sequencer_key = if !sequencer {
        None
    } else if signer_key.address() == deploy.p2p_sequencer_address {
        Some(signer_key)
    } else {
        tracing::warn!(target: "lamina::dev", "the unsafe block signer is not a dev account: blocks are not gossiped");
        None
    };
    Ok(P2pConfig {
        gossip,
        sequencer_key,
        signer: SignerSource::SystemConfig { reload: Duration::from_secs(2) },
    })
}

/// Dev account `i`'s key (0: owner and deployer, 1: batcher, 2: proposer, 3: unsafe block
/// signer).
fn dev_signer(i: usize) -> Result<PrivateKeySigner, DevStackError> {
    PrivateKeySigner::from_bytes(&DEV_ACCOUNTS[i].1).map_err(|e| DevStackError::Key(e.to_string()))
}

/// Mines the dev L1: pending txs as soon as the clock has passed the head's second (so L1
/// time never runs ahead of the clock however many txs arrive), and a block at least every
/// `every`, so L1 time moves on a quiet chain. Each new block is announced to `nodes`.
async fn mine(l1: DevL1, every: Duration, nodes: Vec<Inbox>) {
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last = std::time::Instant::now();
    loop {
        tick.tick().await;
        let empty = last.elapsed() >= every;
        match tokio::task::block_in_place(|| l1.mine_due(empty)) {
            Ok(Some(block)) => {
                last = std::time::Instant::now();
                for node in &nodes {
                    // A full inbox means the node is busy; it reads L1 on its next round.
                    let _ = node.offer(Input::L1Head(block.number));
                }
            }
            Ok(None) => {}
            Err(e) => tracing::error!(target: "lamina::dev", %e, "L1 block not mined"),
        }
    }
}

/// The ten dev accounts (address, private key), funded on L1 and L2.
pub fn dev_accounts() -> impl Iterator<Item = (alloy_primitives::Address, alloy_primitives::B256)> {
    DEV_ACCOUNTS.iter().copied()
}
