//! The compiled-in OP Sepolia config agrees with the rollup config of the real OP Sepolia fixture
//! blocks (`../shared/fixtures`, or `VERDICT_FIXTURES`) on every field the fixture sets: the data
//! the programs commit to was transcribed right.

use serde_json::Value;
use std::path::PathBuf;

fn fixtures_dir() -> PathBuf {
    std::env::var_os("VERDICT_FIXTURES").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"),
        PathBuf::from,
    )
}

/// `fixture` within `ours`: every non-null field of the fixture is in ours with the same value
/// (hex strings compared without case).
fn assert_within(fixture: &Value, ours: &Value, path: &str) {
    match fixture {
        Value::Null => {}
        Value::Object(map) => {
            for (k, v) in map {
                let here = format!("{path}.{k}");
                match ours.get(k) {
                    Some(o) => assert_within(v, o, &here),
                    None => assert!(v.is_null(), "{here} is missing from the compiled-in config"),
                }
            }
        }
        Value::String(s) => assert_eq!(
            s.to_lowercase(),
            ours.as_str().unwrap_or_default().to_lowercase(),
            "{path}"
        ),
        _ => assert_eq!(fixture, ours, "{path}"),
    }
}

#[test]
fn op_sepolia_matches_the_fixture_blocks_config() {
    let path = fixtures_dir().join("op-sepolia-blocks/block-26207960/fixture.json");
    let text = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{}: {e}",
                path.display()
            );
            eprintln!("SKIPPED: {}: {e}", path.display());
            return;
        }
    };
    let fixture: Value = serde_json::from_slice(&text).unwrap();
    let chain = verdict_chains::chain(11155420).unwrap();
    let ours: Value = serde_json::from_str(chain.rollup_config).unwrap();
    let mut config = fixture["rollup_config"].clone();
    // Fields that are not part of the rollup config proper (superchain addresses, interop).
    for extra in [
        "protocol_versions_address",
        "superchain_config_address",
        "interop_message_expiry_window",
    ] {
        config.as_object_mut().unwrap().remove(extra);
    }
    assert_within(&config, &ours, "rollup_config");
}
