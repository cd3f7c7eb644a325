//! Reading a decoder input: a `0x…` literal, or a file holding binary bytes or hex text (with or
//! without `0x`, surrounding whitespace allowed).

use std::path::Path;

/// The input's bytes.
pub(crate) fn read(arg: &str) -> Result<Vec<u8>, String> {
    // A literal, unless a file happens to have that name.
    if let Some(hex) = arg.strip_prefix("0x").or_else(|| arg.strip_prefix("0X"))
        && !Path::new(arg).exists()
    {
        return decode_hex(hex).map_err(|e| format!("input is not valid hex: {e}"));
    }
    let bytes = std::fs::read(arg).map_err(|e| format!("reading {arg}: {e}"))?;
    Ok(maybe_hex_text(bytes))
}

/// Files whose whole content is hex text are decoded; anything else is taken as binary.
fn maybe_hex_text(bytes: Vec<u8>) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(&bytes) else { return bytes };
    let t = text.trim();
    let t = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")).unwrap_or(t);
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return bytes;
    }
    decode_hex(t).unwrap_or(bytes)
}

fn decode_hex(s: &str) -> Result<Vec<u8>, hex::FromHexError> {
    hex::decode(s.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_text_with_prefix_and_newline_is_decoded() {
        assert_eq!(maybe_hex_text(b"0xabcd\n".to_vec()), vec![0xab, 0xcd]);
        assert_eq!(maybe_hex_text(b"abcd".to_vec()), vec![0xab, 0xcd]);
        assert_eq!(maybe_hex_text(vec![0x00, 0xff]), vec![0x00, 0xff]);
        // Odd-length "hex" is binary after all.
        assert_eq!(maybe_hex_text(b"abc".to_vec()), b"abc".to_vec());
    }

    #[test]
    fn literal_must_be_valid_hex() {
        assert_eq!(read("0x0102").unwrap(), vec![1, 2]);
        assert!(read("0xzz").unwrap_err().contains("not valid hex"));
        assert!(read("/no/such/file").unwrap_err().contains("reading /no/such/file"));
    }
}
