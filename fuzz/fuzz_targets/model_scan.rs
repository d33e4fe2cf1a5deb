//! The whole model scanner (containers, wrappers, pickles) on arbitrary bytes: no panic, and
//! decompression stays within the budget (libFuzzer's `-rss_limit_mb` catches blow-ups).
//! `cargo +nightly fuzz run model_scan -- -max_total_time=60 -rss_limit_mb=512`
#![no_main]

use libfuzzer_sys::fuzz_target;
use nbsanitize::model::{ModelPolicy, scan_bytes};

fuzz_target!(|data: &[u8]| {
    let policy = ModelPolicy::builder().max_decompressed(16 << 20).build();
    let _ = scan_bytes(data, &policy);
});
