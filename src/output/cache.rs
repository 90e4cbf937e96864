//! The build cache of pages: what the last build into an output folder made of each page
//! (its key, its length and hash, the link destinations its Markdown asked about), in
//! `.hindsight-cache/build/pages-<output>.bin`. A page whose key comes out the same is
//! linked from that folder instead of made again (`Output::keep`).
//!
//! Nothing in it is trusted unless all of this is as it was: the hindsight binary (a hash
//! of the source it was built from, so every change of the source counts as a version),
//! the settings, the theme and the build's options (the stamp, which `site` makes);
//! otherwise it is ignored, then replaced by this build's. A file is taken as it is from the very folder that build
//! made (same device and inode); from any other folder in its place (CI restoring the
//! output along with the cache) only once its bytes hash as recorded.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::keys::Key;

/// Where the search index's analysed runs are kept, under the archive's root.
pub const SEARCH_RUNS: &str = ".hindsight-cache/build/search";

/// One page of the last build.
#[derive(Clone, Serialize, Deserialize)]
pub struct Entry {
    pub key: u128,
    pub len: u64,
    /// A hash of the bytes written, to check a file in an output folder this build did not
    /// make (one restored by CI from its cache) before taking it.
    pub hash: u128,
    pub links: Vec<String>,
}

/// What one site folder holds: its pages' entries and all of its files.
#[derive(Default, Serialize, Deserialize)]
pub struct Site {
    /// The folder's (device, inode).
    folder: (u64, u64),
    pages: HashMap<String, Entry>,
    files: Vec<String>,
}

#[derive(Default, Serialize, Deserialize)]
pub struct PageCache {
    stamp: u128,
    /// The output folder.
    live: Site,
    /// The site before it, kept beside it for the next build to update (`staging`).
    spare: Option<Site>,
    /// Whether the output folder is the one the cache's build made: its files need no check.
    #[serde(skip)]
    pub made_here: bool,
}

impl PageCache {
    /// The cache for builds of `root` into `output` with this `stamp`, or an empty one when
    /// there is none to trust.
    pub fn load(root: &Path, output: &Path, stamp: u128) -> PageCache {
        std::fs::read(file(root, output))
            .ok()
            .and_then(|bytes| postcard::from_bytes::<PageCache>(&bytes).ok())
            .filter(|c| c.stamp == stamp)
            .unwrap_or_else(|| PageCache { stamp, ..PageCache::default() })
    }

    /// Notes which folder the output is now (under the build's lock): the cache's own, or
    /// another whose files must be checked.
    pub fn found_output(&mut self, folder: Option<(u64, u64)>) {
        self.made_here = Some(self.live.folder) == folder;
    }

    /// The spare site's folder, as the cache knows it.
    pub fn spare_folder(&self) -> Option<(u64, u64)> {
        self.spare.as_ref().map(|s| s.folder)
    }

    /// The entry of `path` in the output folder.
    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.live.pages.get(path)
    }

    /// The entry of `path` in the spare site.
    pub fn spare_get(&self, path: &str) -> Option<&Entry> {
        self.spare.as_ref()?.pages.get(path)
    }

    /// Every file of the spare site.
    pub fn spare_files(&self) -> &[String] {
        self.spare.as_ref().map_or(&[], |s| &s.files)
    }

    /// Records this build's pages and files, made into the folder `made`, and the previous
    /// site kept as the spare at `spare` (what this cache knew of the output folder, when
    /// that was the folder it describes). A cache that cannot be written costs the next
    /// build time, not correctness: the error is for a note.
    pub fn save(
        self,
        root: &Path,
        output: &Path,
        made: (u64, u64),
        pages: HashMap<String, Entry>,
        files: Vec<String>,
        spare: Option<(u64, u64)>,
    ) -> std::io::Result<()> {
        let path = file(root, output);
        let dir = path.parent().unwrap_or(root);
        std::fs::create_dir_all(dir)?;
        let spare = spare.filter(|_| self.made_here).map(|folder| Site { folder, ..self.live });
        let cache = PageCache { stamp: self.stamp, live: Site { folder: made, pages, files }, spare, made_here: true };
        let bytes = postcard::to_allocvec(&cache).map_err(std::io::Error::other)?;
        let mut temp = tempfile::NamedTempFile::new_in(dir)?;
        std::io::Write::write_all(&mut temp, &bytes)?;
        temp.persist(&path).map_err(|e| e.error)?;
        Ok(())
    }
}

/// The cache file of builds of `root` into `output`: one per output folder, so a site
/// built both whole and public keeps both warm.
fn file(root: &Path, output: &Path) -> PathBuf {
    let absolute = std::path::absolute(output).unwrap_or_else(|_| output.to_path_buf());
    let name = Key::default().str(&absolute.to_string_lossy()).finish();
    root.join(".hindsight-cache/build").join(format!("pages-{name:032x}.bin"))
}
