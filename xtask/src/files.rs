//! Atomic file replacement: write a temporary file in the same directory, flush it to disk,
//! then rename it over the target, so readers see the old file or the new one, never a half.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Replaces `path` with `text` atomically. On error the target is untouched and the temporary
/// file is removed.
pub fn write_atomically(path: &Path, text: &str) -> io::Result<()> {
    let tmp = temporary_path(path)?;
    let result = (|| {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// `.<name>.tmp-<pid>-<n>` beside `path`, not yet existing.
fn temporary_path(path: &Path) -> io::Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} names no file", path.display()),
        )
    })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    for n in 0..1000 {
        let candidate = dir.join(format!(
            ".{}.tmp-{}-{n}",
            name.to_string_lossy(),
            std::process::id()
        ));
        if !candidate.exists() {
            return Ok(candidate);
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("no free temporary name beside {}", path.display()),
    ))
}

/// Writes `text` to `path` unless the file already holds exactly that; returns whether it wrote.
/// Skipping identical content keeps the modification time, so `build.rs` does not rerun.
pub fn replace_if_changed(path: &Path, text: &str) -> io::Result<bool> {
    if fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(false);
    }
    write_atomically(path, text)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_and_leaves_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("xtask-files-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let target = dir.join("openapi.json");
        fs::write(&target, "old").unwrap();
        assert!(replace_if_changed(&target, "new\n").unwrap());
        assert!(!replace_if_changed(&target, "new\n").unwrap());
        assert_eq!(fs::read_to_string(&target).unwrap(), "new\n");
        let names: Vec<_> = fs::read_dir(&dir).unwrap().flatten().collect();
        assert_eq!(names.len(), 1);
        // A missing directory fails without creating anything.
        assert!(write_atomically(&dir.join("missing/openapi.json"), "x").is_err());
        fs::remove_dir_all(&dir).unwrap();
    }
}
