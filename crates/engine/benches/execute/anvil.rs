//! Runs the same pre-signed blocks on anvil (`--optimism`, from npm) for a ratio measured in the
//! same run: txs are submitted with mining off, then only `evm_mine` (execution, state root and
//! anvil's in-memory commit) is timed.

use std::{
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use alloy_primitives::{Address, Bytes, U256};
use serde_json::{Value, json};

/// A running anvil, killed on drop.
pub(crate) struct Anvil {
    child: Child,
    port: u16,
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Anvil {
    pub(crate) fn start(bin: &str, chain_id: u64, gas_limit: u64) -> Option<Self> {
        let port = TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        let child = Command::new(bin)
            .args([
                "--optimism",
                "--no-mining",
                "--silent",
                "--port",
                &port.to_string(),
                "--chain-id",
                &chain_id.to_string(),
                "--gas-limit",
                &gas_limit.to_string(),
                "--base-fee",
                "1000000",
                "--accounts",
                "1",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let anvil = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if anvil
                .rpc(&json!({"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}))
                .is_some()
            {
                return Some(anvil);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// One JSON-RPC request (or batch) over a fresh HTTP/1.1 connection.
    pub(crate) fn rpc(&self, body: &Value) -> Option<Value> {
        let body = body.to_string();
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        write!(
            s,
            "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
            body.len(),
            body
        )
        .ok()?;
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).ok()?;
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&raw[..split]).to_lowercase();
        let mut payload = raw[split + 4..].to_vec();
        if head.contains("transfer-encoding: chunked") {
            payload = dechunk(&payload)?;
        }
        serde_json::from_slice(&payload).ok()
    }

    fn call(&self, method: &str, params: Value) -> Option<Value> {
        self.rpc(&json!({"jsonrpc":"2.0","id":1,"method":method,"params":params}))
    }

    /// Sends many requests as batches of `chunk`.
    fn batch(&self, calls: Vec<(String, Value)>, chunk: usize) {
        for part in calls.chunks(chunk) {
            let reqs: Vec<Value> = part
                .iter()
                .enumerate()
                .map(|(i, (m, p))| json!({"jsonrpc":"2.0","id":i,"method":m,"params":p}))
                .collect();
            let _ = self.rpc(&Value::Array(reqs));
        }
    }

    pub(crate) fn fund(&self, accounts: &[Address]) {
        let calls = accounts
            .iter()
            .map(|a| {
                ("anvil_setBalance".to_string(), json!([a.to_string(), "0xd3c21bcecceda1000000"]))
            })
            .collect();
        self.batch(calls, 500);
    }

    pub(crate) fn set_code(&self, at: Address, code: &Bytes, storage: &[(U256, U256)]) {
        self.call("anvil_setCode", json!([at.to_string(), code.to_string()]));
        let calls = storage
            .iter()
            .map(|(k, v)| {
                let k = format!("0x{:064x}", k);
                let v = format!("0x{:064x}", v);
                ("anvil_setStorageAt".to_string(), json!([at.to_string(), k, v]))
            })
            .collect();
        self.batch(calls, 500);
    }

    /// Submits a block's txs, mines it, and returns (mine time, submit time, gas used, txs).
    /// Submission is where anvil recovers signatures and validates; mining executes, roots and
    /// commits.
    pub(crate) fn mine(&self, txs: &[Bytes]) -> Option<(Duration, Duration, u64, usize)> {
        let calls = txs
            .iter()
            .map(|t| ("eth_sendRawTransaction".to_string(), json!([t.to_string()])))
            .collect();
        let s = Instant::now();
        self.batch(calls, 250);
        let submit = s.elapsed();
        let t = Instant::now();
        self.call("evm_mine", json!([]))?;
        let elapsed = t.elapsed();
        let block = self.call("eth_getBlockByNumber", json!(["latest", false]))?;
        let gas =
            u64::from_str_radix(block["result"]["gasUsed"].as_str()?.trim_start_matches("0x"), 16)
                .ok()?;
        let n = block["result"]["transactions"].as_array()?.len();
        Some((elapsed, submit, gas, n))
    }
}

fn dechunk(mut b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = b.windows(2).position(|w| w == b"\r\n")?;
        let size =
            usize::from_str_radix(std::str::from_utf8(&b[..line_end]).ok()?.trim(), 16).ok()?;
        b = &b[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(b.get(..size)?);
        b = b.get(size + 2..)?;
    }
}
