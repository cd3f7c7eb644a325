//! Integration tests of the `lamina` binary: `lamina decode` run as a process, and the
//! workspace architecture rules.

mod architecture;
mod decode;
