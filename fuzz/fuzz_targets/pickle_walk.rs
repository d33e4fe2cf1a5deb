//! The pickle walker on arbitrary bytes: no panic, and the walk respects its limits.
//! `cargo +nightly fuzz run pickle_walk -- -max_total_time=60 -rss_limit_mb=512`
#![no_main]

use libfuzzer_sys::fuzz_target;
use nbsanitize::model::pickle::{Limits, walk};

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_ops: 1_000_000,
        max_memo: 10_000,
        max_stack: 10_000,
        ..Limits::default()
    };
    let scan = walk(data, &limits);
    assert!(scan.ops <= limits.max_ops);
    assert!(scan.end <= data.len());
    assert!(scan.imports.len() <= limits.max_imports);
});
