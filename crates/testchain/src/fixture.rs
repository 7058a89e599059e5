//! Claims over worlds and their files: `claim.json` (the claim and its expected verdict) and
//! `preimages.json` (`{"0x<typed key>": "0x<value>"}`, every preimage of the world).

use crate::chains::SynthChain;
use crate::error::{Error, Result};
use crate::preimages::PreimageMap;
use crate::world::{DataMode, Options, World};
use alloy_primitives::B256;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;
use verdict_preimage::PreimageKey;

/// The kinds of claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// The block after the agreed one.
    OneBlock,
    /// 100 blocks after the agreed one.
    HundredBlocks,
    /// Across Holocene's and Isthmus's activation (`verdict-synth-fork`).
    Fork,
    /// An L1 head without the claimed block's data: judged at the safe head.
    L1Short,
    /// Batches only in blobs.
    Blobs,
    /// A claimed block number at or below the agreed one.
    AtOrBelow,
    /// Pre-Holocene rules (`verdict-synth-granite`).
    Granite,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 7] = [
        Kind::OneBlock,
        Kind::HundredBlocks,
        Kind::Fork,
        Kind::L1Short,
        Kind::Blobs,
        Kind::AtOrBelow,
        Kind::Granite,
    ];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Kind::OneBlock => "one-block",
            Kind::HundredBlocks => "hundred-blocks",
            Kind::Fork => "fork",
            Kind::L1Short => "l1-short",
            Kind::Blobs => "blobs",
            Kind::AtOrBelow => "at-or-below",
            Kind::Granite => "granite",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Result<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .ok_or_else(|| {
                let names: Vec<_> = Kind::ALL.iter().map(|k| k.name()).collect();
                Error::new(format!(
                    "unknown kind `{name}`: one of {}",
                    names.join(", ")
                ))
            })
    }

    /// The world its claims are over.
    pub fn options(self, seed: u64) -> Options {
        let (chain, l2_blocks, data) = match self {
            Kind::OneBlock => (SynthChain::Synth, 12, DataMode::Mixed),
            Kind::HundredBlocks => (SynthChain::Synth, 110, DataMode::Mixed),
            Kind::Fork => (SynthChain::Fork, 70, DataMode::Mixed),
            Kind::L1Short => (SynthChain::Synth, 40, DataMode::Mixed),
            Kind::Blobs => (SynthChain::Synth, 20, DataMode::Blobs),
            Kind::AtOrBelow => (SynthChain::Synth, 12, DataMode::Mixed),
            Kind::Granite => (SynthChain::Granite, 20, DataMode::Mixed),
        };
        Options {
            chain,
            seed,
            l2_blocks,
            data,
        }
    }
}

/// What the program must conclude about a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Expected {
    /// The claimed output root is right.
    Valid,
    /// It is wrong.
    Invalid,
}

impl Expected {
    fn name(self) -> &'static str {
        match self {
            Expected::Valid => "valid",
            Expected::Invalid => "invalid",
        }
    }
}

/// A claim over a world, and the verdict it must get.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimFixture {
    /// The L1 head the program derives up to.
    pub l1_head: B256,
    /// The agreed L2 output root.
    pub agreed_l2_output_root: B256,
    /// The agreed L2 block number.
    pub agreed_l2_block_number: u64,
    /// The claimed L2 output root.
    pub claimed_l2_output_root: B256,
    /// The claimed L2 block number.
    pub claimed_l2_block_number: u64,
    /// The L2 chain id.
    pub l2_chain_id: u64,
    /// The verdict.
    pub expected: Expected,
    /// What the claim is.
    pub description: String,
}

/// Builds `kind`'s world for `seed` and its two claims, the valid one first.
pub fn generate(kind: Kind, seed: u64) -> Result<(World, [ClaimFixture; 2])> {
    let world = World::build(&kind.options(seed))?;
    let claims = claims(kind, &world)?;
    Ok((world, claims))
}

