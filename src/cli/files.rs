//! File access with errors that name the file, and atomic writes.

use std::path::Path;

use super::UsageError;

/// Reads a whole file; a missing, unreadable or directory path is a usage error naming it.
pub fn read_file(path: &Path) -> Result<Vec<u8>, UsageError> {
    if path.is_dir() {
        return Err(UsageError::flag(
            &path.display().to_string(),
            "is a directory, not a file",
        ));
    }
    std::fs::read(path)
        .map_err(|error| UsageError::flag(&path.display().to_string(), &error.to_string()))
}

/// Writes through a temporary file in the same folder and renames it over
/// `path`, so a reader never sees half a file (`write::write_whole`, which
/// the library's own writers use too); an error names the file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), UsageError> {
    crate::write::write_whole(path, bytes)
        .map_err(|error| UsageError::flag(&path.display().to_string(), &error.to_string()))
}
