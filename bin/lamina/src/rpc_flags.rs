//! The public JSON-RPC's execution limits as flags, named as geth names them: `--rpc.gascap`
//! and `--rpc.evmtimeout`.

use std::time::Duration;

use clap::Args;
use lamina_node::CallLimits;

/// Flags bounding what `eth_call`/`eth_estimateGas` may execute.
#[derive(Debug, Args)]
pub(crate) struct CallFlags {
    /// Most gas one `eth_call`/`eth_estimateGas` may use (0: no cap beyond the block gas
    /// limit).
    #[arg(long = "rpc.gascap", default_value_t = 50_000_000)]
    gas_cap: u64,
    /// Wall-clock time one call (or one JSON-RPC batch of calls) may execute: `5s`, `500ms`.
    #[arg(long = "rpc.evmtimeout", default_value = "5s", value_parser = duration)]
    evm_timeout: Duration,
}

impl CallFlags {
    pub(crate) fn limits(&self) -> CallLimits {
        let gas_cap = if self.gas_cap == 0 { u64::MAX } else { self.gas_cap };
        CallLimits { timeout: self.evm_timeout, gas_cap }
    }
}

/// `5s`, `250ms`, `1m`, `1h`, or plain seconds.
pub(crate) fn duration(s: &str) -> Result<Duration, String> {
    let (digits, unit) =
        s.trim().split_at(s.trim().find(|c: char| !c.is_ascii_digit()).unwrap_or(s.trim().len()));
    let n: u64 = digits.parse().map_err(|_| format!("{s}: expected e.g. 5s or 500ms"))?;
    let d = match unit {
        "" | "s" => Duration::from_secs(n),
        "ms" => Duration::from_millis(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        "h" => Duration::from_secs(n.saturating_mul(3600)),
        _ => return Err(format!("{s}: the unit must be ms, s, m or h")),
    };
    if d.is_zero() {
        return Err("the duration must be positive".into());
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_geth_writes_them() {
        assert_eq!(duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(duration("1h"), Ok(Duration::from_secs(3600)));
        for bad in ["", "0s", "5d", "s", "-1s", "1.5s"] {
            assert!(duration(bad).is_err(), "{bad}");
        }
    }
}