/// `kind`'s claims over `world` (built from `kind.options(seed)`): valid, invalid.
pub fn claims(kind: Kind, world: &World) -> Result<[ClaimFixture; 2]> {
    let chain = world.options.chain;
    let seed = world.options.seed;
    let last = world.l2.head().header.number;
    let head = world.l1_head();
    let root = |n: u64| world.output_root(n);
    let (l1_head, agreed, claimed, valid, invalid, what) = match kind {
        Kind::L1Short => {
            // The first L1 head whose safe head is at least 8 blocks in, and short of the end.
            let h = world
                .l1
                .headers
                .iter()
                .map(|h| h.number)
                .find(|n| world.safe_head_at(*n) >= 8)
                .ok_or_else(|| Error::new("no L1 block makes 8 L2 blocks safe"))?;
            let safe = world.safe_head_at(h);
            let claimed = safe + 3;
            if claimed > last {
                return Err(Error::new(format!(
                    "L1 block {h} already makes block {safe} safe: no claimed block past it"
                )));
            }
            let l1_head = world
                .l1_hash(h)
                .ok_or_else(|| Error::new(format!("no L1 block {h}")))?;
            (
                l1_head,
                safe - 3,
                claimed,
                root(safe)?,
                root(claimed)?,
                format!(
                    "L1 head {h} derives up to block {safe}: the claim on block {claimed} is \
                     judged at block {safe}'s output root; the invalid claim is block \
                     {claimed}'s real output root"
                ),
            )
        }
        Kind::AtOrBelow => {
            let agreed = 8.min(last);
            let claimed = agreed - seed % 3;
            let invalid = if claimed < agreed {
                root(claimed)?
            } else {
                root(agreed - 1)?
            };
            (
                head.hash_slow(),
                agreed,
                claimed,
                root(agreed)?,
                invalid,
                format!(
                    "claimed block {claimed} at or below the agreed {agreed}: valid only with \
                     the agreed output root; the invalid claim is block {}'s",
                    if claimed < agreed {
                        claimed
                    } else {
                        agreed - 1
                    }
                ),
            )
        }
        _ => {
            let (agreed, claimed) = match kind {
                Kind::OneBlock => {
                    let a = 4 + seed % 4;
                    (a, a + 1)
                }
                Kind::HundredBlocks => (5, 105),
                Kind::Fork => (25, 65),
                Kind::Blobs => (3, 15),
                _ => (2, 14),
            };
            (
                head.hash_slow(),
                agreed,
                claimed,
                root(claimed)?,
                root(claimed - 1)?,
                format!(
                    "block {claimed} from block {agreed}; the invalid claim is block {}'s \
                     output root",
                    claimed - 1
                ),
            )
        }
    };
    let agreed_root = root(agreed)?;
    let make = |expected: Expected, claimed_root: B256| ClaimFixture {
        l1_head,
        agreed_l2_output_root: agreed_root,
        agreed_l2_block_number: agreed,
        claimed_l2_output_root: claimed_root,
        claimed_l2_block_number: claimed,
        l2_chain_id: chain.chain_id(),
        expected,
        description: format!(
            "{} ({}, seed {seed}, {}): {what}",
            kind.name(),
            chain.name(),
            expected.name()
        ),
    };
    if valid == invalid {
        return Err(Error::new(format!(
            "{}: the valid and the invalid claimed roots are the same",
            kind.name()
        )));
    }
    Ok([
        make(Expected::Valid, valid),
        make(Expected::Invalid, invalid),
    ])
}

