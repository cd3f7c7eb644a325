//! The node's libp2p identity, kept across restarts as op-node keeps it: a secp256k1 private
//! key, hex in a file (`opnode_p2p_priv.txt` under op-node's `--p2p.priv.path`). Made on first
//! start, readable only by the owner; a file that is not a key is an error, never replaced.

use std::{io::Write, path::Path};

use libp2p::identity::{Keypair, secp256k1};

/// Why the node key cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The failure.
        #[source]
        source: std::io::Error,
    },
    /// The file holds no secp256k1 key.
    #[error("{0}: not a hex secp256k1 private key")]
    Malformed(String),
}

/// The key in `path`, or a new one written there (mode 0600) when the file does not exist.
pub fn load_or_create(path: &Path) -> Result<Keypair, KeyError> {
    let io = |source| KeyError::Io { path: path.display().to_string(), source };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let text = text.trim();
            let mut bytes = alloy_primitives::hex::decode(text.strip_prefix("0x").unwrap_or(text))
                .map_err(|_| KeyError::Malformed(path.display().to_string()))?;
            let secret = secp256k1::SecretKey::try_from_bytes(&mut bytes)
                .map_err(|_| KeyError::Malformed(path.display().to_string()))?;
            Ok(Keypair::from(secp256k1::Keypair::from(secret)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let pair = secp256k1::Keypair::generate();
            let hex = alloy_primitives::hex::encode(pair.secret().to_bytes());
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(io)?;
            }
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(path).map_err(io)?;
            file.write_all(hex.as_bytes()).map_err(io)?;
            Ok(Keypair::from(pair))
        }
        Err(e) => Err(io(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_made_once_kept_private_and_a_bad_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p2p/opnode_p2p_priv.txt");
        let first = load_or_create(&path).unwrap();
        let again = load_or_create(&path).unwrap();
        assert_eq!(first.public().to_peer_id(), again.public().to_peer_id(), "the same identity");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        // op-node's files may carry 0x and a newline.
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("0x{text}\n")).unwrap();
        assert_eq!(load_or_create(&path).unwrap().public(), first.public());
        std::fs::write(&path, "not a key").unwrap();
        assert!(matches!(load_or_create(&path), Err(KeyError::Malformed(_))));
        std::fs::write(&path, "00".repeat(32)).unwrap();
        assert!(matches!(load_or_create(&path), Err(KeyError::Malformed(_))), "zero is no key");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "00".repeat(32), "never replaced");
    }
}
