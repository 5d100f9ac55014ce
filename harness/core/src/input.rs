//! Reading input files safely: regular files only, and never more than a
//! bound, so that a FIFO cannot hang a read and a link to `/dev/zero`
//! cannot fill the memory; and walking input trees so that a symbolic
//! link is followed (without looping) or refused, never silently skipped.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::error::Error;

/// What an entry of an input directory is, symbolic links followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Dir,
    File,
    /// A FIFO, socket or device: never an input.
    Other,
}

/// The kind of `entry`, following a symbolic link, so that a linked suite
/// or benchmark directory is read like any other (it used to be skipped
/// without a word). A dangling link is an error naming it.
pub fn entry_kind(entry: &fs::DirEntry) -> Result<EntryKind, Error> {
    let path = entry.path();
    let file_type = entry.file_type().map_err(|e| Error::read(&path, e))?;
    let file_type = if file_type.is_symlink() {
        match fs::metadata(&path) {
            Ok(target) => target.file_type(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let target = fs::read_link(&path)
                    .map(|t| t.display().to_string())
                    .unwrap_or_else(|_| "?".into());
                return Err(Error::malformed(
                    &path,
                    format!("a symbolic link to {target}, which does not exist"),
                    "remove the link or point it at existing benchmark output",
                ));
            }
            Err(e) => return Err(Error::read(&path, e)),
        }
    } else {
        file_type
    };
    Ok(if file_type.is_dir() {
        EntryKind::Dir
    } else if file_type.is_file() {
        EntryKind::File
    } else {
        EntryKind::Other
    })
}

/// The directories a recursive walk is inside, by their real paths: a
/// symbolic link back to one of them would make the walk endless.
#[derive(Debug, Default)]
pub struct Ancestors(Vec<PathBuf>);

impl Ancestors {
    /// Enters `dir`; refuses it, naming the link, when it is one of the
    /// directories the walk is already inside.
    pub fn enter(&mut self, dir: &Path) -> Result<(), Error> {
        let real = fs::canonicalize(dir).map_err(|e| Error::read(dir, e))?;
        if let Some(outer) = self.0.iter().find(|outer| **outer == real) {
            return Err(Error::malformed(
                dir,
                format!(
                    "leads back to {} through a symbolic link (a cycle)",
                    outer.display()
                ),
                "remove the link that points at a directory above it",
            ));
        }
        self.0.push(real);
        Ok(())
    }

    /// Leaves the directory entered last.
    pub fn leave(&mut self) {
        self.0.pop();
    }
}

/// Largest input file benchgate reads: 1 GiB. A criterion `sample.json`
/// of 100 000 samples is about 4 MB and the largest run file seen (207 MB)
/// fits easily; anything larger is not benchmark output.
pub const MAX_INPUT_BYTES: u64 = 1 << 30;

/// Why `path` cannot be read as an input file, if it cannot: it is not a
/// regular file, or it is larger than [`MAX_INPUT_BYTES`]. Follows
/// symbolic links (a link to a regular file is fine). Does not open the
/// file, so a FIFO is refused without blocking.
pub fn check_input(path: &Path) -> io::Result<()> {
    let metadata = fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file (a directory, FIFO, socket or device); pass a file",
        ));
    }
    if metadata.len() > MAX_INPUT_BYTES {
        return Err(too_large());
    }
    Ok(())
}

/// The text of the regular file at `path`, at most [`MAX_INPUT_BYTES`].
pub fn read_text(path: &Path) -> io::Result<String> {
    check_input(path)?;
    let mut text = String::new();
    // The bound holds even if the file grows after the check.
    File::open(path)?
        .take(MAX_INPUT_BYTES + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > MAX_INPUT_BYTES {
        return Err(too_large());
    }
    Ok(text)
}

fn too_large() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "larger than the {} MiB benchgate reads; pass the benchmark output itself",
            MAX_INPUT_BYTES >> 20
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_and_devices_are_refused_without_reading() {
        let dir = tempfile::tempdir().unwrap();
        let error = read_text(dir.path()).unwrap_err();
        assert!(error.to_string().contains("not a regular file"), "{error}");
        #[cfg(unix)]
        {
            let error = read_text(Path::new("/dev/zero")).unwrap_err();
            assert!(error.to_string().contains("not a regular file"), "{error}");
        }
        let file = dir.path().join("a.json");
        fs::write(&file, "{}").unwrap();
        assert_eq!(read_text(&file).unwrap(), "{}");
    }
}