impl ClaimFixture {
    /// `claim.json`'s text.
    pub fn to_json(&self) -> String {
        format!(
            "{{\n  \"l1_head\": \"{}\",\n  \"agreed_l2_output_root\": \"{}\",\n  \
             \"agreed_l2_block_number\": {},\n  \"claimed_l2_output_root\": \"{}\",\n  \
             \"claimed_l2_block_number\": {},\n  \"l2_chain_id\": {},\n  \"expected\": \"{}\",\n  \
             \"description\": {}\n}}\n",
            self.l1_head,
            self.agreed_l2_output_root,
            self.agreed_l2_block_number,
            self.claimed_l2_output_root,
            self.claimed_l2_block_number,
            self.l2_chain_id,
            self.expected.name(),
            Value::String(self.description.clone()),
        )
    }

    /// Parses `claim.json`'s text.
    pub fn from_json(text: &str) -> Result<ClaimFixture> {
        let v: Value =
            serde_json::from_str(text).map_err(|e| Error::new(format!("claim.json: {e}")))?;
        let field = |name: &str| {
            v.get(name)
                .ok_or_else(|| Error::new(format!("claim.json: `{name}` is missing")))
        };
        let hash = |name: &str| -> Result<B256> {
            let s = field(name)?
                .as_str()
                .ok_or_else(|| Error::new(format!("claim.json: `{name}` is not a string")))?;
            parse_hex_32(s).map_err(|e| Error::new(format!("claim.json: `{name}`: {e}")))
        };
        let number = |name: &str| -> Result<u64> {
            field(name)?.as_u64().ok_or_else(|| {
                Error::new(format!(
                    "claim.json: `{name}` is not a non-negative integer"
                ))
            })
        };
        let expected = match field("expected")?.as_str() {
            Some("valid") => Expected::Valid,
            Some("invalid") => Expected::Invalid,
            _ => {
                return Err(Error::new(
                    "claim.json: `expected` is neither \"valid\" nor \"invalid\"",
                ))
            }
        };
        Ok(ClaimFixture {
            l1_head: hash("l1_head")?,
            agreed_l2_output_root: hash("agreed_l2_output_root")?,
            agreed_l2_block_number: number("agreed_l2_block_number")?,
            claimed_l2_output_root: hash("claimed_l2_output_root")?,
            claimed_l2_block_number: number("claimed_l2_block_number")?,
            l2_chain_id: number("l2_chain_id")?,
            expected,
            description: field("description")?
                .as_str()
                .ok_or_else(|| Error::new("claim.json: `description` is not a string"))?
                .to_string(),
        })
    }

    /// Writes `dir/claim.json` and `dir/preimages.json` (creating `dir`), each atomically.
    pub fn write(&self, dir: &Path, preimages: &PreimageMap) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| Error::new(format!("{}: {e}", dir.display())))?;
        write_atomic(&dir.join("claim.json"), self.to_json().as_bytes())?;
        write_atomic(
            &dir.join("preimages.json"),
            preimages_json(preimages).as_bytes(),
        )
    }

    /// Reads a fixture directory back.
    pub fn load(dir: &Path) -> Result<(ClaimFixture, PreimageMap)> {
        let read = |name: &str| {
            let p = dir.join(name);
            std::fs::read_to_string(&p).map_err(|e| Error::new(format!("{}: {e}", p.display())))
        };
        Ok((
            ClaimFixture::from_json(&read("claim.json")?)?,
            parse_preimages_json(&read("preimages.json")?)?,
        ))
    }
}

fn parse_hex_32(s: &str) -> std::result::Result<B256, String> {
    let h = s.strip_prefix("0x").ok_or("no 0x prefix")?;
    let b = alloy_primitives::hex::decode(h).map_err(|e| e.to_string())?;
    (b.len() == 32)
        .then(|| B256::from_slice(&b))
        .ok_or_else(|| format!("{} bytes, not 32", b.len()))
}

