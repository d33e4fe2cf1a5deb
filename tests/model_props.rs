//! Properties of the model scanner on hostile input: random bytes and mutated corpus files
//! never panic, scans stay within their limits, and a truncated malicious pickle still shows
//! the import it got to.

use std::path::Path;

use nbsanitize::model::pickle::{self, Limits};
use nbsanitize::model::{ModelPolicy, scan_bytes};
use proptest::prelude::*;

fn corpus() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/models");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            !matches!(
                p.file_name().and_then(|n| n.to_str()),
                Some("generate.py" | "expected.json" | "README.md")
            )
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect()
}

fn small_policy() -> ModelPolicy {
    ModelPolicy::builder()
        .limits(Limits {
            max_ops: 100_000,
            max_memo: 1_000,
            max_stack: 1_000,
            max_string: 64,
            max_pickles: 50,
            max_imports: 100,
        })
        .max_decompressed(1 << 20)
        .build()
}

#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Flip(i, b)),
        (
            any::<usize>(),
            proptest::collection::vec(any::<u8>(), 1..16)
        )
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        (any::<usize>(), 1usize..32).prop_map(|(i, n)| Edit::Delete(i, n)),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(mut data: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let len = data.len().max(1);
        match e {
            Edit::Flip(i, b) => {
                if !data.is_empty() {
                    let i = i % len;
                    data[i] ^= b | 1;
                }
            }
            Edit::Insert(i, bytes) => {
                let i = i % (data.len() + 1);
                data.splice(i..i, bytes.iter().copied());
            }
            Edit::Delete(i, n) => {
                let i = i % len;
                let end = (i + n).min(data.len());
                if i < end {
                    data.drain(i..end);
                }
            }
            Edit::Truncate(i) => data.truncate(i % len),
        }
    }
    data
}

/// Opcode-alphabet noise: far more likely than uniform bytes to build deep stacks and memos.
fn opcode_soup() -> impl Strategy<Value = Vec<u8>> {
    let ops: Vec<u8> =
        b"(.0123NIKJMGXUSTVBCtldaesu}])\x85\x86\x87\x88\x89\x8c\x93\x94hjqrgpRbio\x81\x92\x82\x95c\n"
            .to_vec();
    proptest::collection::vec(proptest::sample::select(ops), 0..4096).prop_map(|mut v| {
        v.splice(0..0, [0x80, 4]);
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let limits = *small_policy().limits();
        let scan = pickle::walk(&data, &limits);
        prop_assert!(scan.ops <= limits.max_ops);
        prop_assert!(scan.imports.len() <= limits.max_imports);
        let _ = scan_bytes(&data, &small_policy());
        let _ = nbsanitize::model::detect(&data);
    }

    #[test]
    fn opcode_soup_stays_bounded(data in opcode_soup()) {
        let limits = *small_policy().limits();
        let scan = pickle::walk(&data, &limits);
        prop_assert!(scan.ops <= limits.max_ops);
        prop_assert!(scan.pickles <= limits.max_pickles);
        prop_assert!(scan.end <= data.len());
        let _ = scan_bytes(&data, &small_policy());
    }

    #[test]
    fn mutated_corpus_never_panics(
        pick in any::<prop::sample::Index>(),
        edits in proptest::collection::vec(edit(), 1..6),
    ) {
        let files = corpus();
        let data = apply(pick.get(&files).clone(), &edits);
        let _ = scan_bytes(&data, &small_policy());
        let _ = scan_bytes(&data, &ModelPolicy::default());
    }
}

#[test]
fn truncated_malicious_pickle_still_reports_the_import() {
    let evil = b"\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.";
    // From the end of the GLOBAL argument on (byte 16), the import has happened.
    for cut in 16..evil.len() {
        let findings = scan_bytes(&evil[..cut], &ModelPolicy::default()).unwrap();
        assert!(
            findings
                .iter()
                .any(|f| f.rule.code == "NB701" && f.message.contains("posix.system")),
            "cut at {cut}: {findings:?}"
        );
    }
}

#[test]
fn hostile_limits_are_reported() {
    // 200k MARKs against a 1,000-deep stack limit.
    let mut marks = vec![0x80, 4];
    marks.extend(std::iter::repeat_n(b'(', 200_000));
    let f = scan_bytes(&marks, &small_policy()).unwrap();
    assert!(f.iter().any(|f| f.rule.code == "NB705"), "{f:?}");
    // Memo spam.
    let mut memo = vec![0x80, 4, b'N'];
    memo.extend(std::iter::repeat_n(0x94, 200_000));
    let f = scan_bytes(&memo, &small_policy()).unwrap();
    assert!(f.iter().any(|f| f.rule.code == "NB705"), "{f:?}");
    // A gzip bomb.
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![b'N'; 4 << 20]).unwrap();
    let f = scan_bytes(&gz.finish().unwrap(), &small_policy()).unwrap();
    assert!(f.iter().any(|f| f.rule.code == "NB705"), "{f:?}");
}
