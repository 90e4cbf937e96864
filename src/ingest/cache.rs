//! The build cache of stage 1: each postmortem file's result (the postmortem and the
//! findings about the file alone) under a hash of the file's bytes, so `build` converts
//! only the files that changed. One file, `.hindsight-cache/build/read.bin`, for every
//! audience (a public build redacts what it reads from it, in `privacy`), stamped with the binary and `site.toml` (everything conversion reads besides the file):
//! a different stamp, and the whole cache is ignored. Files with errors are never kept.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::diagnostics::Diagnostic;
use crate::model::{Body, Postmortem, Timeline};

/// A checked postmortem as kept: what its serde form leaves out is kept beside it.
#[derive(Serialize, Deserialize)]
struct Stored {
    pm: Postmortem,
    /// `pm.extra` as JSON: the cache's format cannot carry JSON values of any shape.
    extra: String,
    timeline: Timeline,
    /// The body's place in the file.
    body: Range<usize>,
    diagnostics: Vec<Diagnostic>,
}

/// Path -> (hash of the file's bytes, the stored result).
type Kept = HashMap<PathBuf, (u128, Vec<u8>)>;

/// A file's path, the hash of its bytes, and its encoded result.
type Record = (PathBuf, u128, Vec<u8>);

/// The postmortems of the last build by file, and those of this one.
pub struct ReadCache {
    file: PathBuf,
    stamp: u128,
    old: Kept,
    /// Records in the file, older ones a later record replaced included.
    records: usize,
    new: Mutex<Vec<Record>>,
}

impl ReadCache {
    /// The cache of builds of `root` with this `stamp` (empty when there is none it can
    /// trust).
    pub fn open(root: &Path, stamp: u128) -> ReadCache {
        let file = root.join(".hindsight-cache/build/read.bin");
        let (old, records) = std::fs::read(&file).ok().and_then(|bytes| decode(&bytes, stamp)).unwrap_or_default();
        ReadCache { file, stamp, old, records, new: Mutex::default() }
    }

    /// The result kept for `rel` when its bytes hashed to `hash`, its body a range of the
    /// file's `text` (made only then).
    pub fn get(
        &self,
        rel: &Path,
        hash: u128,
        text: impl FnOnce() -> Option<Arc<str>>,
    ) -> Option<(Postmortem, Vec<Diagnostic>)> {
        let (kept, bytes) = self.old.get(rel).filter(|(kept, _)| *kept == hash)?;
        let stored: Stored = postcard::from_bytes(bytes).ok()?;
        let text = text()?;
        let Stored { mut pm, extra, timeline, body, diagnostics } = stored;
        pm.extra = serde_json::from_str(&extra).ok()?;
        pm.body = Body::shared(text.clone(), text.get(body.clone()).map(|_| body)?);
        pm.timeline = timeline;
        pm.source = rel.to_path_buf();
        pm.fingerprint = hash;
        self.new.lock().unwrap_or_else(|e| e.into_inner()).push((rel.to_path_buf(), *kept, bytes.clone()));
        Some((pm, diagnostics))
    }

    /// Keeps a result that has no error for the next build.
    pub fn put(&self, rel: &Path, hash: u128, text: &Arc<str>, pm: &Postmortem, diagnostics: &[Diagnostic]) {
        let Some(body) = pm.body.range_in(text) else { return };
        let mut pm = pm.clone();
        let stored = Stored {
            extra: serde_json::to_string(&std::mem::take(&mut pm.extra)).unwrap_or_default(),
            timeline: std::mem::take(&mut pm.timeline),
            body,
            diagnostics: diagnostics.to_vec(),
            pm,
        };
        if let Ok(bytes) = postcard::to_allocvec(&stored) {
            self.new.lock().unwrap_or_else(|e| e.into_inner()).push((rel.to_path_buf(), hash, bytes));
        }
    }

    /// Writes this build's results for the next: only the changed ones, added at the end
    /// of the file, until replaced records would make up half of it; then the file anew. A
    /// cache that cannot be written only costs the next build time: the error is for a note.
    pub fn save(self) -> std::io::Result<()> {
        let mut new = self.new.into_inner().unwrap_or_else(|e| e.into_inner());
        let changed: Vec<&Record> = new.iter().filter(|(p, h, _)| self.old.get(p).is_none_or(|o| o.0 != *h)).collect();
        if changed.is_empty() && new.len() == self.old.len() {
            return Ok(());
        }
        if self.records > 0 && self.records + changed.len() <= 2 * new.len() {
            // One write, so that another build adding its records at the same time cannot
            // come between two halves of one.
            let mut added = Vec::new();
            encode(&mut added, changed, None)?;
            let mut file = std::fs::OpenOptions::new().append(true).open(&self.file)?;
            return std::io::Write::write_all(&mut file, &added);
        }
        drop(changed);
        new.sort_by(|a, b| a.0.cmp(&b.0));
        let dir = self.file.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        // Written as encoded rather than encoded whole first: at 100,000 postmortems the
        // file is 120 MB, which would otherwise be held twice at the build's peak.
        let mut temp = std::io::BufWriter::new(tempfile::NamedTempFile::new_in(dir)?);
        encode(&mut temp, &new, Some(self.stamp))?;
        temp.into_inner().map_err(std::io::IntoInnerError::into_error)?.persist(&self.file).map_err(|e| e.error)?;
        Ok(())
    }
}

