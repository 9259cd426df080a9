//! Golden fixtures: every `fixtures/<case>/` with an `expected/` directory is
//! analysed and compared with its reviewed outputs. `RFO_BLESS=1 cargo test
//! --test golden` rewrites them; read the diff before committing.

mod common;
use common::*;

fn check(case: &str) {
    let dir = fixture(case);
    let expected = dir.join("expected");
    let bless = std::env::var_os("RFO_BLESS").is_some();
    for (file, args) in [
        ("analysis.json", vec!["--format", "json"]),
        ("report.md", vec![]),
    ] {
        let mut full = vec!["analyze", dir.to_str().unwrap()];
        full.extend(args);
        let (code, out, err) = run(&full);
        assert_eq!(code, 0, "{case}: {err}");
        let path = expected.join(file);
        if bless {
            std::fs::write(&path, &out).unwrap();
            continue;
        }
        let want =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if want != out {
            let diff = similar::TextDiff::from_lines(&want, &out)
                .unified_diff()
                .header(&format!("{case}/expected/{file}"), "actual")
                .to_string();
            panic!("{case}: {file} differs from expected (RFO_BLESS=1 to accept):\n{diff}");
        }
    }
}

#[test]
fn servercentral_2017_02_22() {
    check("servercentral-2017-02-22");
}
