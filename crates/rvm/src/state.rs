//! The VM state as a dispute commits to it: [`State`] and its 354-byte encoding (integers
//! big-endian), and the state hash — keccak256 of the encoding with its first byte replaced by
//! the [`Status`], so a hash alone says whether the program finished and how.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 32 | memory root |
//! | 32 | 32 | preimage key (the last 32 bytes written to fd 6) |
//! | 64 | 8 | preimage offset (into the length-prefixed preimage) |
//! | 72 | 8 | pc |
//! | 80 | 1 | exit code |
//! | 81 | 1 | exited (0 or 1) |
//! | 82 | 8 | step |
//! | 90 | 8 | load reservation (an address; all ones for none) |
//! | 98 | 256 | registers x0–x31 |

use alloy_primitives::{B256, keccak256};

/// The encoding's size.
pub const STATE_BYTES: usize = 354;
/// No load reservation.
pub const NO_RESERVATION: u64 = u64::MAX;

/// How a run stands, as the state hash's first byte says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Status {
    /// Exited 0: the claim is right.
    Valid = 0,
    /// Exited 1: the claim is wrong.
    Invalid = 1,
    /// Exited with any other code (a panic, or a VM fault).
    Panic = 2,
    /// Still running.
    Unfinished = 3,
}

/// A state encoding that cannot be a state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// Wrong length.
    #[error("a state is {STATE_BYTES} bytes, not {0}")]
    Length(usize),
    /// The exited byte is neither 0 nor 1.
    #[error("exited byte {0}")]
    Exited(u8),
    /// x0 is not zero.
    #[error("x0 holds {0:#x}")]
    NonZeroX0(u64),
}

/// The VM state (memory by its root).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State {
    /// The memory's Merkle root.
    pub mem_root: B256,
    /// The preimage key.
    pub preimage_key: B256,
    /// The read offset into the current preimage (with its 8-byte length prefix).
    pub preimage_offset: u64,
    /// The program counter.
    pub pc: u64,
    /// The exit code (meaningful once exited).
    pub exit_code: u8,
    /// Whether the program has exited.
    pub exited: bool,
    /// Instructions executed.
    pub step: u64,
    /// The LR reservation.
    pub load_reservation: u64,
    /// x0–x31 (x0 always 0).
    pub regs: [u64; 32],
}

impl State {
    /// The status.
    pub const fn status(&self) -> Status {
        status_of(self.exited, self.exit_code)
    }

    /// The encoding.
    pub fn encode(&self) -> [u8; STATE_BYTES] {
        let mut out = [0u8; STATE_BYTES];
        out[0..32].copy_from_slice(self.mem_root.as_slice());
        out[32..64].copy_from_slice(self.preimage_key.as_slice());
        out[64..72].copy_from_slice(&self.preimage_offset.to_be_bytes());
        out[72..80].copy_from_slice(&self.pc.to_be_bytes());
        out[80] = self.exit_code;
        out[81] = u8::from(self.exited);
        out[82..90].copy_from_slice(&self.step.to_be_bytes());
        out[90..98].copy_from_slice(&self.load_reservation.to_be_bytes());
        for (i, r) in self.regs.iter().enumerate() {
            out[98 + 8 * i..106 + 8 * i].copy_from_slice(&r.to_be_bytes());
        }
        out
    }

    /// Decodes an encoding; anything that is not one is refused.
    pub fn decode(data: &[u8]) -> Result<Self, StateError> {
        if data.len() != STATE_BYTES {
            return Err(StateError::Length(data.len()));
        }
        let u64_at = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&data[at..at + 8]);
            u64::from_be_bytes(b)
        };
        let exited = match data[81] {
            0 => false,
            1 => true,
            other => return Err(StateError::Exited(other)),
        };
        let regs: [u64; 32] = std::array::from_fn(|i| u64_at(98 + 8 * i));
        if regs[0] != 0 {
            return Err(StateError::NonZeroX0(regs[0]));
        }
        Ok(Self {
            mem_root: B256::from_slice(&data[0..32]),
            preimage_key: B256::from_slice(&data[32..64]),
            preimage_offset: u64_at(64),
            pc: u64_at(72),
            exit_code: data[80],
            exited,
            step: u64_at(82),
            load_reservation: u64_at(90),
            regs,
        })
    }

    /// The state hash.
    pub fn hash(&self) -> B256 {
        hash_encoded(&self.encode())
    }
}

const fn status_of(exited: bool, code: u8) -> Status {
    match (exited, code) {
        (false, _) => Status::Unfinished,
        (true, 0) => Status::Valid,
        (true, 1) => Status::Invalid,
        (true, _) => Status::Panic,
    }
}

/// The state hash of an encoding: keccak256 with the first byte replaced by the status read
/// from the encoding's exit fields.
pub fn hash_encoded(data: &[u8; STATE_BYTES]) -> B256 {
    let mut h = keccak256(data);
    h.0[0] = status_of(data[81] != 0, data[80]) as u8;
    h
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn any_state() -> impl Strategy<Value = State> {
        (any::<[u8; 32]>(), any::<[u8; 32]>(), any::<[u64; 5]>(), any::<u8>(), any::<bool>())
            .prop_flat_map(|(root, key, w, code, exited)| {
                proptest::collection::vec(any::<u64>(), 31).prop_map(move |r| {
                    let mut regs = [0u64; 32];
                    regs[1..].copy_from_slice(&r);
                    State {
                        mem_root: B256::from(root),
                        preimage_key: B256::from(key),
                        preimage_offset: w[0],
                        pc: w[1],
                        exit_code: code,
                        exited,
                        step: w[2],
                        load_reservation: w[3],
                        regs,
                    }
                })
            })
    }

    proptest! {
        #[test]
        fn states_round_trip_and_the_hash_carries_the_status(s in any_state()) {
            let enc = s.encode();
            prop_assert_eq!(State::decode(&enc), Ok(s));
            let h = s.hash();
            prop_assert_eq!(h.0[0], s.status() as u8);
            prop_assert_eq!(&h.0[1..], &keccak256(enc).0[1..]);
        }

        #[test]
        fn any_bytes_decode_or_are_refused(data in proptest::collection::vec(any::<u8>(), 350..358)) {
            let _ = State::decode(&data);
        }
    }

    #[test]
    fn malformed_states_are_refused() {
        let mut enc = [0u8; STATE_BYTES];
        assert!(State::decode(&enc).is_ok());
        enc[81] = 2;
        assert_eq!(State::decode(&enc), Err(StateError::Exited(2)));
        enc[81] = 0;
        enc[105] = 1;
        assert_eq!(State::decode(&enc), Err(StateError::NonZeroX0(1)));
        assert_eq!(State::decode(&enc[1..]), Err(StateError::Length(353)));
    }
}
