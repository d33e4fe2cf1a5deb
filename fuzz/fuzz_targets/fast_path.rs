//! The fast path against the ammonia path on arbitrary input.
//!
//! ```text
//! cargo +nightly fuzz run fast_path -- -dict=fuzz/html.dict -max_total_time=60
//! ```
//!
//! Without cargo-fuzz (what was run: 1.3 M inputs in 150 s, one finding, fixed):
//!
//! ```text
//! cd fuzz && RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
//!   -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
//!   -Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions" \
//!   cargo +nightly build --release --target x86_64-unknown-linux-gnu --bin fast_path
//! mkdir -p corpus && ./target/x86_64-unknown-linux-gnu/release/fast_path corpus \
//!   -dict=html.dict -max_total_time=60 -max_len=2048
//! ```
//!
//! Checks, for every input the fast path accepts: its output passes the ammonia path's checker
//! untouched (nothing executable, nothing outside the allowlist), a second pass keeps it, and
//! streaming in small chunks gives the same bytes as the in-memory API.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nbsanitize::sanitize::html::{HtmlAllowlist, sanitize_fragment};
use nbsanitize::sanitize::stream::{StreamLimits, sanitize_fragment_fast, sanitize_stream};

/// Hands out the input a few bytes at a time.
struct Trickle<'a>(&'a [u8], usize);

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.1 = self.1 % 7 + 1;
        let n = self.1.min(buf.len()).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let allow = HtmlAllowlist::default();
    let Ok(fast) = sanitize_fragment_fast(input, &allow) else {
        return;
    };
    let output = fast.text.unwrap_or_else(|| input.to_owned());
    let again = sanitize_fragment(&output, &allow);
    assert!(again.text.is_none(), "{input:?} -> {output:?}: {:?}", again.findings);
    assert!(matches!(
        sanitize_fragment_fast(&output, &allow).map(|c| c.text),
        Ok(None) | Err(_)
    ));
    let mut streamed = Vec::new();
    let limits = StreamLimits::default();
    sanitize_stream(Trickle(data, 0), &mut streamed, &allow, limits).expect("small input streams");
    assert_eq!(streamed, output.as_bytes());
});
