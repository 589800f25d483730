//! Replays every committed fuzz input (`fuzz/corpus/<target>/*`) through the fuzz targets'
//! own checks, so CI keeps what fuzzing found without running the fuzzer.

#[path = "../fuzz/checks.rs"]
mod checks;

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("readable corpus").path();
        let data = std::fs::read(&path).expect("readable input");
        check(&data);
        n += 1;
    }
    n
}

#[test]
fn corpus_replays_clean() {
    let counts = [
        ("origin", replay("origin", checks::origin)),
        ("header_list", replay("header_list", checks::header_list)),
        ("config", replay("config", checks::config)),
        ("decide", replay("decide", checks::decide)),
    ];
    for (target, n) in counts {
        assert!(n > 0, "the {target} corpus is empty");
    }
}
