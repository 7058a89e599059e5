#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| verdict_fuzz_targets::proof_file(data));
