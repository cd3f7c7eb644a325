//! The ELF loader: a static, little-endian RV64 executable's entry point and its `PT_LOAD`
//! segments, read with every offset and size checked against the file. Nothing else of the
//! ELF matters to the VM (no dynamic linking, no sections, no permissions: memory is flat).

/// `PT_LOAD`.
const PT_LOAD: u32 = 1;
/// `EM_RISCV`.
const EM_RISCV: u16 = 243;
/// `ET_EXEC`.
const ET_EXEC: u16 = 2;
/// `EF_RISCV_RVC`: the ELF may hold compressed instructions, which the VM does not decode.
const EF_RISCV_RVC: u32 = 1;
/// The size of an ELF64 program header.
const PHDR_SIZE: usize = 56;

/// Why an ELF cannot be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ElfError {
    /// The file is shorter than a structure it declares.
    #[error("truncated: {0}")]
    Truncated(&'static str),
    /// Not what the VM runs.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
    /// A segment whose sizes or addresses do not fit.
    #[error("segment {index}: {reason}")]
    Segment {
        /// Its index among the program headers.
        index: usize,
        /// What is wrong.
        reason: &'static str,
    },
}

/// A loadable segment: `data` at `vaddr`, then zeros up to `mem_size`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Where it goes.
    pub vaddr: u64,
    /// Its bytes in the file.
    pub data: Vec<u8>,
    /// Its size in memory (at least `data.len()`; the rest is zero).
    pub mem_size: u64,
}

/// A loaded ELF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elf {
    /// The entry point.
    pub entry: u64,
    /// The segments to load.
    pub segments: Vec<Segment>,
}

fn bytes<const N: usize>(b: &[u8], at: usize, what: &'static str) -> Result<[u8; N], ElfError> {
    at.checked_add(N)
        .and_then(|end| b.get(at..end))
        .and_then(|s| s.try_into().ok())
        .ok_or(ElfError::Truncated(what))
}

fn u16_at(b: &[u8], at: usize, what: &'static str) -> Result<u16, ElfError> {
    bytes(b, at, what).map(u16::from_le_bytes)
}

fn u32_at(b: &[u8], at: usize, what: &'static str) -> Result<u32, ElfError> {
    bytes(b, at, what).map(u32::from_le_bytes)
}

fn u64_at(b: &[u8], at: usize, what: &'static str) -> Result<u64, ElfError> {
    bytes(b, at, what).map(u64::from_le_bytes)
}

/// Parses `file`.
pub fn parse(file: &[u8]) -> Result<Elf, ElfError> {
    let ident: [u8; 16] = bytes(file, 0, "ELF header")?;
    if ident[..4] != *b"\x7fELF" {
        return Err(ElfError::Unsupported("not an ELF file"));
    }
    if ident[4] != 2 || ident[5] != 1 {
        return Err(ElfError::Unsupported("not a 64-bit little-endian ELF"));
    }
    if u16_at(file, 16, "ELF header")? != ET_EXEC {
        return Err(ElfError::Unsupported("not a static executable (ET_EXEC)"));
    }
    if u16_at(file, 18, "ELF header")? != EM_RISCV {
        return Err(ElfError::Unsupported("not a RISC-V ELF"));
    }
    if u32_at(file, 48, "ELF header")? & EF_RISCV_RVC != 0 {
        return Err(ElfError::Unsupported("flagged RVC: compressed instructions are not decoded"));
    }
    let entry = u64_at(file, 24, "ELF header")?;
    let phoff = u64_at(file, 32, "ELF header")?;
    let phentsize = u16_at(file, 54, "ELF header")? as usize;
    let phnum = u16_at(file, 56, "ELF header")? as usize;
    if phnum > 0 && phentsize < PHDR_SIZE {
        return Err(ElfError::Unsupported("program headers smaller than ELF64's"));
    }
    let phoff = usize::try_from(phoff).map_err(|_| ElfError::Truncated("program headers"))?;
    let mut segments = Vec::new();
    for index in 0..phnum {
        let at =
            phoff.checked_add(index * phentsize).ok_or(ElfError::Truncated("program headers"))?;
        let what = "program header";
        if u32_at(file, at, what)? != PT_LOAD {
            continue;
        }
        let offset = u64_at(file, at + 8, what)?;
        let vaddr = u64_at(file, at + 16, what)?;
        let file_size = u64_at(file, at + 32, what)?;
        let mem_size = u64_at(file, at + 40, what)?;
        let bad = |reason| ElfError::Segment { index, reason };
        if file_size > mem_size {
            return Err(bad("larger in the file than in memory"));
        }
        if vaddr.checked_add(mem_size).is_none() {
            return Err(bad("ends past the address space"));
        }
        let data = usize::try_from(offset)
            .ok()
            .zip(usize::try_from(file_size).ok())
            .and_then(|(o, n)| file.get(o..o.checked_add(n)?))
            .ok_or(bad("its bytes lie past the end of the file"))?;
        segments.push(Segment { vaddr, data: data.to_vec(), mem_size });
    }
    if segments.is_empty() {
        return Err(ElfError::Unsupported("no loadable segment"));
    }
    Ok(Elf { entry, segments })
}

