//! Lamina and kona-node on one gossip network (run with `LAMINA_KONA_NODE=/path/to/kona-node`;
//! `scripts/kona.sh` builds kona-node 1.0.0-rc.1 and runs this): `lamina dev` on chain 130
//! (a registry chain kona knows, with no built-in bootnodes), `kona-node net` reading the
//! unsafe block signer from an anvil L1 whose SystemConfig slot names Lamina's signer, and a
//! `lamina node` verifier whose only peer is kona. The sequencer's blocks pass through kona's
//! validation (its log says so) and its relay to the verifier, which follows them — and only
//! gossip can move it (it polls L1 hourly).

use std::{
    io::{BufRead, BufReader},
    net::{TcpListener, UdpSocket},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use crate::{
    clients::{anvil, cast, json, tools},
    dev::start_with,
};

/// Unichain's SystemConfig on L1 (kona's registry), and OP's unsafe block signer slot.
const SYSTEM_CONFIG: &str = "0xc407398d063f942feBbcC6F80a156b47F3f1BDA6";
const SIGNER_SLOT: &str = "0x65a7ed542fb37fe237fdfbdd70b31598523fe5b32879e307bae27a0bd9581c08";
/// Dev account 3, the signer `lamina dev` deploys.
const SIGNER: &str = "0x00000000000000000000000090f79bf6eb2c4f870365e785982e1f101e93b906";

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_tcp() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn free_udp() -> u16 {
    UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
#[ignore = "needs kona-node: LAMINA_KONA_NODE=/path/to/kona-node (scripts/kona.sh)"]
fn kona_node_validates_and_relays_lamina_blocks() {
    let kona =
        std::env::var("LAMINA_KONA_NODE").expect("LAMINA_KONA_NODE names the kona-node binary");
    let bin = tools();
    let (_anvil, l1) = anvil(&bin);
    cast(&bin, &l1, &["rpc", "anvil_setStorageAt", SYSTEM_CONFIG, SIGNER_SLOT, SIGNER]).unwrap();
    cast(&bin, &l1, &["rpc", "anvil_mine"]).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let dev = start_with(&dir.path().join("dev"), &["--l2.chain-id", "130"]);

    let (tcp, udp, rpc) = (free_tcp(), free_udp(), free_tcp());
    let kona_dir = dir.path().join("kona");
    std::fs::create_dir_all(&kona_dir).unwrap();
    let mut child = Command::new(&kona)
        .args(["--chain", "130", "net", "--l1-eth-rpc", &l1])
        .args(["--p2p.listen.ip", "127.0.0.1", "--p2p.advertise.ip", "127.0.0.1"])
        .args(["--p2p.listen.tcp", &tcp.to_string(), "--p2p.listen.udp", &udp.to_string()])
        .args(["--p2p.no-discovery", "--rpc.addr", "127.0.0.1", "--port", &rpc.to_string()])
        .arg("--p2p.bootstore")
        .arg(kona_dir.join("bootstore"))
        .arg("--p2p.priv.path")
        .arg(kona_dir.join("key"))
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kona-node runs");
    let log = Arc::new(Mutex::new(String::new()));
    for out in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let log = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                log.lock().unwrap().push_str(&(line + "\n"));
            }
        });
    }
    let _kona = Proc(child);
    let kona_rpc = format!("http://127.0.0.1:{rpc}");
    let start = Instant::now();
    let me = loop {
        if let Ok(me) = cast(&bin, &kona_rpc, &["rpc", "opp2p_self"]) {
            break json(&me);
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "kona never served opp2p_self:\n{}",
            log.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let kona_addr = format!("/ip4/127.0.0.1/tcp/{tcp}/p2p/{}", me["peerID"].as_str().unwrap());

    // The sequencer dials kona; a verifier of the same chain has kona as its only peer.
    cast(&bin, &dev.rpc, &["rpc", "opp2p_connectPeer", &kona_addr]).unwrap();
    let chain = dir.path().join("dev/chain");
    let verifier_dir = dir.path().join("verifier");
    let ver = Command::new(env!("CARGO_BIN_EXE_lamina"))
        .arg("node")
        .arg("--rollup-config")
        .arg(chain.join("rollup.json"))
        .arg("--genesis")
        .arg(chain.join("genesis.json"))
        .arg("--datadir")
        .arg(&verifier_dir)
        .args(["--l1-rpc", &dev.l1, "--http.port", "0", "--rpc.port", "0"])
        .args(["--l1.poll-interval", "3600000", "--p2p.no-discovery"])
        .args(["--p2p.listen.ip", "127.0.0.1", "--p2p.listen.tcp", "0", "--p2p.static", &kona_addr])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut ver = Proc(ver);
    let mut lines = BufReader::new(ver.0.stdout.take().unwrap()).lines();
    let _http = lines.next().unwrap().unwrap();
    let ver_rpc =
        format!("http://{}", lines.next().unwrap().unwrap().strip_prefix("rpc: ").unwrap());
    std::thread::spawn(move || for _ in lines {});

    let start = Instant::now();
    let head = loop {
        let s = json(&cast(&bin, &ver_rpc, &["rpc", "optimism_syncStatus"]).unwrap());
        let n = s["unsafe_l2"]["number"].as_u64().unwrap();
        if n >= 3 {
            break (n, s["unsafe_l2"]["hash"].as_str().unwrap().to_owned());
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "the verifier never followed through kona (head {n}):\n{}",
            log.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let theirs = cast(&bin, &dev.l2, &["block", &head.0.to_string(), "--field", "hash"]).unwrap();
    assert_eq!(theirs, head.1);
    let text = log.lock().unwrap().clone();
    assert!(
        text.contains(&format!("Received unsafe payload: {}", head.1))
            || text.contains("Received unsafe payload"),
        "{text}"
    );
    let peers = json(&cast(&bin, &ver_rpc, &["rpc", "opp2p_peers", "true"]).unwrap());
    assert_eq!(peers["totalConnected"], 1, "kona is the verifier's only peer: {peers}");
    eprintln!("kona relayed Lamina's blocks; the verifier reached {} ({})", head.0, head.1);
}
