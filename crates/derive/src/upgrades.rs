//! Network upgrade transactions: the deposits derivation inserts into a fork's activation block
//! (the `derivation.md` of Ecotone, Fjord, Isthmus and Jovian). Contract bytecode is data: this
//! module holds its keccak256 hash and reads it through [`BytecodeSource`].

use crate::config::{Fork, RollupConfig};
use crate::deposits::{encode_deposit, upgrade_source_hash};
use crate::error::DeriveError;
use crate::l1_info::L1_INFO_DEPOSITOR;
use crate::provider::BytecodeSource;
use alloc::format;
use alloc::vec::Vec;
use alloy_primitives::{address, b256, keccak256, Address, Bytes, TxKind, B256, U256};
use op_alloy_consensus::TxDeposit;

/// The L1Block proxy.
const L1_BLOCK_PROXY: Address = address!("4200000000000000000000000000000000000015");
/// The GasPriceOracle proxy.
const GAS_PRICE_ORACLE_PROXY: Address = address!("420000000000000000000000000000000000000f");
/// The OperatorFeeVault proxy.
const OPERATOR_FEE_VAULT_PROXY: Address = address!("420000000000000000000000000000000000001b");

/// What an upgrade transaction carries as data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpgradeData {
    /// Contract creation code, by its keccak256 hash.
    Code(B256),
    /// `upgradeTo(address)` on a proxy.
    UpgradeTo(Address),
    /// A 4-byte call with no arguments.
    Selector([u8; 4]),
}

/// One upgrade transaction as the spec lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpgradeTx {
    /// The intent its source hash is computed from.
    pub intent: &'static str,
    /// Its sender.
    pub from: Address,
    /// Its recipient (`None`: a contract creation).
    pub to: Option<Address>,
    /// Its gas limit.
    pub gas_limit: u64,
    /// Its data.
    pub data: UpgradeData,
}

const fn deploy(intent: &'static str, from: Address, gas_limit: u64, code: B256) -> UpgradeTx {
    UpgradeTx {
        intent,
        from,
        to: None,
        gas_limit,
        data: UpgradeData::Code(code),
    }
}

const fn proxy(intent: &'static str, proxy: Address, implementation: Address) -> UpgradeTx {
    UpgradeTx {
        intent,
        from: Address::ZERO,
        to: Some(proxy),
        gas_limit: 50_000,
        data: UpgradeData::UpgradeTo(implementation),
    }
}

const fn enable(intent: &'static str, gas_limit: u64, selector: [u8; 4]) -> UpgradeTx {
    UpgradeTx {
        intent,
        from: L1_INFO_DEPOSITOR,
        to: Some(GAS_PRICE_ORACLE_PROXY),
        gas_limit,
        data: UpgradeData::Selector(selector),
    }
}

/// Ecotone's six upgrade transactions.
pub const ECOTONE: [UpgradeTx; 6] = [
    deploy(
        "Ecotone: L1 Block Deployment",
        address!("4210000000000000000000000000000000000000"),
        375_000,
        b256!("da6828a2a6e02d9fde7d5d9947f51b207f31abf5dbb538dd968cd491164e2115"),
    ),
    deploy(
        "Ecotone: Gas Price Oracle Deployment",
        address!("4210000000000000000000000000000000000001"),
        1_000_000,
        b256!("fd456e91d8c9714590a4f0a2c1046ba70e102f1c629ead886c4eebc3f921c3c3"),
    ),
    proxy(
        "Ecotone: L1 Block Proxy Update",
        L1_BLOCK_PROXY,
        address!("07dbe8500fc591d1852b76fee44d5a05e13097ff"),
    ),
    proxy(
        "Ecotone: Gas Price Oracle Proxy Update",
        GAS_PRICE_ORACLE_PROXY,
        address!("b528d11cc114e026f138fe568744c6d45ce6da7a"),
    ),
    enable(
        "Ecotone: Gas Price Oracle Set Ecotone",
        80_000,
        [0x22, 0xb9, 0x0a, 0xb3],
    ),
    deploy(
        "Ecotone: beacon block roots contract deployment",
        address!("0b799c86a49deeb90402691f1041aa3af2d3c875"),
        0x3d090,
        b256!("468e991a328ab315e08296896adc222230a4960692e90cb6e096006ba6ae75d5"),
    ),
];

/// Fjord's three upgrade transactions.
pub const FJORD: [UpgradeTx; 3] = [
    deploy(
        "Fjord: Gas Price Oracle Deployment",
        address!("4210000000000000000000000000000000000002"),
        1_450_000,
        b256!("b16f1e370e58c7693fd113a21a1b1e7ccebc03d4f1e5a76786fc27847ef51ead"),
    ),
    proxy(
        "Fjord: Gas Price Oracle Proxy Update",
        GAS_PRICE_ORACLE_PROXY,
        address!("a919894851548179a0750865e7974da599c0fac7"),
    ),
    enable(
        "Fjord: Gas Price Oracle Set Fjord",
        90_000,
        [0x8e, 0x98, 0xb1, 0x06],
    ),
];

