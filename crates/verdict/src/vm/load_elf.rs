//! `verdict vm load-elf`: an ELF file to an initial state (and its symbols to a metadata file).

use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use verdict_vm::elf::{Elf, Symbol};
use verdict_vm::files;

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
}

/// Symbol metadata, as the reference writes it.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Metadata {
    /// Symbols sorted by address.
    pub symbols: Vec<Symbol>,
}

pub fn run(args: LoadElfArgs) -> anyhow::Result<()> {
    let bytes = std::fs::read(&args.path)
        .with_context(|| format!("reading ELF {}", args.path.display()))?;
    let elf = Elf::parse(&bytes).with_context(|| format!("loading ELF {}", args.path.display()))?;
    let mut state = elf
        .load()
        .with_context(|| format!("loading ELF {}", args.path.display()))?;
    verdict_vm::elf::patch(&elf, &mut state);
    if !args.meta.is_empty() {
        let mut symbols = elf.symbols.clone();
        symbols.sort_by_key(|s| s.start);
        let json = serde_json::to_vec(&Metadata { symbols })?;
        files::write_atomic(std::path::Path::new(&args.meta), &json)?;
    }
    files::write_state(&args.out, &mut state)?;
    eprintln!(
        "loaded {} into {} (state hash 0x{})",
        args.path.display(),
        args.out.display(),
        hex::encode(state.state_hash())
    );
    Ok(())
}
