//! Where a player's claims come from on a live chain: output roots from the rollup node
//! (`optimism_outputAtBlock`), and execution traces of the fault proof program in our RISC-V VM,
//! in process, reading its preimages from the online host (fetched over RPC from the L1 and L2
//! nodes, checked, and kept in a store on disk that later runs and restarts reuse).

use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;
use verdict_challenger::providers::riscv::RiscvFactory;
use verdict_challenger::providers::vm::VmTraceFactory;
use verdict_challenger::providers::{OutputSource, TraceError};
use verdict_game::{Claim, LocalContext};
use verdict_host::{Host, InProcess, LocalInputs, Online, OnlineConfig, Store};
use verdict_rpc::{Client, ClientConfig};

/// Output roots from a rollup node (`optimism_outputAtBlock`), cached.
pub struct RollupOutputs {
    client: Client,
    cache: BTreeMap<u64, Claim>,
}

impl RollupOutputs {
    /// Output roots from the rollup node at `url`.
    pub fn new(url: &str, config: ClientConfig) -> Result<Self, String> {
        Ok(RollupOutputs {
            client: Client::new(url, config)?,
            cache: BTreeMap::new(),
        })
    }

    /// The node's safe L2 head (`optimism_syncStatus`'s `safe_l2.number`).
    pub fn safe_head(&self) -> Result<u64, String> {
        let v = self
            .client
            .call_value("optimism_syncStatus", &serde_json::json!([]))
            .map_err(|e| e.to_string())?;
        let n = &v["safe_l2"]["number"];
        n.as_u64()
            .or_else(|| {
                n.as_str()
                    .and_then(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok())
            })
            .ok_or_else(|| format!("optimism_syncStatus: no safe_l2.number in {v}"))
    }
}

impl OutputSource for RollupOutputs {
    fn output_at(&mut self, block: u64) -> Result<Claim, TraceError> {
        if let Some(c) = self.cache.get(&block) {
            return Ok(*c);
        }
        let v = self
            .client
            .call_value(
                "optimism_outputAtBlock",
                &serde_json::json!([format!("{block:#x}")]),
            )
            .map_err(|e| TraceError(e.to_string()))?;
        let root: alloy_primitives::B256 = v["outputRoot"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| {
                TraceError(format!(
                    "optimism_outputAtBlock({block}): no outputRoot in {v}"
                ))
            })?;
        let c = Claim(root.0);
        self.cache.insert(block, c);
        Ok(c)
    }
}

/// The nodes the online host fetches from.
#[derive(Clone, Debug)]
pub struct HostNodes {
    /// The L1 execution node.
    pub l1: String,
    /// The L1 beacon node (anvil serves the beacon API on its RPC port).
    pub beacon: String,
    /// The L2 node.
    pub l2: String,
    /// Timeouts and retries.
    pub client: ClientConfig,
}

/// The program's local inputs in the subgame of `ctx`.
pub fn local_inputs(ctx: &LocalContext) -> LocalInputs {
    LocalInputs {
        l1_head: Some(ctx.l1_head.0),
        agreed_output_root: Some(ctx.starting.0),
        claimed_output_root: Some(ctx.disputed.0),
        claimed_block_number: Some(ctx.disputed_l2_block_number),
        chain_id: Some(ctx.chain_id),
        other: Default::default(),
    }
}

/// The preimage oracle of the VM in the subgame of `ctx`: the online host over `store`.
pub fn subgame_oracle(
    store: Arc<dyn Store>,
    nodes: &HostNodes,
    ctx: &LocalContext,
) -> Result<InProcess, String> {
    let online = Online::new(
        OnlineConfig {
            l1: Some(nodes.l1.clone()),
            beacon: Some(nodes.beacon.clone()),
            l2: Some(nodes.l2.clone()),
            agreed_l2_head_hash: None,
            agreed_output_root: Some(alloy_primitives::B256::from(ctx.starting.0)),
            claimed_block_number: Some(ctx.disputed_l2_block_number),
            client: nodes.client,
        },
        store.clone(),
    )?;
    Ok(InProcess(Arc::new(
        Host::new(store, local_inputs(ctx)).with_fetcher(Arc::new(online)),
    )))
}

/// The VM's oracle: the subgame's online host, or (when it cannot be made: a bad URL) the store
/// and local inputs alone, whose missing preimages then fail the run with a named key.
fn oracle_or_store(store: Arc<dyn Store>, nodes: &HostNodes, ctx: &LocalContext) -> InProcess {
    match subgame_oracle(store.clone(), nodes, ctx) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("online host: {e}; serving the store alone");
            InProcess(Arc::new(Host::new(store, local_inputs(ctx))))
        }
    }
}

/// Execution traces of the program whose initial state is `initial`, run by our RISC-V VM in
/// process over the online host, with a snapshot every `snapshot_every` steps.
pub fn exec_traces(
    initial: verdict_riscv::State,
    store: Arc<dyn Store>,
    nodes: HostNodes,
    snapshot_every: u64,
) -> VmTraceFactory<RiscvFactory<InProcess>> {
    VmTraceFactory {
        factory: Rc::new(RiscvFactory::new(move |ctx: &LocalContext| {
            oracle_or_store(store.clone(), &nodes, ctx)
        })),
        initial,
        snapshot_every,
    }
}

/// The program's initial state from `path`: an ELF (loaded as `verdict vm load-elf` does) or a
/// state file (`.json`, `.json.gz`, `.bin`, `.bin.gz`).
pub fn load_prestate(path: &std::path::Path) -> Result<verdict_riscv::State, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.starts_with(b"\x7fELF") {
        verdict_riscv::load_elf(&bytes).map_err(|e| format!("{}: {e}", path.display()))
    } else {
        verdict_riscv::state_file::read_state(path).map_err(|e| format!("{}: {e}", path.display()))
    }
}
