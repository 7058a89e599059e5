//! JSON as the reference VMs write it (Go's `json.Encoder` with a two-space indent and a final
//! newline), so our files diff cleanly against theirs.

use serde::Serialize;

/// `value` as indented JSON with a trailing newline.
pub fn to_reference_json<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(value).expect("our file types always serialize");
    out.push(b'\n');
    out
}
