//! Reading input files safely: regular files only, and never more than a
//! bound, so that a FIFO cannot hang a read and a link to `/dev/zero`
//! cannot fill the memory.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;

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
