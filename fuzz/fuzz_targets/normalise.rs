//! libFuzzer harness for `fuzz_targets::normalise` (the body, shared with the corpus test).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::normalise(data));
