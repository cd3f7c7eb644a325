//! L1→L2 address aliasing (digest §2.5): a contract's L1 address is offset on L2 so that it cannot
//! impersonate an L2 contract at the same address.

use alloy_primitives::{Address, U160, address};

/// The offset added to a contract sender's address.
pub const ALIAS_OFFSET: Address = address!("1111000000000000000000000000000000001111");

/// `sender + 0x1111…1111 (mod 2^160)`.
pub fn apply_l1_to_l2_alias(sender: Address) -> Address {
    let sum = U160::from_be_bytes(sender.0.0).wrapping_add(U160::from_be_bytes(ALIAS_OFFSET.0.0));
    Address::from(sum.to_be_bytes())
}

/// `aliased - 0x1111…1111 (mod 2^160)`.
pub fn undo_l1_to_l2_alias(aliased: Address) -> Address {
    let diff = U160::from_be_bytes(aliased.0.0).wrapping_sub(U160::from_be_bytes(ALIAS_OFFSET.0.0));
    Address::from(diff.to_be_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_wraps_and_inverts() {
        let max = Address::repeat_byte(0xff);
        assert_eq!(apply_l1_to_l2_alias(max), address!("1111000000000000000000000000000000001110"));
        assert_eq!(undo_l1_to_l2_alias(apply_l1_to_l2_alias(max)), max);
        let a = address!("0000000000000000000000000000000000000001");
        assert_eq!(apply_l1_to_l2_alias(a), address!("1111000000000000000000000000000000001112"));
    }
}
