//! libFuzzer harness for `fuzz_targets::batch_csv` (the body, shared with the corpus test).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::batch_csv(data));
