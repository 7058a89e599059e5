//! `verdict host`: the preimage host. With `--server` it serves the program on the inherited fds
//! 3..6 (as `verdict vm run ... -- verdict host --server ...` starts it); with a program after `--`
//! it starts that program natively with its channels on fds 3..6 and serves it over pipes.
//!
//! `--fixture DIR` serves a fixture's preimages and boot inputs (flags given explicitly override
//! them): a full-claim fixture (`claim.json`) to the fault proof program, or a block fixture
//! (`fixture.json`) to the block check program; see `fixture.rs`.

use anyhow::{bail, Context};

mod fixture;
use clap::{Args, Subcommand};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use verdict_host::{
    import, serve, DiskStore, Host, LayeredStore, LocalInputs, MemoryStore, Online, OnlineConfig,
    Store,
};
use verdict_preimage::transport::{channels_from_fds, pipe, spawn_with_fds, FileChannel};

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
    /// Data directory of the persistent preimage store, served read-only (default: none).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Also serve the preimages of these JSON maps (checked, kept in memory, never written into
    /// the store).
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
    /// Serve a block fixture directory (its preimages, its parent header, its payload attributes
    /// as a keccak256 preimage, and local inputs 1-5; explicit flags override them).
    #[arg(long)]
    fixture: Option<PathBuf>,
    /// Online: the L1 execution node (JSON-RPC) to fetch L1 headers, transactions and receipts
    /// from (kona-host's flag).
    #[arg(long)]
    l1_node_address: Option<String>,
    /// Online: the L1 beacon node (beacon API) to fetch blobs from.
    #[arg(long)]
    l1_beacon_address: Option<String>,
    /// Online: the L2 node (JSON-RPC; its optimism_ methods too) to fetch L2 headers,
    /// transactions, the starting output and execution witnesses from.
    #[arg(long)]
    l2_node_address: Option<String>,
    /// Online: the agreed L2 head's hash (else found with optimism_outputAtBlock below the
    /// claimed block).
    #[arg(long, value_parser = parse_b256)]
    agreed_l2_head_hash: Option<[u8; 32]>,
    /// Online: the timeout of one RPC attempt, in seconds.
    #[arg(long, default_value_t = 30)]
    rpc_timeout_secs: u64,
    /// Online: retries of an RPC call that fails to connect, times out or gets a 5xx.
    #[arg(long, default_value_t = 4)]
    rpc_retries: u32,
    /// Run the fault proof program (crates/claim) in this process over the host, as kona-host's
    /// `--native` does; prints its verdict and exits with its code (0 VALID, 1 INVALID, 3-5
    /// cannot tell).
    #[arg(long, conflicts_with = "server")]
    native: bool,
    /// The rollup config (op-node's rollup.json; kona-host's flag). The program knows its chains'
    /// configs compiled in (its prestate commits to them), so this must be the one it has for
    /// --l2-chain-id: a different one is an error, not an override.
    #[arg(long)]
    rollup_config_path: Option<PathBuf>,
    /// Without --server: the program to run natively, with its channels on fds 3..6.
    #[arg(last = true)]
    program: Vec<String>,
}

