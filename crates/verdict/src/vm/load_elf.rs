//! `verdict vm load-elf`: an ELF file to an initial state (and its symbols to a metadata file).

use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use verdict_fpvm::meta::{Metadata, Symbol};
use verdict_riscv::elf::Elf;
use verdict_riscv::state_file;

/// Arguments of `load-elf`.
#[derive(Args)]
pub struct LoadElfArgs {
    /// Path to the RISC-V ELF file.
    #[arg(long)]
    path: PathBuf,
    /// Where to write the initial state (.json, .json.gz, .bin or .bin.gz).
    #[arg(long, default_value = "state.json")]
    out: PathBuf,
    /// Where to write the symbol metadata (empty: do not write it).
    #[arg(long, default_value = "meta.json")]
    meta: String,
    /// The most memory the ELF's segments may take (e.g. 8GiB, 512MiB).
    #[arg(long, default_value = "8GiB", value_parser = verdict_fpvm::size::parse_size)]
    memory_limit: u64,
}

pub fn run(args: LoadElfArgs) -> anyhow::Result<()> {
    let bytes = std::fs::read(&args.path)
        .with_context(|| format!("reading ELF {}", args.path.display()))?;
    let elf = Elf::parse(&bytes).with_context(|| format!("loading ELF {}", args.path.display()))?;
    let mut state = elf
        .load_limited(args.memory_limit)
        .with_context(|| format!("loading ELF {}", args.path.display()))?;
    verdict_riscv::elf::patch(&elf, &mut state);
    if !args.meta.is_empty() {
        let symbols: Vec<Symbol> = elf.symbols.clone();
        Metadata::new(symbols).write(std::path::Path::new(&args.meta))?;
    }
    state_file::write_state(&args.out, &mut state)?;
    eprintln!(
        "loaded {} into {} (state hash 0x{})",
        args.path.display(),
        args.out.display(),
        hex::encode(state.state_hash())
    );
    Ok(())
}
