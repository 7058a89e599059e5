//! `verdict vm load-elf`: an ELF file to an initial state (and its symbols to a metadata file).
//! The VM is the ELF's machine: RISC-V (Asterisc) or MIPS (Cannon, `--type`).

use super::kind::{self, VmKind};
use anyhow::Context;
use clap::Args;
use std::path::{Path, PathBuf};
use verdict_fpvm::meta::{Metadata, Symbol};

/// Arguments of `load-elf`.
#[derive(Args)]
pub struct LoadElfArgs {
    /// Path to the ELF file (RISC-V or 64-bit big-endian MIPS).
    #[arg(long)]
    path: PathBuf,
    /// Where to write the initial state (.bin, .bin.gz; .json, .json.gz).
    #[arg(long, default_value = "state.json")]
    out: PathBuf,
    /// Where to write the symbol metadata (empty: do not write it).
    #[arg(long, default_value = "meta.json")]
    meta: String,
    /// The MIPS VM's state version, as Cannon names it: multithreaded64-5 (the default) or
    /// multithreaded64-4. Not for RISC-V ELFs.
    #[arg(long = "type")]
    vm_type: Option<String>,
    /// The most memory the ELF's segments may take (e.g. 8GiB, 512MiB).
    #[arg(long, default_value = "8GiB", value_parser = verdict_fpvm::size::parse_size)]
    memory_limit: u64,
}

pub fn run(args: LoadElfArgs) -> anyhow::Result<()> {
    let bytes = std::fs::read(&args.path)
        .with_context(|| format!("reading ELF {}", args.path.display()))?;
    let loading = || format!("loading ELF {}", args.path.display());
    let (symbols, hash) = match kind::of_elf(&bytes) {
        VmKind::Mips64 => {
            let version = match &args.vm_type {
                None => verdict_mips64::consts::DEFAULT_VERSION,
                Some(t) => verdict_mips64::consts::parse_version(t).ok_or_else(|| {
                    anyhow::anyhow!(
                        "--type {t:?}: the MIPS64 VM implements multithreaded64-5 and multithreaded64-4"
                    )
                })?,
            };
            let elf = verdict_mips64::elf::Elf::parse(&bytes).with_context(loading)?;
            let mut state = elf.load_limited(args.memory_limit).with_context(loading)?;
            verdict_mips64::elf::patch_stack(&mut state);
            state.version = version;
            verdict_mips64::state_file::write_state(&args.out, &mut state)?;
            (elf.symbols.clone(), state.state_hash())
        }
        VmKind::RiscV => {
            if let Some(t) = &args.vm_type {
                anyhow::bail!(
                    "--type {t:?} is for MIPS ELFs (Cannon); {} is not MIPS",
                    args.path.display()
                );
            }
            let elf = verdict_riscv::elf::Elf::parse(&bytes).with_context(loading)?;
            let mut state = elf.load_limited(args.memory_limit).with_context(loading)?;
            verdict_riscv::elf::patch(&elf, &mut state);
            verdict_riscv::state_file::write_state(&args.out, &mut state)?;
            (elf.symbols.clone(), state.state_hash())
        }
    };
    if !args.meta.is_empty() {
        Metadata::new(symbols as Vec<Symbol>).write(Path::new(&args.meta))?;
    }
    eprintln!(
        "loaded {} into {} (state hash 0x{})",
        args.path.display(),
        args.out.display(),
        hex::encode(hash)
    );
    Ok(())
}
