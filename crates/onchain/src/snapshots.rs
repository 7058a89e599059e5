//! VM snapshots on disk, so that a restarted challenger does not run a subgame's program from its
//! start again. Each execution trace keeps its snapshots in `<dir>/<inputs>/`, `<inputs>` the
//! keccak256 of the program's local inputs (L1 head, agreed and disputed output roots, block
//! number, chain id: what the run depends on), one file `<steps>-<state hash>.bin.gz` per
//! snapshot, written atomically after each query. A file is used only if its state has that step
//! count and hashes to that hash; anything else is ignored with a logged reason.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::rc::Rc;
use verdict_challenger::providers::riscv::RiscvFactory;
use verdict_challenger::providers::vm::{VmFactory, VmTrace, VmTraceFactory};
use verdict_challenger::providers::{ExecTraceFactory, StepData, TraceError, TraceProvider};
use verdict_fpvm::FaultVm;
use verdict_game::{keccak256, Claim, LocalContext};
use verdict_host::InProcess;

type Factory = RiscvFactory<InProcess>;

/// Execution traces whose snapshots are kept in a directory.
#[derive(Clone)]
pub struct DiskSnapshots {
    /// The traces.
    pub traces: VmTraceFactory<Factory>,
    /// The directory.
    pub dir: PathBuf,
    /// Snapshots read back from disk so far.
    pub loaded: Rc<Cell<u64>>,
}

impl DiskSnapshots {
    /// Traces of `traces` with their snapshots in `dir`.
    pub fn new(traces: VmTraceFactory<Factory>, dir: PathBuf) -> Self {
        DiskSnapshots {
            traces,
            dir,
            loaded: Rc::new(Cell::new(0)),
        }
    }

    fn trace_dir(&self, ctx: &LocalContext) -> PathBuf {
        let id = keccak256(&[
            &ctx.l1_head.0,
            &ctx.starting.0,
            &ctx.disputed.0,
            &ctx.disputed_l2_block_number.to_be_bytes(),
            &ctx.chain_id.to_be_bytes(),
        ]);
        self.dir.join(hex::encode(id))
    }
}

fn parse_name(name: &str) -> Option<(u64, [u8; 32])> {
    let stem = name.strip_suffix(".bin.gz")?;
    let (steps, hash) = stem.split_once('-')?;
    let hash: [u8; 32] = hex::decode(hash).ok()?.try_into().ok()?;
    Some((steps.parse().ok()?, hash))
}

impl ExecTraceFactory for DiskSnapshots {
    fn trace_for(
        &mut self,
        ctx: &LocalContext,
        depth: u64,
    ) -> Result<Box<dyn TraceProvider>, TraceError> {
        let mut trace = self.traces.trace(ctx, depth);
        let dir = self.trace_dir(ctx);
        let mut saved = BTreeSet::new();
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') {
                    continue;
                }
                let Some((steps, hash)) = parse_name(&name) else {
                    eprintln!(
                        "snapshots: {}: not a snapshot's name, ignored",
                        path.display()
                    );
                    continue;
                };
                let state = match verdict_riscv::state_file::read_state(&path) {
                    Ok(s) => s,
                    Err(e) => {
                        eprintln!("snapshots: {e}: ignored");
                        continue;
                    }
                };
                let mut vm = self.traces.factory.vm(state.clone(), ctx);
                if vm.step_count() != trace.first_step() + steps || vm.state_hash() != hash {
                    eprintln!(
                        "snapshots: {}: not the state its name says, ignored",
                        path.display()
                    );
                    continue;
                }
                trace.add_snapshot(steps, state);
                saved.insert(steps);
                self.loaded.set(self.loaded.get() + 1);
            }
        }
        Ok(Box::new(SnapshotTrace {
            trace,
            factory: self.traces.factory.clone(),
            ctx: *ctx,
            dir,
            saved,
        }))
    }
}

/// One execution trace writing its new snapshots to disk after each query.
struct SnapshotTrace {
    trace: VmTrace<Factory>,
    factory: Rc<Factory>,
    ctx: LocalContext,
    dir: PathBuf,
    saved: BTreeSet<u64>,
}

impl SnapshotTrace {
    fn persist(&mut self) {
        let new: Vec<u64> = self
            .trace
            .snapshots()
            .keys()
            .copied()
            .filter(|s| *s > 0 && !self.saved.contains(s))
            .collect();
        if new.is_empty() {
            return;
        }
        if let Err(e) = std::fs::create_dir_all(&self.dir) {
            eprintln!("snapshots: {}: {e}", self.dir.display());
            return;
        }
        for steps in new {
            let state = self.trace.snapshots()[&steps].clone();
            let mut vm = self.factory.vm(state, &self.ctx);
            let hash = vm.state_hash();
            let path = self
                .dir
                .join(format!("{steps}-{}.bin.gz", hex::encode(hash)));
            match vm.write_state(&path) {
                Ok(()) => {
                    self.saved.insert(steps);
                }
                Err(e) => eprintln!("snapshots: {e}"),
            }
        }
    }
}

impl TraceProvider for SnapshotTrace {
    fn depth(&self) -> u64 {
        self.trace.depth()
    }

    fn get(&mut self, i: u128) -> Result<Claim, TraceError> {
        let r = self.trace.get(i);
        self.persist();
        r
    }

    fn step_data(&mut self, i: u128) -> Result<StepData, TraceError> {
        let r = self.trace.step_data(i);
        self.persist();
        r
    }
}
