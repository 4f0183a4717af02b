//! Replays every checked-in seed under corpus/<target>/ and every readable
//! regression under tests/regressions/: each must decode and pass.

#[global_allocator]
static ALLOC: heapbound::heap::TrackingAllocator = heapbound::heap::TrackingAllocator::system();

use std::path::{Path, PathBuf};

use heapbound::harness::{Input, Target};

fn files_in(folder: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap_or_else(|error| panic!("{}: {error}", folder.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_seed_decodes_and_passes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for target in Target::ALL {
        let files = files_in(&root.join(target.name()));
        assert!(
            files.len() >= 20,
            "corpus/{target} holds only {} seeds",
            files.len()
        );
        for file in files {
            let bytes = std::fs::read(&file).unwrap();
            let input = Input::from_fuzz_bytes(target, &bytes)
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
        let input: Input = serde_json::from_str(&text)
            .unwrap_or_else(|error| panic!("{}: {error}", file.display()));
        if let Err(violation) = input.check() {
            panic!(
                "{}: {violation}\n  reproduce: heapbound replay {}",
                file.display(),
                file.display()
            );
        }
    }
}
