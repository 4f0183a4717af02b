//! A corpus folder as every driver reads it: its files, in name order.

use std::io;
use std::path::{Path, PathBuf};

/// The files in `folder` (not its subfolders), sorted by name, so a replay,
/// a triage or a benchmark sees them in the same order on every machine.
/// An error names the folder.
///
/// ```no_run
/// for path in heapbound::targets::corpus_files("corpus/actions".as_ref()).unwrap() {
///     let bytes = std::fs::read(&path).unwrap();
///     heapbound::fuzz::<heapbound::paper::PaperBot>(&bytes);
/// }
/// ```
pub fn corpus_files(folder: &Path) -> io::Result<Vec<PathBuf>> {
    let named =
        |error: io::Error| io::Error::new(error.kind(), format!("{}: {error}", folder.display()));
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder).map_err(named)? {
        let path = entry.map_err(named)?.path();
        if path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The bytes of every file in `folder`, in [`corpus_files`] order. An error
/// names the folder or the file.
pub fn read_corpus(folder: &Path) -> io::Result<Vec<Vec<u8>>> {
    corpus_files(folder)?
        .iter()
        .map(|path| {
            std::fs::read(path).map_err(|error| {
                io::Error::new(error.kind(), format!("{}: {error}", path.display()))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_come_sorted_without_subfolders() {
        let folder = tempfile::tempdir().unwrap();
        for name in ["b", "a", "c"] {
            std::fs::write(folder.path().join(name), name).unwrap();
        }
        std::fs::create_dir(folder.path().join("sub")).unwrap();
        let names: Vec<_> = corpus_files(folder.path())
            .unwrap()
            .iter()
            .map(|path| path.file_name().unwrap().to_owned())
            .collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(read_corpus(folder.path()).unwrap(), [b"a", b"b", b"c"]);
    }

    #[test]
    fn a_missing_folder_is_named() {
        let error = corpus_files(Path::new("no/such/corpus")).unwrap_err();
        assert!(error.to_string().starts_with("no/such/corpus: "), "{error}");
    }
}