/// The cache file: the stamp (at the start of a file), then per file its path, hash and
/// stored result, each with its length, and a checksum of the record (little-endian
/// numbers). Records added later replace earlier ones of the same path.
fn encode<'a>(
    out: &mut impl std::io::Write,
    entries: impl IntoIterator<Item = &'a Record>,
    stamp: Option<u128>,
) -> std::io::Result<()> {
    if let Some(stamp) = stamp {
        out.write_all(&stamp.to_le_bytes())?;
    }
    let mut head = Vec::new();
    for (path, hash, bytes) in entries {
        let path = path.to_string_lossy();
        head.clear();
        head.extend_from_slice(&(path.len() as u32).to_le_bytes());
        head.extend_from_slice(path.as_bytes());
        head.extend_from_slice(&hash.to_le_bytes());
        head.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        let mut sum = xxhash_rust::xxh3::Xxh3::new();
        sum.update(&head);
        sum.update(bytes);
        out.write_all(&head)?;
        out.write_all(bytes)?;
        out.write_all(&sum.digest().to_le_bytes())?;
    }
    Ok(())
}

/// What `encode` wrote with this `stamp` and how many records, or `None`. Reading stops
/// at a record cut short or spoilt (a build that died while adding to the file).
fn decode(mut bytes: &[u8], stamp: u128) -> Option<(Kept, usize)> {
    fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
        let (head, rest) = bytes.split_at_checked(n)?;
        *bytes = rest;
        Some(head)
    }
    let u128_of = |b: &[u8]| b.try_into().ok().map(u128::from_le_bytes);
    let len = |bytes: &mut &[u8]| take(bytes, 4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
    if u128_of(take(&mut bytes, 16)?)? != stamp {
        return None;
    }
    let mut out = HashMap::new();
    let mut records = 0;
    let mut record = |bytes: &mut &[u8]| -> Option<()> {
        let start = *bytes;
        let n = len(bytes)? as usize;
        let path = PathBuf::from(std::str::from_utf8(take(bytes, n)?).ok()?);
        let hash = u128_of(take(bytes, 16)?)?;
        let n = len(bytes)? as usize;
        let stored = take(bytes, n)?.to_vec();
        let sum = u64::from_le_bytes(take(bytes, 8)?.try_into().ok()?);
        let written = start.len() - bytes.len() - 8;
        (xxhash_rust::xxh3::xxh3_64(&start[..written]) == sum).then_some(())?;
        out.insert(path, (hash, stored));
        records += 1;
        Some(())
    };
    while !bytes.is_empty() && record(&mut bytes).is_some() {}
    Some((out, records))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, hash: u128, bytes: &[u8]) -> Record {
        (PathBuf::from(path), hash, bytes.to_vec())
    }

    fn encoded(entries: &[Record], stamp: Option<u128>) -> Vec<u8> {
        let mut out = Vec::new();
        encode(&mut out, entries, stamp).unwrap();
        out
    }

    #[test]
    fn later_records_replace_earlier_ones_and_a_spoilt_tail_is_left_out() {
        let mut file = encoded(&[entry("a.md", 1, b"one"), entry("b.md", 2, b"two")], Some(7));
        file.extend(encoded(&[entry("a.md", 3, b"three")], None));
        let (map, records) = decode(&file, 7).unwrap();
        assert_eq!(records, 3);
        assert_eq!(map[Path::new("a.md")], (3, b"three".to_vec()));
        assert_eq!(map[Path::new("b.md")], (2, b"two".to_vec()));
        assert!(decode(&file, 8).is_none(), "another stamp");

        // A build died while adding a record: cut short, or its bytes spoilt.
        let whole = file.len();
        file.extend(encoded(&[entry("c.md", 4, b"four")], None));
        let cut = decode(&file[..file.len() - 3], 7).unwrap();
        assert_eq!((cut.1, cut.0.contains_key(Path::new("c.md"))), (3, false));
        let last = file.len() - 9;
        file[last] ^= 1;
        let spoilt = decode(&file, 7).unwrap();
        assert_eq!((spoilt.1, spoilt.0.contains_key(Path::new("c.md"))), (3, false));
        assert_eq!(decode(&file[..whole], 7).unwrap().1, 3);
    }
}
