//! The program's verdict, and the one line a guest writes it as on standard output so a host
//! that only sees the guest's exit code and streams can report the same fields as a native run.
//! The line is plain ASCII, `verdict <0|1> <l2_block> <output_root hex> <blocks_built>`, and
//! carries nothing a host relies on for the outcome: the exit code decides.

use alloc::{format, string::String};

use alloy_primitives::B256;

/// What the program concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// Whether the claim is right.
    pub valid: bool,
    /// The output root the program computed (of `l2_block`).
    pub output_root: B256,
    /// The block it is the output of: the claimed block, or the safe head when L1 ran out.
    pub l2_block: u64,
    /// Blocks derived and executed.
    pub blocks_built: u64,
}

/// A verdict line that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("verdict line: {0}")]
pub struct VerdictLineError(&'static str);

impl Verdict {
    /// The exit code: 0 valid, 1 invalid.
    pub const fn exit_code(&self) -> i32 {
        if self.valid { 0 } else { 1 }
    }

    /// The verdict as its line (newline included).
    pub fn line(&self) -> String {
        format!(
            "verdict {} {} {:#x} {}\n",
            u8::from(self.valid),
            self.l2_block,
            self.output_root,
            self.blocks_built
        )
    }

    /// Parses a line written by [`Verdict::line`] (the trailing newline optional).
    pub fn from_line(line: &str) -> Result<Self, VerdictLineError> {
        let line = line.strip_suffix('\n').unwrap_or(line);
        let mut words = line.split(' ');
        let mut next = |what| words.next().ok_or(VerdictLineError(what));
        if next("no tag")? != "verdict" {
            return Err(VerdictLineError("not a verdict"));
        }
        let valid = match next("no validity")? {
            "0" => false,
            "1" => true,
            _ => return Err(VerdictLineError("validity is not 0 or 1")),
        };
        let number = |w: &str| w.parse::<u64>().map_err(|_| VerdictLineError("not a number"));
        let l2_block = number(next("no block")?)?;
        let root = next("no output root")?;
        let output_root = match root.strip_prefix("0x") {
            Some(hex) if hex.len() == 64 => {
                hex.parse::<B256>().map_err(|_| VerdictLineError("output root is not hex"))?
            }
            _ => return Err(VerdictLineError("output root is not 0x and 32 bytes")),
        };
        let blocks_built = number(next("no block count")?)?;
        if words.next().is_some() {
            return Err(VerdictLineError("trailing words"));
        }
        Ok(Self { valid, output_root, l2_block, blocks_built })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn a_line_round_trips(valid: bool, root: [u8; 32], l2_block: u64, blocks_built: u64) {
            let v = Verdict { valid, output_root: B256::from(root), l2_block, blocks_built };
            prop_assert_eq!(Verdict::from_line(&v.line()), Ok(v));
        }

        #[test]
        fn any_text_parses_or_is_refused(text in "\\PC{0,120}") {
            let _ = Verdict::from_line(&text);
        }
    }

    #[test]
    fn malformed_lines_are_refused() {
        let root = format!("{:#x}", B256::repeat_byte(7));
        for bad in [
            String::new(),
            format!("verdict 2 5 {root} 1"),
            format!("verdict 1 -5 {root} 1"),
            format!("verdict 1 5 {} 1", &root[..60]),
            format!("verdict 1 5 {root} 1 extra"),
            format!("verdict 1 5 {root}"),
            format!("output 1 5 {root} 1"),
        ] {
            assert!(Verdict::from_line(&bad).is_err(), "{bad}");
        }
    }
}
