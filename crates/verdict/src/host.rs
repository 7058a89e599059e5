//! `verdict host`: the preimage host. With `--server` it serves the program on the inherited fds
//! 3..6 (as `verdict vm run ... -- verdict host --server ...` starts it); with a program after `--`
//! it starts that program natively with its channels on fds 3..6 and serves it over pipes.

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use verdict_host::{import, serve, DiskStore, Host, LocalInputs, MemoryStore, Store};
use verdict_preimage::transport::{host_channels_from_fds, pipe, spawn_with_fds, FileChannel};

/// Arguments of `host`.
#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct HostArgs {
    #[command(subcommand)]
    command: Option<HostCommand>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum HostCommand {
    /// Import preimages into the store from JSON maps {"0x<key>": "0x<value>"} (key: keccak256 of the
    /// value, or a typed keccak256/sha256 preimage key); every entry is checked, all or nothing.
    Import {
        /// The store's data directory.
        #[arg(long)]
        data_dir: PathBuf,
        /// JSON files to import.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

/// Arguments of the serving host.
#[derive(Args)]
struct ServeArgs {
    /// Serve the program on the inherited fds 3 (hints in), 4 (acks out), 5 (keys in), 6 (values out).
    #[arg(long)]
    server: bool,
    /// Data directory of the persistent preimage store (default: an empty in-memory store).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Also serve the preimages of these JSON maps (checked, kept in memory).
    #[arg(long = "preimages")]
    preimage_files: Vec<PathBuf>,
    /// Local input 1: the L1 head block hash.
    #[arg(long, value_parser = parse_b256)]
    l1_head: Option<[u8; 32]>,
    /// Local input 2: the agreed L2 output root.
    #[arg(long, value_parser = parse_b256)]
    agreed_l2_output_root: Option<[u8; 32]>,
    /// Local input 3: the claimed L2 output root.
    #[arg(long, value_parser = parse_b256)]
    claimed_l2_output_root: Option<[u8; 32]>,
    /// Local input 4: the claimed L2 block number.
    #[arg(long)]
    claimed_l2_block_number: Option<u64>,
    /// Local input 5: the L2 chain id.
    #[arg(long)]
    l2_chain_id: Option<u64>,
    /// Without --server: the program to run natively, with its channels on fds 3..6.
    #[arg(last = true)]
    program: Vec<String>,
}

fn parse_b256(s: &str) -> Result<[u8; 32], String> {
    let bytes = hex::decode(s.strip_prefix("0x").unwrap_or(s))
        .map_err(|e| format!("{s:?} is not hex: {e}"))?;
    bytes
        .try_into()
        .map_err(|_| format!("{s:?} is not 32 bytes"))
}

pub fn run(args: HostArgs) -> anyhow::Result<()> {
    match args.command {
        Some(HostCommand::Import { data_dir, files }) => {
            let store = DiskStore::open(&data_dir)?;
            for f in &files {
                let n = import::import_preimage_map(&store, f)?;
                eprintln!("imported {n} preimages from {}", f.display());
            }
            eprintln!(
                "{} preimages in {}",
                store.len()?,
                data_dir.join(DiskStore::FILE).display()
            );
            Ok(())
        }
        None => serve_program(args.serve),
    }
}

fn serve_program(args: ServeArgs) -> anyhow::Result<()> {
    let store: Arc<dyn Store> = match (&args.data_dir, args.preimage_files.is_empty()) {
        (Some(_), false) => bail!("--preimages serves from memory: import them into --data-dir with `verdict host import`"),
        (Some(dir), true) => Arc::new(DiskStore::open(dir)?),
        (None, _) => {
            let memory = MemoryStore::default();
            for f in &args.preimage_files {
                memory.insert_all(&import::read_preimage_map(f)?)?;
            }
            Arc::new(memory)
        }
    };
    serve_with(args, store)
}

fn serve_with(args: ServeArgs, store: Arc<dyn Store>) -> anyhow::Result<()> {
    let locals = LocalInputs {
        l1_head: args.l1_head,
        agreed_output_root: args.agreed_l2_output_root,
        claimed_output_root: args.claimed_l2_output_root,
        claimed_block_number: args.claimed_l2_block_number,
        chain_id: args.l2_chain_id,
    };
    let host = Arc::new(Host::new(store, locals));
    if args.server {
        if !args.program.is_empty() {
            bail!("--server serves the program that started this host; do not also name a program");
        }
        // SAFETY: in server mode our parent (the VM) opened fds 3..6 for us and nothing else uses them.
        let (hints, preimages) = unsafe { host_channels_from_fds() };
        serve(host.clone(), hints, preimages).context("serving the program")?;
        report(&host);
        return Ok(());
    }
    let Some((program, rest)) = args.program.split_first() else {
        bail!("give --server (to serve the VM on fds 3..6) or a program to run after `--`");
    };
    // The program writes hints to 4 and keys to 6, and reads acks on 3 and values on 5.
    let (ack_r, ack_w) = pipe()?;
    let (hint_r, hint_w) = pipe()?;
    let (val_r, val_w) = pipe()?;
    let (key_r, key_w) = pipe()?;
    let mut child = spawn_with_fds(
        Command::new(program).args(rest),
        [&ack_r, &hint_w, &val_r, &key_w],
    )
    .with_context(|| format!("starting {program:?}"))?;
    drop((ack_r, hint_w, val_r, key_w));
    let hints = FileChannel {
        reader: hint_r.into(),
        writer: ack_w.into(),
    };
    let preimages = FileChannel {
        reader: key_r.into(),
        writer: val_w.into(),
    };
    let served = serve(host.clone(), hints, preimages);
    let status = child.wait()?;
    served.context("serving the program")?;
    report(&host);
    match status.code() {
        Some(0) => Ok(()),
        Some(code) => {
            eprintln!("{program} exited with code {code}");
            std::process::exit(code)
        }
        None => bail!("{program} was killed ({status})"),
    }
}

fn report(host: &Host) {
    use std::sync::atomic::Ordering::Relaxed;
    eprintln!(
        "host: served {} preimages and {} hints",
        host.served.load(Relaxed),
        host.hints.load(Relaxed)
    );
}
