//! Running both pipelines over one generated chain and comparing their attributes.

use crate::convert;
use crate::providers::{Engine, L1, L2};
use kona_derive::{
    ActivationSignal, EthereumDataSource, OriginProvider, Pipeline, PipelineBuilder, PipelineError,
    PipelineErrorKind, ResetError, ResetSignal, SignalReceiver, StatefulAttributesBuilder,
    StepResult,
};
use std::sync::{Arc, Mutex};
use verdict_derive::attributes::PayloadAttributes;
use verdict_derive::generator::{derive_all, CodeStore, Scenario};

/// What kona derived from a chain.
#[derive(Clone, Debug, Default)]
pub struct KonaRun {
    /// The attributes of every block it derived, in order.
    pub attributes: Vec<PayloadAttributes>,
    /// Why it stopped before the L1 head, if it did.
    pub halted: Option<String>,
}

/// Temporary errors in a row after which kona is taken to be stuck.
const MAX_STALLED_STEPS: usize = 100_000;

/// Derives `s` with kona-derive's pipeline (driven the way its driver drives it: reset to the
/// genesis, step, execute each attributes on the shared fake engine, an activation signal at
/// Holocene), until the L1 head.
pub fn run_kona(s: &Scenario) -> KonaRun {
    let rt = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(rt) => rt,
        Err(e) => {
            return KonaRun {
                halted: Some(format!("no runtime: {e}")),
                ..Default::default()
            }
        }
    };
    rt.block_on(drive(s))
}

async fn drive(s: &Scenario) -> KonaRun {
    let mut run = KonaRun::default();
    let cfg = Arc::new(convert::rollup_config(&s.cfg));
    let l1 = L1(Arc::new(s.l1.clone()));
    let mut engine = Engine::new(&s.cfg);
    // A recorded chain's real block hashes (none for generated ones).
    engine.chain.hashes = s.l2.hashes.clone();
    let engine = Arc::new(Mutex::new(engine));
    let l2 = L2(engine.clone());
    let dap = EthereumDataSource::new_from_parts(l1.clone(), l1.clone(), &cfg);
    let builder = StatefulAttributesBuilder::new(cfg.clone(), l2.clone(), l1.clone());
    let Some(first) = s.l1.headers.first() else {
        run.halted = Some("empty L1 chain".into());
        return run;
    };
    let origin = convert::block_info(first);
    let mut pipeline = PipelineBuilder::new()
        .rollup_config(cfg.clone())
        .origin(origin)
        .dap_source(dap)
        .builder(builder)
        .l2_chain_provider(l2.clone())
        .chain_provider(l1.clone())
        .build_polled();
    let head = |engine: &Arc<Mutex<Engine>>| {
        engine
            .lock()
            .map(|e| convert::l2_block_info(&e.chain.head()))
            .map_err(|_| "engine lock poisoned".to_string())
    };
    let genesis = match head(&engine) {
        Ok(h) => h,
        Err(e) => {
            run.halted = Some(e);
            return run;
        }
    };
    let reset = ResetSignal {
        l2_safe_head: genesis,
        l1_origin: origin,
        system_config: None,
    };
    if let Err(e) = pipeline.signal(reset.signal()).await {
        run.halted = Some(format!("reset: {e:?}"));
        return run;
    }
    let mut stalled = 0;
    loop {
        let cursor = match head(&engine) {
            Ok(h) => h,
            Err(e) => {
                run.halted = Some(e);
                return run;
            }
        };
        let error = match pipeline.step(cursor).await {
            StepResult::PreparedAttributes => {
                stalled = 0;
                let Some(a) = pipeline.next() else { continue };
                if !convert::raw_fields_present(&a.inner) {
                    run.halted = Some(format!("attributes without a field: {:?}", a.inner));
                    return run;
                }
                let attrs = convert::attributes(&a.inner);
                let executed = engine.lock().map(|mut e| e.execute(&attrs));
                match executed {
                    Ok(Ok(_)) => run.attributes.push(attrs),
                    Ok(Err(e)) => {
                        run.halted = Some(format!("engine: {e}"));
                        return run;
                    }
                    Err(_) => {
                        run.halted = Some("engine lock poisoned".into());
                        return run;
                    }
                }
                continue;
            }
            StepResult::AdvancedOrigin => {
                stalled = 0;
                continue;
            }
            StepResult::OriginAdvanceErr(e) | StepResult::StepFailed(e) => e,
        };
        match error {
            PipelineErrorKind::Temporary(e) => {
                stalled += 1;
                if stalled > MAX_STALLED_STEPS {
                    run.halted = Some(format!("stuck on {e:?}"));
                    return run;
                }
            }
            PipelineErrorKind::Reset(ResetError::HoloceneActivation) => {
                let Some(l1_origin) = pipeline.origin() else {
                    run.halted = Some("no origin at Holocene's activation".into());
                    return run;
                };
                let signal = ActivationSignal {
                    l2_safe_head: cursor,
                    l1_origin,
                    system_config: None,
                };
                if let Err(e) = pipeline.signal(signal.signal()).await {
                    run.halted = Some(format!("activation: {e:?}"));
                    return run;
                }
            }
            PipelineErrorKind::Critical(PipelineError::EndOfSource) => return run,
            other => {
                run.halted = Some(format!("{other:?}"));
                return run;
            }
        }
    }
}