/// Isthmus's eight upgrade transactions.
pub const ISTHMUS: [UpgradeTx; 8] = [
    deploy(
        "Isthmus: L1 Block Deployment",
        address!("4210000000000000000000000000000000000003"),
        425_000,
        b256!("a1f984b8ea199574261c19122b5a9c8c7dbd3633980b1e7aaf6b7af24af60478"),
    ),
    deploy(
        "Isthmus: Gas Price Oracle Deployment",
        address!("4210000000000000000000000000000000000004"),
        1_625_000,
        b256!("38ef70b2783dd45ad807afcf57972c7df4abaaeb5d16d17cdb451b9e931a9cbb"),
    ),
    deploy(
        "Isthmus: Operator Fee Vault Deployment",
        address!("4210000000000000000000000000000000000005"),
        500_000,
        b256!("3d8c0d7736e8767f2f797da1c20c5fe30bd7f48a4cf75f376290481ad7c0f91f"),
    ),
    proxy(
        "Isthmus: L1 Block Proxy Update",
        L1_BLOCK_PROXY,
        address!("ff256497d61dcd71a9e9ff43967c13fde1f72d12"),
    ),
    proxy(
        "Isthmus: Gas Price Oracle Proxy Update",
        GAS_PRICE_ORACLE_PROXY,
        address!("93e57a196454cb919193fa9946f14943cf733845"),
    ),
    proxy(
        "Isthmus: Operator Fee Vault Proxy Update",
        OPERATOR_FEE_VAULT_PROXY,
        address!("4fa2be8cd41504037f1838bce3bcc93bc68ff537"),
    ),
    enable(
        "Isthmus: Gas Price Oracle Set Isthmus",
        90_000,
        [0x29, 0x1b, 0x03, 0x83],
    ),
    deploy(
        "Isthmus: EIP-2935 Contract Deployment",
        address!("3462413af4609098e1e27a490f554f260213d685"),
        250_000,
        b256!("d9a100b412a9e846fc9893402b583bb45f5d812b7a5c4fef9b49bc602b15520b"),
    ),
];

/// Jovian's five upgrade transactions.
pub const JOVIAN: [UpgradeTx; 5] = [
    deploy(
        "Jovian: L1Block Deployment",
        address!("4210000000000000000000000000000000000006"),
        447_315,
        b256!("1f054ff228ecad7f51772dd25084469192f7a33c522b87cd46ec5558d3c46aec"),
    ),
    proxy(
        "Jovian: L1Block Proxy Update",
        L1_BLOCK_PROXY,
        address!("3ba4007f5c922fbb33c454b41ea7a1f11e83df2c"),
    ),
    deploy(
        "Jovian: GasPriceOracle Deployment",
        address!("4210000000000000000000000000000000000007"),
        1_750_714,
        b256!("f72c23d9c3775afd7b645fde429d09800622d329116feb5ff9829634655123ca"),
    ),
    proxy(
        "Jovian: GasPriceOracle Proxy Update",
        GAS_PRICE_ORACLE_PROXY,
        address!("4f1db3c6abd250ba86e0928471a8f7db3afd88f1"),
    ),
    enable(
        "Jovian: Gas Price Oracle Set Jovian",
        90_000,
        [0xb3, 0xd7, 0x20, 0x79],
    ),
];

/// The upgrade transactions of `fork` (empty for forks without any).
pub fn upgrade_txs_of(fork: Fork) -> &'static [UpgradeTx] {
    match fork {
        Fork::Ecotone => &ECOTONE,
        Fork::Fjord => &FJORD,
        Fork::Isthmus => &ISTHMUS,
        Fork::Jovian => &JOVIAN,
        _ => &[],
    }
}

impl UpgradeTx {
    /// The transaction, EIP-2718 encoded; creation code is read from `code` and checked against
    /// its hash.
    pub fn encode(&self, code: &mut dyn BytecodeSource) -> Result<Bytes, DeriveError> {
        let input: Bytes = match self.data {
            UpgradeData::Code(hash) => {
                let bytes = code.bytecode(hash)?;
                if keccak256(&bytes) != hash {
                    return Err(DeriveError::Provider(format!(
                        "bytecode served for {hash} does not hash to it"
                    )));
                }
                bytes
            }
            UpgradeData::UpgradeTo(implementation) => {
                let mut d = Vec::with_capacity(36);
                d.extend_from_slice(&[0x36, 0x59, 0xcf, 0xe6]);
                d.extend_from_slice(B256::left_padding_from(implementation.as_slice()).as_slice());
                d.into()
            }
            UpgradeData::Selector(s) => Bytes::copy_from_slice(&s),
        };
        let tx = TxDeposit {
            source_hash: upgrade_source_hash(self.intent),
            from: self.from,
            to: self.to.map_or(TxKind::Create, TxKind::Call),
            mint: 0,
            value: U256::ZERO,
            gas_limit: self.gas_limit,
            is_system_transaction: false,
            input,
        };
        Ok(encode_deposit(&tx))
    }
}

/// The upgrade transactions of the L2 block at `timestamp` whose parent is at
/// `parent_timestamp`: those of every fork that activates between them, in fork order.
pub fn upgrade_transactions(
    cfg: &RollupConfig,
    parent_timestamp: u64,
    timestamp: u64,
    code: &mut dyn BytecodeSource,
) -> Result<Vec<Bytes>, DeriveError> {
    let mut out = Vec::new();
    for fork in [Fork::Ecotone, Fork::Fjord, Fork::Isthmus, Fork::Jovian] {
        if cfg.is_active(fork, timestamp) && !cfg.is_active(fork, parent_timestamp) {
            for tx in upgrade_txs_of(fork) {
                out.push(tx.encode(code)?);
            }
        }
    }
    Ok(out)
}
