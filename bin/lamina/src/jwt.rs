//! The Engine API's JWT secret file: created owner-only (0600), since anyone who reads it can
//! drive the engine (build blocks, reorg the unsafe chain); an existing file that others can
//! read is used, with a warning that names the fix.

use std::{
    io::Write,
    os::unix::fs::{OpenOptionsExt, PermissionsExt},
    path::Path,
};

use alloy_primitives::hex;
use alloy_rpc_types_engine::JwtSecret;
use eyre::{WrapErr, eyre};

/// Reads the secret at `path`, or creates a random one there (mode 0600) when it is missing.
pub(crate) fn load_or_create(path: &Path) -> eyre::Result<JwtSecret> {
    if path.exists() {
        return load(path);
    }
    let secret = JwtSecret::random();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .wrap_err_with(|| format!("creating the JWT secret {}", path.display()))?;
    file.write_all(hex::encode(secret.as_bytes()).as_bytes())
        .wrap_err_with(|| format!("writing the JWT secret {}", path.display()))?;
    tracing::info!(target: "lamina::jwt", path = %path.display(), "created a JWT secret (mode 0600)");
    Ok(secret)
}

/// Reads the secret at `path`, warning when its group or others may read it.
pub(crate) fn load(path: &Path) -> eyre::Result<JwtSecret> {
    let meta = std::fs::metadata(path)
        .wrap_err_with(|| format!("reading the JWT secret {}", path.display()))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        tracing::warn!(
            target: "lamina::jwt",
            path = %path.display(),
            mode = format_args!("{mode:o}"),
            "the JWT secret is readable by other users: anyone who reads it can drive the engine \
             (chmod 600 it)"
        );
    }
    JwtSecret::from_file(path).map_err(|e| eyre!("JWT secret {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_secret_is_owner_only_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jwt.hex");
        let made = load_or_create(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(load_or_create(&path).unwrap().as_bytes(), made.as_bytes());
    }

    #[test]
    fn a_world_readable_secret_still_loads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jwt.hex");
        std::fs::write(&path, format!("{:064x}", 7)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(load(&path).is_ok());
        std::fs::write(&path, "not hex").unwrap();
        assert!(load(&path).is_err());
    }
}
