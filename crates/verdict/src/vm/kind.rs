//! Which VM a file belongs to: an ELF by its machine, a state by its first bytes (a MIPS64
//! state starts with its version byte or the `stateVersion` key, a RISC-V one with its page
//! count or `memory`), a proof file by its witness's length.

use anyhow::Context;
use std::io::Read;
use std::path::Path;
use verdict_fpvm::files::open_maybe_gz;

/// The two VMs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VmKind {
    /// The RISC-V VM (Asterisc).
    RiscV,
    /// The MIPS64 VM (Cannon).
    Mips64,
}

/// The VM of a state file.
pub fn of_state(path: &Path) -> anyhow::Result<VmKind> {
    let mut head = Vec::with_capacity(64);
    open_maybe_gz(path)?
        .take(64)
        .read_to_end(&mut head)
        .with_context(|| format!("reading {}", path.display()))?;
    Ok(if verdict_mips64::state_file::looks_like_mips64(&head) {
        VmKind::Mips64
    } else {
        VmKind::RiscV
    })
}

/// The VM of an ELF file (anything but MIPS goes to the RISC-V loader, which names the machine).
pub fn of_elf(bytes: &[u8]) -> VmKind {
    match verdict_mips64::elf::machine(bytes) {
        Some(verdict_mips64::elf::EM_MIPS) => VmKind::Mips64,
        _ => VmKind::RiscV,
    }
}

/// The VM of a proof file, by the length of its state witness.
pub fn of_witness(state_data: &[u8]) -> VmKind {
    if state_data.len() == verdict_mips64::consts::WITNESS_SIZE {
        VmKind::Mips64
    } else {
        VmKind::RiscV
    }
}
