//! The committed compiler output (`contracts/out/<Name>.json`), compiled into this crate.

use serde_json::Value;

/// A contract whose artifact this crate carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Contract {
    /// The RISC-V step verifier (`RISCV.sol`).
    Riscv,
    /// The preimage oracle (`PreimageOracle.sol`).
    PreimageOracle,
    /// The fault dispute game's implementation (`FaultDisputeGame.sol`).
    FaultDisputeGame,
    /// The dispute game factory (`DisputeGameFactory.sol`).
    DisputeGameFactory,
    /// The anchor state registry (`AnchorStateRegistry.sol`).
    AnchorStateRegistry,
    /// The bond escrow with delayed withdrawals (`DelayedWETH.sol`).
    DelayedWeth,
    /// A test VM replaying registered post-states (`ScriptedVM.sol`).
    ScriptedVm,
}

impl Contract {
    /// The contract's name in `contracts/out`.
    pub fn name(self) -> &'static str {
        match self {
            Contract::Riscv => "RISCV",
            Contract::PreimageOracle => "PreimageOracle",
            Contract::FaultDisputeGame => "FaultDisputeGame",
            Contract::DisputeGameFactory => "DisputeGameFactory",
            Contract::AnchorStateRegistry => "AnchorStateRegistry",
            Contract::DelayedWeth => "DelayedWETH",
            Contract::ScriptedVm => "ScriptedVM",
        }
    }

    fn json(self) -> &'static str {
        match self {
            Contract::Riscv => include_str!("../../../contracts/out/RISCV.json"),
            Contract::PreimageOracle => include_str!("../../../contracts/out/PreimageOracle.json"),
            Contract::FaultDisputeGame => {
                include_str!("../../../contracts/out/FaultDisputeGame.json")
            }
            Contract::DisputeGameFactory => {
                include_str!("../../../contracts/out/DisputeGameFactory.json")
            }
            Contract::AnchorStateRegistry => {
                include_str!("../../../contracts/out/AnchorStateRegistry.json")
            }
            Contract::DelayedWeth => include_str!("../../../contracts/out/DelayedWETH.json"),
            Contract::ScriptedVm => include_str!("../../../contracts/out/ScriptedVM.json"),
        }
    }

    /// The contract's parsed artifact.
    pub fn artifact(self) -> Result<Artifact, ArtifactError> {
        Artifact::parse(self.name(), self.json())
    }
}

/// Why an artifact cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// The artifact is not JSON.
    #[error("artifact {name}: not JSON: {source}")]
    Json {
        /// The contract.
        name: String,
        /// The parser's error.
        source: serde_json::Error,
    },
    /// A field is missing or not a hex string.
    #[error("artifact {name}: field {field} is missing or not 0x-prefixed hex")]
    Field {
        /// The contract.
        name: String,
        /// The field.
        field: &'static str,
    },
}

/// A compiled contract: creation and runtime bytecode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    /// The contract's name.
    pub name: String,
    /// The creation bytecode (constructor arguments are appended to it).
    pub bytecode: Vec<u8>,
    /// The runtime bytecode.
    pub deployed_bytecode: Vec<u8>,
}

impl Artifact {
    /// Parses an artifact as `contracts/build.cjs` writes it.
    pub fn parse(name: &str, json: &str) -> Result<Self, ArtifactError> {
        let v: Value = serde_json::from_str(json).map_err(|source| ArtifactError::Json {
            name: name.into(),
            source,
        })?;
        let hex_field = |field: &'static str| {
            v.get(field)
                .and_then(Value::as_str)
                .and_then(|s| s.strip_prefix("0x"))
                .and_then(|s| hex::decode(s).ok())
                .ok_or(ArtifactError::Field {
                    name: name.into(),
                    field,
                })
        };
        Ok(Artifact {
            name: name.into(),
            bytecode: hex_field("bytecode")?,
            deployed_bytecode: hex_field("deployedBytecode")?,
        })
    }
}