#[cfg(test)]
pub(crate) mod tests {
    use proptest::prelude::*;

    use super::*;

    /// A minimal ELF: one segment of `code` at 0x10000, entry at its start.
    pub(crate) fn tiny(code: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; 64 + PHDR_SIZE];
        f[..4].copy_from_slice(b"\x7fELF");
        f[4] = 2;
        f[5] = 1;
        f[6] = 1;
        f[16..18].copy_from_slice(&ET_EXEC.to_le_bytes());
        f[18..20].copy_from_slice(&EM_RISCV.to_le_bytes());
        f[24..32].copy_from_slice(&0x10000u64.to_le_bytes());
        f[32..40].copy_from_slice(&64u64.to_le_bytes());
        f[54..56].copy_from_slice(&(PHDR_SIZE as u16).to_le_bytes());
        f[56..58].copy_from_slice(&1u16.to_le_bytes());
        let ph = 64;
        f[ph..ph + 4].copy_from_slice(&PT_LOAD.to_le_bytes());
        f[ph + 8..ph + 16].copy_from_slice(&((64 + PHDR_SIZE) as u64).to_le_bytes());
        f[ph + 16..ph + 24].copy_from_slice(&0x10000u64.to_le_bytes());
        f[ph + 32..ph + 40].copy_from_slice(&(code.len() as u64).to_le_bytes());
        f[ph + 40..ph + 48].copy_from_slice(&(code.len() as u64 + 100).to_le_bytes());
        f.extend_from_slice(code);
        f
    }

    #[test]
    fn a_minimal_elf_loads_and_bad_headers_are_typed_errors() {
        let elf = parse(&tiny(&[0x73, 0, 0, 0])).unwrap();
        assert_eq!(elf.entry, 0x10000);
        assert_eq!(elf.segments.len(), 1);
        assert_eq!(elf.segments[0].data, vec![0x73, 0, 0, 0]);
        assert_eq!(elf.segments[0].mem_size, 104);

        let mut rvc = tiny(&[0; 4]);
        rvc[48] = 1;
        assert!(matches!(parse(&rvc), Err(ElfError::Unsupported(_))));
        let mut past = tiny(&[0; 4]);
        past[64 + 32] = 0xff;
        past[64 + 40] = 0xff;
        assert!(matches!(parse(&past), Err(ElfError::Segment { index: 0, .. })));
        let mut big = tiny(&[0; 4]);
        big[64 + 32] = 200;
        assert!(matches!(parse(&big), Err(ElfError::Segment { index: 0, .. })));
        let mut wrap = tiny(&[0; 4]);
        wrap[64 + 16..64 + 24].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(parse(&wrap), Err(ElfError::Segment { index: 0, .. })));
        assert!(matches!(parse(&tiny(&[0; 4])[..70]), Err(ElfError::Truncated(_))));
    }

    proptest! {
        #[test]
        fn any_bytes_parse_or_are_refused(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse(&data);
        }

        #[test]
        fn any_corruption_of_a_valid_elf_parses_or_is_refused(at in 0usize..124, byte: u8) {
            let mut f = tiny(&[0x13, 0, 0, 0]);
            f[at] = byte;
            let _ = parse(&f);
        }
    }
}