/// Checks a `--rollup-config-path` against the config compiled into the program for the chain.
fn check_rollup_config(path: &std::path::Path, chain_id: Option<u64>) -> anyhow::Result<()> {
    let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let given = verdict_derive::json::rollup_config_from_slice(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let id = chain_id.unwrap_or(given.l2_chain_id);
    if given.l2_chain_id != id {
        bail!(
            "{} is the config of chain {}, not of --l2-chain-id {id}",
            path.display(),
            given.l2_chain_id
        );
    }
    let known = verdict_chains::chain(id).with_context(|| {
        format!(
            "the program knows no chain {id} (its chains' configs are compiled in: crates/chains)"
        )
    })?;
    let compiled = verdict_derive::json::rollup_config_from_slice(known.rollup_config.as_bytes())
        .map_err(|e| anyhow::anyhow!("the compiled-in config of {}: {e}", known.name))?;
    if compiled != given {
        bail!(
            "{} differs from the config of {} compiled into the program (crates/chains); the \
             program would judge by its own",
            path.display(),
            known.name
        );
    }
    Ok(())
}

fn parse_b256(s: &str) -> Result<[u8; 32], String> {
    let bytes = hex::decode(s.strip_prefix("0x").unwrap_or(s))
        .map_err(|e| format!("{s:?} is not hex: {e}"))?;
    bytes
        .try_into()
        .map_err(|_| format!("{s:?} is not 32 bytes"))
}

pub fn run(args: HostArgs) -> anyhow::Result<()> {
    if args.command.is_none() && args.serve.server {
        // Before anything is opened: a store or fixture file must not take a channel's number.
        verdict_preimage::transport::check_channel_fds().map_err(anyhow::Error::msg)?;
    }
    match args.command {
        Some(HostCommand::Import { data_dir, files }) => {
            // Every file is read and checked before the store is touched, and all of them go in
            // one transaction: a bad file imports nothing, not even the files before it.
            let mut items = Vec::new();
            for f in &files {
                let map = import::read_preimage_map(f)?;
                eprintln!("read {} preimages from {}", map.len(), f.display());
                items.extend(map);
            }
            let store = DiskStore::open(&data_dir)?;
            store.insert_all(&items)?;
            eprintln!(
                "imported {} preimages; {} in {}",
                items.len(),
                store.len()?,
                data_dir.join(DiskStore::FILE).display()
            );
            Ok(())
        }
        None => serve_program(args.serve),
    }
}

fn serve_program(args: ServeArgs) -> anyhow::Result<()> {
    let fixture = match &args.fixture {
        Some(dir) => {
            Some(fixture::load(dir).with_context(|| format!("loading fixture {}", dir.display()))?)
        }
        None => None,
    };
    // Preimages from files and the fixture are held in memory, over the store (opened read-only:
    // serving never writes into it, and any number of hosts may share it).
    let memory = MemoryStore::default();
    for f in &args.preimage_files {
        memory.insert_all(&import::read_preimage_map(f)?)?;
    }
    if let Some(f) = &fixture {
        memory.insert_all(&f.preimages)?;
    }
    let online = args.l1_node_address.is_some()
        || args.l1_beacon_address.is_some()
        || args.l2_node_address.is_some();
    let store: Arc<dyn Store> = match &args.data_dir {
        // Online, the store is written: what is fetched is kept for later (offline) runs.
        Some(dir) if online => {
            let disk = Arc::new(DiskStore::open(dir)?);
            if memory.is_empty()? {
                disk
            } else {
                Arc::new(LayeredStore(vec![disk, Arc::new(memory)]))
            }
        }
        Some(dir) => {
            let disk = Arc::new(DiskStore::open_read_only_repairing(dir, |e| {
                eprintln!("host: {e}")
            })?);
            if memory.is_empty()? {
                disk
            } else {
                Arc::new(LayeredStore(vec![Arc::new(memory), disk]))
            }
        }
        None => Arc::new(memory),
    };
    let mut locals = LocalInputs {
        l1_head: args.l1_head,
        agreed_output_root: args.agreed_l2_output_root,
        claimed_output_root: args.claimed_l2_output_root,
        claimed_block_number: args.claimed_l2_block_number,
        chain_id: args.l2_chain_id,
        other: BTreeMap::new(),
    };
    if let Some(f) = fixture {
        let b = f.boot;
        locals.l1_head.get_or_insert(b.l1_head);
        locals
            .agreed_output_root
            .get_or_insert(b.agreed_output_root);
        locals
            .claimed_output_root
            .get_or_insert(b.claimed_output_root);
        locals
            .claimed_block_number
            .get_or_insert(b.claimed_block_number);
        locals.chain_id.get_or_insert(b.chain_id);
    }
    serve_with(args, store, locals)
}

fn serve_with(args: ServeArgs, store: Arc<dyn Store>, locals: LocalInputs) -> anyhow::Result<()> {
    if let Some(path) = &args.rollup_config_path {
        check_rollup_config(path, locals.chain_id)?;
    }
    let mut host = Host::new(store.clone(), locals.clone());
    if args.l1_node_address.is_some()
        || args.l1_beacon_address.is_some()
        || args.l2_node_address.is_some()
    {
        let cfg = OnlineConfig {
            l1: args.l1_node_address.clone(),
            beacon: args.l1_beacon_address.clone(),
            l2: args.l2_node_address.clone(),
            agreed_l2_head_hash: args.agreed_l2_head_hash.map(Into::into),
            agreed_output_root: locals.agreed_output_root.map(Into::into),
            claimed_block_number: locals.claimed_block_number,
            client: verdict_rpc::ClientConfig {
                timeout: std::time::Duration::from_secs(args.rpc_timeout_secs),
                retries: args.rpc_retries,
                backoff: std::time::Duration::from_millis(250),
            },
        };
        host = host.with_fetcher(Arc::new(
            Online::new(cfg, store).map_err(anyhow::Error::msg)?,
        ));
    }
    let host = Arc::new(host);
    if args.native {
        if !args.program.is_empty() {
            bail!("--native runs the fault proof program in process; do not also name a program");
        }
        let oracle = verdict_host::InProcess(host.clone());
        let start = std::time::Instant::now();
        let code = match verdict_claim::run(oracle.clone(), oracle) {
            Ok(r) => {
                crate::out::outln!("claim: {r} in {:.2?}", start.elapsed());
                i32::from(!r.valid())
            }
            Err(e) => {
                eprintln!("claim: {e}");
                e.exit_code()
            }
        };
        report(&host);
        // The store closed cleanly before exiting (exit runs no destructors).
        drop(host);
        std::process::exit(code);
    }
    if args.server {
        if !args.program.is_empty() {
            bail!("--server serves the program that started this host; do not also name a program");
        }
        // SAFETY: in server mode our parent (the VM) opened fds 3..6 for us and nothing else uses them.
        let (hints, preimages) = unsafe { channels_from_fds() };
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
    let hints = FileChannel::new(hint_r.into(), ack_w.into());
    let preimages = FileChannel::new(key_r.into(), val_w.into());
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
