//! Replays every checked-in seed under corpus/<target>/ and every readable
//! regression under tests/regressions/: each must decode and pass.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

use std::path::{Path, PathBuf};

use heapbound::harness::{check_scenario, Scenario};
use heapbound::paper::PaperBot;
use heapbound::targets::{corpus_files, Builtin, BuiltinInput};

fn files_in(folder: &Path) -> Vec<PathBuf> {
    corpus_files(folder).unwrap_or_else(|error| panic!("{error}"))
}

fn corpus(target: &str) -> Vec<PathBuf> {
    let files = files_in(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("corpus")
            .join(target),
    );
    assert!(
        files.len() >= 20,
        "corpus/{target} holds only {} seeds",
        files.len()
    );
    files
}

#[test]
fn every_paper_bot_corpus_seed_passes() {
    for file in corpus("actions") {
        let bytes = std::fs::read(&file).unwrap();
        let scenario = Scenario::<PaperBot>::from_fuzz_bytes(&bytes)
            .unwrap_or_else(|error| panic!("{}: {error}", file.display()));
        if let Err(violation) = check_scenario(&scenario) {
            panic!(
                "{}: {violation}\n  reproduce: heapbound replay {}",
                file.display(),
                file.display()
            );
        }
    }
}

#[test]
fn every_builtin_corpus_seed_passes() {
    for target in Builtin::ALL {
        for file in corpus(target.name()) {
            let bytes = std::fs::read(&file).unwrap();
            let input = BuiltinInput::from_fuzz_bytes(target, &bytes)
                .unwrap_or_else(|error| panic!("{}: {error}", file.display()));
            if let Err(violation) = input.check() {
                panic!(
                    "{}: {violation}\n  reproduce: heapbound replay {} --target {target}",
                    file.display(),
                    file.display()
                );
            }
        }
    }
}

#[test]
fn every_regression_scenario_passes() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let files = files_in(&folder);
    assert!(!files.is_empty(), "tests/regressions/ is empty");
    for file in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "json"))
    {
        let text = std::fs::read_to_string(file).unwrap();
        let tagged: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|error| panic!("{}: {error}", file.display()));
        assert_eq!(tagged["target"], "actions", "{}", file.display());
        let scenario: Scenario<PaperBot> = serde_json::from_value(tagged["input"].clone())
            .unwrap_or_else(|error| panic!("{}: {error}", file.display()));
        if let Err(violation) = check_scenario(&scenario) {
            panic!(
                "{}: {violation}\n  reproduce: heapbound replay {}",
                file.display(),
                file.display()
            );
        }
    }
}