/// `preimages.json`'s text: one `"0x<key>": "0x<value>"` a line, in key order.
pub fn preimages_json(preimages: &PreimageMap) -> String {
    let size: usize = preimages.0.values().map(|v| v.len() * 2 + 76).sum();
    let mut out = String::with_capacity(size + 4);
    out.push_str("{\n");
    for (i, (k, v)) in preimages.0.iter().enumerate() {
        if i > 0 {
            out.push_str(",\n");
        }
        let _ = write!(
            out,
            "\"0x{}\": \"0x{}\"",
            alloy_primitives::hex::encode(k.0),
            alloy_primitives::hex::encode(v)
        );
    }
    out.push_str("\n}\n");
    out
}

/// Parses `preimages.json`'s text.
pub fn parse_preimages_json(text: &str) -> Result<PreimageMap> {
    let v: Value =
        serde_json::from_str(text).map_err(|e| Error::new(format!("preimages.json: {e}")))?;
    let obj = v
        .as_object()
        .ok_or_else(|| Error::new("preimages.json: not an object"))?;
    let mut map = PreimageMap::default();
    for (k, value) in obj {
        let key =
            parse_hex_32(k).map_err(|e| Error::new(format!("preimages.json: key {k}: {e}")))?;
        let value = value
            .as_str()
            .and_then(|s| s.strip_prefix("0x"))
            .ok_or_else(|| Error::new(format!("preimages.json: {k}: not a 0x string")))?;
        let value = alloy_primitives::hex::decode(value)
            .map_err(|e| Error::new(format!("preimages.json: {k}: {e}")))?;
        map.0.insert(PreimageKey(key.0), value);
    }
    Ok(map)
}

/// Writes `path` atomically (verdict-fpvm's [`verdict_fpvm::files::replace_file`]).
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    verdict_fpvm::files::replace_file(path, data).map_err(|e| Error::new(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim() -> ClaimFixture {
        ClaimFixture {
            l1_head: B256::repeat_byte(1),
            agreed_l2_output_root: B256::repeat_byte(2),
            agreed_l2_block_number: 5,
            claimed_l2_output_root: B256::repeat_byte(3),
            claimed_l2_block_number: 6,
            l2_chain_id: 7_770_001,
            expected: Expected::Invalid,
            description: "a \"quoted\" description".into(),
        }
    }

    #[test]
    fn claims_round_trip_and_bad_ones_say_why() {
        let c = claim();
        assert_eq!(ClaimFixture::from_json(&c.to_json()).unwrap(), c);
        let bad = |from: &str, to: &str| {
            ClaimFixture::from_json(&c.to_json().replacen(from, to, 1))
                .unwrap_err()
                .0
        };
        assert!(bad("\"l1_head\"", "\"l1_hed\"").contains("`l1_head` is missing"));
        assert!(bad("0x0101", "0x01zz").contains("`l1_head`"));
        assert!(bad(": 5,", ": -5,").contains("`agreed_l2_block_number`"));
        assert!(bad("\"invalid\"", "\"maybe\"").contains("`expected`"));
        assert!(ClaimFixture::from_json("{")
            .unwrap_err()
            .0
            .contains("claim.json"));
    }

    #[test]
    fn preimage_files_round_trip_and_bad_ones_say_why() {
        let mut map = PreimageMap::default();
        map.insert_keccak(b"hello".to_vec());
        map.0.insert(PreimageKey([5; 32]), vec![]);
        assert_eq!(parse_preimages_json(&preimages_json(&map)).unwrap(), map);
        let e = parse_preimages_json("{\"0x01\": \"0x\"}").unwrap_err().0;
        assert!(e.contains("not 32"), "{e}");
        let e = parse_preimages_json(&format!("{{\"0x{}\": 7}}", "00".repeat(32)))
            .unwrap_err()
            .0;
        assert!(e.contains("not a 0x string"), "{e}");
        assert!(parse_preimages_json("[]")
            .unwrap_err()
            .0
            .contains("not an object"));
    }

    #[test]
    fn kinds_parse_by_name() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.name()).unwrap(), k);
        }
        assert!(Kind::parse("two-blocks")
            .unwrap_err()
            .0
            .contains("one-block"));
    }
}
