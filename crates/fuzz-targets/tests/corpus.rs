//! Replays the fuzz corpus kept in the repository (`fuzz/corpus/<target>/`, the inputs cargo-fuzz
//! found interesting, and the seeds) through every target: an input that once crashed a parser
//! stays a regression test, run in CI without cargo-fuzz.

use std::path::PathBuf;

#[test]
fn every_corpus_input_runs_cleanly() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    for (name, target) in verdict_fuzz_targets::TARGETS {
        let dir = root.join(name);
        let mut inputs: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .collect();
        inputs.sort();
        assert!(!inputs.is_empty(), "no corpus for the {name} target");
        for input in &inputs {
            let data = std::fs::read(input).unwrap();
            let run = std::panic::catch_unwind(|| target(&data));
            assert!(run.is_ok(), "{name}: {} panics", input.display());
        }
        eprintln!("{name}: {} inputs", inputs.len());
    }
}