/// How the two pipelines compared on one chain.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// The chain's seed.
    pub seed: u64,
    /// Blocks verdict-derive derived.
    pub verdict_blocks: usize,
    /// Blocks kona derived.
    pub kona_blocks: usize,
    /// The first difference, if any: the block number and what differs.
    pub difference: Option<String>,
}

/// The first field that differs between two attributes, named `left` and `right` in the answer.
pub fn first_difference(
    a: &PayloadAttributes,
    b: &PayloadAttributes,
    (left, right): (&str, &str),
) -> Option<String> {
    macro_rules! field {
        ($f:ident) => {
            if a.$f != b.$f {
                return Some(format!(
                    "{}: {left} {:?} {right} {:?}",
                    stringify!($f),
                    a.$f,
                    b.$f
                ));
            }
        };
    }
    field!(timestamp);
    field!(prev_randao);
    field!(suggested_fee_recipient);
    field!(withdrawals);
    field!(parent_beacon_block_root);
    field!(no_tx_pool);
    field!(gas_limit);
    field!(eip1559_params);
    field!(min_base_fee);
    if a.transactions.len() != b.transactions.len() {
        return Some(format!(
            "transaction count: {left} {} {right} {}",
            a.transactions.len(),
            b.transactions.len()
        ));
    }
    for (i, (x, y)) in a.transactions.iter().zip(&b.transactions).enumerate() {
        if x != y {
            return Some(format!("transaction {i}: {left} {x} {right} {y}"));
        }
    }
    None
}

/// Derives the chain with both pipelines and compares every attribute of every block, after
/// checking verdict's chain against the generator's expected one.
pub fn compare(seed: u64, s: &Scenario, code: &CodeStore) -> Comparison {
    let verdict = derive_all(s, code);
    let kona = run_kona(s);
    let mut c = Comparison {
        seed,
        verdict_blocks: verdict.as_ref().map_or(0, |v| v.len()),
        kona_blocks: kona.attributes.len(),
        difference: None,
    };
    let verdict = match verdict {
        Ok(v) => v,
        Err(e) => {
            c.difference = Some(format!("verdict-derive stopped: {e}"));
            return c;
        }
    };
    // The generator's own expectation first: two pipelines agreeing on a chain the sequencer
    // did not build would hide a generator bug.
    if verdict.len() < s.expected.len() {
        c.difference = Some(format!(
            "verdict derived {} of the {} expected blocks",
            verdict.len(),
            s.expected.len()
        ));
        return c;
    }
    for (i, (v, e)) in verdict.iter().zip(&s.expected).enumerate() {
        if let Some(d) = first_difference(v, e, ("verdict", "expected")) {
            c.difference = Some(format!("block {}: not the expected block: {d}", i + 1));
            return c;
        }
    }
    for (i, (v, k)) in verdict.iter().zip(&kona.attributes).enumerate() {
        if let Some(d) = first_difference(v, k, ("verdict", "kona")) {
            c.difference = Some(format!("block {}: {d}", i + 1));
            return c;
        }
    }
    if let Some(why) = kona.halted {
        c.difference = Some(format!(
            "kona stopped after {} blocks: {why}",
            kona.attributes.len()
        ));
    } else if verdict.len() != kona.attributes.len() {
        c.difference = Some(format!(
            "block counts: verdict {} kona {}",
            verdict.len(),
            kona.attributes.len()
        ));
    }
    c
}
