//! Peak memory of the pickle walker on hostile input stays bounded by its limits, not by the
//! input (Linux: reads the process's high-water mark; alone in its own test binary).

#[cfg(target_os = "linux")]
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn hostile_pickles_use_bounded_memory() {
    use nbsanitize::model::pickle::{Limits, walk};
    let limits = Limits {
        max_memo: 200_000,
        max_stack: 50_000,
        ..Limits::default()
    };
    // Inputs: 16 MiB each of memoized short strings, stack pushes, and long strings.
    let n = 16 << 20;
    let mut memo = vec![0x80, 4];
    while memo.len() < n {
        memo.extend_from_slice(b"\x8c\x08abcdefgh\x940");
    }
    let mut stack = vec![0x80, 4];
    stack.extend(std::iter::repeat_n(b'N', n));
    let mut long = vec![0x80, 4];
    while long.len() < n {
        long.extend_from_slice(b"\x8c\xff");
        long.extend(std::iter::repeat_n(b'a', 255));
    }
    let before = peak_kib();
    for data in [&memo, &stack, &long] {
        let scan = walk(data, &limits);
        assert!(scan.error.is_some(), "a limit should stop the walk");
    }
    let grown = peak_kib().saturating_sub(before);
    // 200k memo entries + 50k stack entries: well under 64 MiB.
    assert!(grown < 64 * 1024, "peak memory grew by {grown} KiB");
}
