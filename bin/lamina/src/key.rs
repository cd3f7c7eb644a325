//! Where a signing command gets its key: `--private-key` (seen by every user in `ps` and kept
//! in shell history, so kept for dev use), `--private-key-file`, or the `LAMINA_PRIVATE_KEY`
//! environment variable, in that order.

use std::path::PathBuf;

use alloy_signer_local::PrivateKeySigner;
use clap::Args;
use eyre::{WrapErr, eyre};

/// The environment variable a key may come from.
pub(crate) const KEY_ENV: &str = "LAMINA_PRIVATE_KEY";

/// The signing key flags every command that signs takes.
#[derive(Debug, Args)]
pub(crate) struct KeyArgs {
    /// The signing key (hex). Other users can read it in `ps` and it stays in shell history:
    /// prefer --private-key-file or the LAMINA_PRIVATE_KEY environment variable.
    #[arg(long = "private-key", conflicts_with = "private_key_file")]
    private_key: Option<String>,
    /// A file holding the signing key (hex, surrounding whitespace ignored).
    #[arg(long = "private-key-file")]
    private_key_file: Option<PathBuf>,
}

impl KeyArgs {
    /// The key given by flag, file or environment; `None` when none is given.
    pub(crate) fn signer(&self) -> eyre::Result<Option<PrivateKeySigner>> {
        load(
            ("--private-key", self.private_key.as_deref()),
            ("--private-key-file", self.private_key_file.as_deref()),
            KEY_ENV,
        )
    }

    /// The key, which the command cannot do without.
    pub(crate) fn required(&self) -> eyre::Result<PrivateKeySigner> {
        self.signer()?.ok_or_else(|| {
            eyre!("no signing key: give --private-key-file, LAMINA_PRIVATE_KEY or --private-key")
        })
    }
}

/// A key from its flag, its file flag or its environment variable, in that order (each given
/// with its name, for errors that say where a bad key came from); `None` when none is given.
pub(crate) fn load(
    flag: (&str, Option<&str>),
    file: (&str, Option<&std::path::Path>),
    env: &str,
) -> eyre::Result<Option<PrivateKeySigner>> {
    if let (name, Some(key)) = flag {
        return parse(key).map(Some).wrap_err(name.to_owned());
    }
    if let (name, Some(path)) = file {
        let text =
            std::fs::read_to_string(path).wrap_err_with(|| format!("{name} {}", path.display()))?;
        return parse(&text).map(Some).wrap_err_with(|| format!("{name} {}", path.display()));
    }
    match std::env::var(env) {
        Ok(key) => parse(&key).map(Some).wrap_err(env.to_owned()),
        Err(_) => Ok(None),
    }
}

fn parse(text: &str) -> eyre::Result<PrivateKeySigner> {
    // The error of a bad key must not echo the key.
    text.trim().parse().map_err(|_| eyre!("not a hex-encoded secp256k1 private key"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

    #[test]
    fn a_key_comes_from_the_flag_or_a_file_and_errors_never_echo_it() {
        let flag = KeyArgs { private_key: Some(KEY.into()), private_key_file: None };
        let want = flag.required().unwrap().address();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, format!("{KEY}\n")).unwrap();
        let file = KeyArgs { private_key: None, private_key_file: Some(path.clone()) };
        assert_eq!(file.required().unwrap().address(), want);

        std::fs::write(&path, "0xnot-a-key-but-secret").unwrap();
        let err = format!("{:#}", file.required().unwrap_err());
        assert!(!err.contains("secret"), "{err}");
        let missing = KeyArgs { private_key: None, private_key_file: Some(dir.path().join("no")) };
        assert!(missing.required().is_err());
    }
}
