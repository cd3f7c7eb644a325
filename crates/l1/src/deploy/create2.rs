//! Deterministic deployment through the CREATE2 factory most chains have at
//! `0x4e59b44847b379578588920ca78fbf26c0b4956c` (anvil and Foundry's scripts use it): calldata
//! `salt ‖ init code` creates the contract at an address fixed by the factory, the salt and
//! the init code. Same config, same addresses: a re-run finds its contracts already there. The
//! dev L1 has the factory from genesis, with our own code for the same interface.

use alloy_primitives::{Address, B256, Bytes, address, hex, keccak256};

/// The factory's address.
pub const CREATE2_FACTORY: Address = address!("4e59b44847b379578588920ca78fbf26c0b4956c");

/// Runtime code of a factory with that interface, written for the dev L1: copy the init code
/// after the 32-byte salt to memory, CREATE2 it with the call's value, return the new address
/// (20 bytes), or revert with the constructor's revert data.
///
/// ```text
/// 0x00 PUSH1 32, CALLDATASIZE, SUB, DUP1        n = calldatasize - 32 (twice)
/// 0x05 PUSH1 32, PUSH1 0, CALLDATACOPY          mem[0..n] = calldata[32..]
/// 0x0a PUSH1 0, CALLDATALOAD, SWAP1             salt under n
/// 0x0e PUSH1 0, CALLVALUE, CREATE2              addr = create2(value, 0, n, salt)
/// 0x12 DUP1, PUSH1 0x1f, JUMPI                  to 0x1f if created
/// 0x16 RETURNDATASIZE, PUSH1 0, DUP1, RETURNDATACOPY, RETURNDATASIZE, PUSH1 0, REVERT
/// 0x1f JUMPDEST, PUSH1 0, MSTORE, PUSH1 20, PUSH1 12, RETURN
/// ```
pub const FACTORY_CODE: [u8; 40] =
    hex!("6020360380602060003760003590600034f580601f573d6000803e3d6000fd5b6000526014600cf3");

/// The factory's calldata creating `init_code` with `salt`.
pub fn calldata(salt: B256, init_code: &[u8]) -> Bytes {
    [salt.as_slice(), init_code].concat().into()
}

/// Where the factory puts `init_code` created with `salt`.
pub fn address_of(salt: B256, init_code: &[u8]) -> Address {
    CREATE2_FACTORY.create2(salt, keccak256(init_code))
}
