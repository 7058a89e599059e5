//! A local chain for the tests: anvil (mining on request, 12 s between blocks), the contracts
//! deployed, the stand-in L2 genesis at the deployment block's time and its rollup config, and
//! the stand-in sequencer.

#![allow(dead_code)]

use std::sync::Arc;
use verdict_l1::anvil::{Anvil, AnvilOptions};
use verdict_l1::chain::{DeployParams, Deployment, Keys, L1};
use verdict_l1::rollup::{rollup_json, ChainParams, L2Genesis};
use verdict_l1::rpc::{runtime, RpcL1};
use verdict_l1::testing::{genesis, Sequencer, CHAIN};

pub struct Local {
    pub anvil: Anvil,
    pub rt: Arc<tokio::runtime::Runtime>,
    pub l1: L1,
    pub keys: Keys,
    pub deployment: Deployment,
    pub rollup_json: String,
    pub sequencer: Sequencer,
    /// The time of the last L1 block mined.
    pub l1_time: u64,
}

impl Local {
    pub fn start(seed: u64) -> Local {
        let anvil = Anvil::start(&AnvilOptions::default()).expect("anvil starts");
        let rt = runtime().unwrap();
        let l1 = L1::new(&anvil.url(), true).unwrap();
        let keys = Keys::devnet();
        let params = DeployParams {
            l2_chain_id: CHAIN.chain_id(),
            ..Default::default()
        };
        let deployment = rt.block_on(l1.deploy(&keys, &params)).unwrap();
        let t = deployment.genesis_l1.timestamp;
        let (_, hash, _) = genesis(t);
        let g = L2Genesis {
            hash,
            number: 0,
            timestamp: t,
        };
        let rollup_json =
            rollup_json(&ChainParams::new(CHAIN.chain_id()), &deployment, &g).unwrap();
        let sequencer = Sequencer::new(&rollup_json, seed).unwrap();
        Local {
            anvil,
            rt,
            l1,
            keys,
            l1_time: t,
            deployment,
            rollup_json,
            sequencer,
        }
    }

    /// An RPC L1 provider up to the node's head.
    pub fn rpc(&self) -> RpcL1 {
        RpcL1::new(self.l1.client.clone(), self.rt.clone(), None)
    }

    /// Mines the next L1 block, 12 s after the last.
    pub fn mine(&mut self) {
        self.l1_time += 12;
        self.rt.block_on(self.l1.mine(Some(self.l1_time))).unwrap();
    }

    /// Sequences L2 blocks up to (not past) the last L1 block's time plus 10 s.
    pub fn sequence(&mut self, with_txs: bool) -> Vec<verdict_l1::l2::L2Block> {
        let mut rpc = self.rpc();
        let mut out = Vec::new();
        while self.sequencer.chain.head().header.timestamp + 2 <= self.l1_time + 10 {
            out.push(self.sequencer.next_block(&mut rpc, with_txs).unwrap());
        }
        out
    }
}
