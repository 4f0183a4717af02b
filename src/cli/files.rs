//! File access with errors that name the file, and atomic writes.

use std::io::Write;
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
/// `path`, so a reader never sees half a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), UsageError> {
    let name = path.display().to_string();
    let error = |e: std::io::Error| UsageError::flag(&name, &e.to_string());
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(folder).map_err(error)?;
    let mut file = tempfile::NamedTempFile::new_in(folder).map_err(error)?;
    file.write_all(bytes).map_err(error)?;
    file.persist(path).map_err(|e| error(e.error))?;
    Ok(())
}
