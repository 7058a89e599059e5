//! The upgrade transactions' bytecode from the shared fixtures (`$VERDICT_FIXTURES`, or
//! `../shared/fixtures` beside the project root), which the attributes builders read by hash.

use alloy_primitives::{keccak256, Bytes};
use std::path::PathBuf;
use verdict_derive::generator::CodeStore;

/// Every `upgrade-txs/*.hex` bytecode file (not the `_tx_` transactions) by keccak256; an error
/// if the directory is missing or holds none.
pub fn code_store() -> Result<CodeStore, String> {
    let dir = match std::env::var_os("VERDICT_FIXTURES") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/fixtures"),
    }
    .join("upgrade-txs");
    let entries = std::fs::read_dir(&dir)
        .map_err(|e| format!("fixtures missing at {}: {e}", dir.display()))?;
    let mut store = CodeStore::default();
    for e in entries {
        let p = e.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.ends_with(".hex") && !name.contains("_tx_") {
            let s = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            let s = s.trim();
            let code = alloy_primitives::hex::decode(s.strip_prefix("0x").unwrap_or(s))
                .map_err(|e| format!("{}: {e}", p.display()))?;
            store.0.insert(keccak256(&code), Bytes::from(code));
        }
    }
    if store.0.is_empty() {
        return Err(format!("no bytecode in {}", dir.display()));
    }
    Ok(store)
}
