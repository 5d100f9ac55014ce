//! The preallocated part of a log file mapped into memory, so that appending a record is a copy rather than a `write(2)`: the crate's one `unsafe` outside the prefetch hint.
#![allow(unsafe_code)]

use std::fs::File;
use std::io;

use memmap2::MmapMut;

use crate::prefetch::prefetch;

/// Stride of the pre-faulting writes: the smallest page size of the
/// targets we build for (a larger page is touched more than once, which
/// costs nothing).
const PAGE: usize = 4096;

/// A shared, writable mapping of the first `len` bytes of a log file.
///
/// Records copied into it are in the page cache as soon as the copy ends,
/// exactly like a `write(2)`'s: they survive the process being killed, and
/// [`MappedLog::sync`] flushes them to the device like `fdatasync` would.
/// What it saves is the system call and the kernel's write path (page
/// lookup, inode time update, a journal handle) in every record, which
/// was most of a store's time and nearly all of its variance.
#[derive(Debug)]
pub(crate) struct MappedLog {
    map: MmapMut,
}

impl MappedLog {
    /// Maps the first `len` bytes of `file`, which must already hold them
    /// (the zeros of the preallocation), and faults every page in writable
    /// now, so that no record's copy takes a page fault later.
    pub(crate) fn new(file: &File, len: usize) -> io::Result<Self> {
        // SAFETY: the mapping is sound as long as no one truncates the file
        // or writes it through another handle while it is mapped. The file
        // is a log the store created itself, under a name only it uses: the
        // store never truncates a log file, writes one only through this
        // mapping or (past its end) through its own handle, and deletes it
        // only after the writer, and with it the mapping, is gone. Unlinking
        // a mapped file would not invalidate the mapping anyway. Another
        // process opening the same store directory at the same time is
        // already unsupported: its writes would corrupt the log either way.
        let mut map = unsafe { memmap2::MmapOptions::new().len(len).map_mut(file)? };
        // A shared file mapping starts with no page writable: the first write
        // to each page faults, and the fault runs the file system's
        // `page_mkwrite` (block reservation, inode time update). Writing a
        // zero over each page's first zero takes those faults here, in the
        // thread preparing the log, instead of in a store.
        for offset in (0..map.len()).step_by(PAGE) {
            map[offset] = 0;
        }
        Ok(Self { map })
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Copies `bytes` to `offset`. The caller keeps the range in bounds.
    pub(crate) fn write_at(&mut self, offset: usize, bytes: &[u8]) {
        self.map[offset..offset + bytes.len()].copy_from_slice(bytes);
        // Where the next record (likely as long) goes: in the cache by the
        // time it is written, like the memtable's next row.
        let end = offset + bytes.len();
        prefetch(&self.map[end..(end + bytes.len()).min(self.map.len())]);
    }

    /// Flushes `len` bytes at `offset` to the device (`msync(MS_SYNC)`).
    pub(crate) fn sync(&self, offset: usize, len: usize) -> io::Result<()> {
        self.map.flush_range(offset, len)
    }
}
