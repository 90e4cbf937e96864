//! The documents analysed as tantivy analyses them (stems, frequencies, positions and
//! field norms), in runs of documents whose ends do not move with edits elsewhere, each
//! run kept between builds under a hash of its texts (`RunCache`).

use super::*;

/// One stem's postings in a run of documents, already in the file's encoding (see
/// `files`), except the gap before the first document, which depends on the runs before:
/// an archive's postings cost a few bytes each while they wait to be merged.
#[derive(Default)]
pub(super) struct Postings {
    pub(super) first: u32,
    pub(super) last: u32,
    pub(super) post: String,
    pub(super) pos: String,
}

/// The analysis of a run of consecutive documents, made by one worker: stems get local
/// numbers, each with its encoded postings. Documents are numbered from the run's first,
/// so a run analysed once is the same wherever the run ends up in the archive.
#[derive(Default)]
pub(super) struct Part {
    pub(super) stems: Vec<Arc<str>>,
    pub(super) postings: Vec<Postings>,
    /// Words this part met, each once.
    pub(super) words: Vec<Arc<str>>,
    pub(super) totals: [u64; 3],
    /// The largest field-norm id of any posting.
    pub(super) max_norm: u8,
}

impl Part {
    /// The part as the run cache keeps it: numbers as little-endian `u32` (totals `u64`),
    /// strings as their length and bytes.
    fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let num = |out: &mut Vec<u8>, n: usize| out.extend_from_slice(&(n as u32).to_le_bytes());
        let text = |out: &mut Vec<u8>, s: &str| {
            num(out, s.len());
            out.extend_from_slice(s.as_bytes());
        };
        num(&mut out, self.stems.len());
        for (stem, p) in self.stems.iter().zip(&self.postings) {
            text(&mut out, stem);
            num(&mut out, p.first as usize);
            num(&mut out, p.last as usize);
            text(&mut out, &p.post);
            text(&mut out, &p.pos);
        }
        num(&mut out, self.words.len());
        self.words.iter().for_each(|w| text(&mut out, w));
        self.totals.iter().for_each(|t| out.extend_from_slice(&t.to_le_bytes()));
        out.push(self.max_norm);
        out
    }

    /// The part `to_bytes` wrote, or `None` for anything else (a file cut short).
    fn from_bytes(mut bytes: &[u8]) -> Option<Part> {
        fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
            let (head, rest) = bytes.split_at_checked(n)?;
            *bytes = rest;
            Some(head)
        }
        let num = |b: &mut &[u8]| Some(u32::from_le_bytes(take(b, 4)?.try_into().ok()?));
        let text = |b: &mut &[u8]| {
            let len = num(b)? as usize;
            std::str::from_utf8(take(b, len)?).ok().map(str::to_string)
        };
        let mut part = Part::default();
        for _ in 0..num(&mut bytes)? {
            part.stems.push(text(&mut bytes)?.into());
            let (first, last) = (num(&mut bytes)?, num(&mut bytes)?);
            part.postings.push(Postings { first, last, post: text(&mut bytes)?, pos: text(&mut bytes)? });
        }
        for _ in 0..num(&mut bytes)? {
            part.words.push(text(&mut bytes)?.into());
        }
        for total in &mut part.totals {
            *total = u64::from_le_bytes(take(&mut bytes, 8)?.try_into().ok()?);
        }
        part.max_norm = *take(&mut bytes, 1)?.first()?;
        bytes.is_empty().then_some(part)
    }
}

/// Documents per run, on average: runs end after a document whose id hashes to a multiple
/// of it (or at four times it), so where runs end does not move when a document is added,
/// changed or removed elsewhere, and a build analyses only the runs that changed.
pub(super) const RUN: usize = 256;

/// The runs of `docs` (see `RUN`).
pub(super) fn runs(docs: &[Doc]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, doc) in docs.iter().enumerate() {
        let end = i + 1;
        if xxhash_rust::xxh3::xxh3_64(doc.id.as_bytes()).is_multiple_of(RUN as u64) || end - start >= 4 * RUN {
            out.push(start..end);
            start = end;
        }
    }
    if start < docs.len() {
        out.push(start..docs.len());
    }
    out
}

/// Analysed runs kept between builds in a folder (`.hindsight-cache/build/search/`), one
/// file per run named by a hash of its documents' texts and of the binary.
pub struct RunCache {
    pub dir: std::path::PathBuf,
}

impl RunCache {
    fn name(docs: &[Doc]) -> String {
        let mut k = crate::output::Key::default();
        k.num(crate::fingerprint::source());
        for doc in docs {
            k.str(&doc.id).str(&doc.title).str(&doc.summary).str(doc.markdown());
        }
        format!("{:032x}.run", k.finish())
    }

    /// The run's analysis: from the cache, else made (and kept for the next build; a cache
    /// that cannot be written only costs that build time).
    pub(super) fn part(&self, docs: &[Doc], make: impl FnOnce() -> Part) -> (String, Part) {
        let name = Self::name(docs);
        let path = self.dir.join(&name);
        if let Some(part) = std::fs::read(&path).ok().and_then(|b| Part::from_bytes(&b)) {
            return (name, part);
        }
        let part = make();
        let _ = std::fs::create_dir_all(&self.dir).and_then(|()| {
            let mut temp = tempfile::NamedTempFile::new_in(&self.dir)?;
            std::io::Write::write_all(&mut temp, &part.to_bytes())?;
            temp.persist(&path).map_err(|e| e.error)?;
            Ok(())
        });
        (name, part)
    }

    /// Removes the runs this build did not use.
    pub(super) fn keep_only(&self, used: &[String]) {
        let used: rustc_hash::FxHashSet<&str> = used.iter().map(String::as_str).collect();
        for entry in std::fs::read_dir(&self.dir).into_iter().flatten().flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.ends_with(".run") && !used.contains(&*name) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

thread_local! {
    /// Word -> stem, kept by each worker across the runs it analyses: a run is small, and
    /// an archive's runs share most of their words.
    static STEMS: std::cell::RefCell<FxHashMap<Arc<str>, Arc<str>>> = Default::default();
}

pub(super) fn cached_stem(word: &Arc<str>) -> Arc<str> {
    STEMS.with_borrow_mut(|stems| stems.entry(word.clone()).or_insert_with(|| stem_of(word).into()).clone())
}

/// Splits and stems as the tantivy index does, with each word's stem cached (archives
/// repeat their words), which makes the stemmer nearly free.
pub(super) struct Analyzer {
    pub(super) tokenizer: TextAnalyzer,
    /// Word -> local stem number.
    pub(super) words: FxHashMap<Arc<str>, u32>,
    pub(super) stems: FxHashMap<Arc<str>, u32>,
    /// (stem, field, position) of the document being read.
    pub(super) tokens: Vec<(u32, u8, u32)>,
    pub(super) part: Part,
}

impl Analyzer {
    pub(super) fn new() -> Analyzer {
        let tokenizer = TokenizerManager::default().get("default").expect("tantivy registers `default` by default");
        Analyzer {
            tokenizer,
            words: FxHashMap::default(),
            stems: FxHashMap::default(),
            tokens: Vec::new(),
            part: Part::default(),
        }
    }

    pub(super) fn analyse(&mut self, doc: u32, texts: [&str; 3]) {
        let Analyzer { tokenizer, words, stems, tokens, part } = self;
        tokens.clear();
        let mut lengths = [0u32; 3];
        for (f, text) in texts.iter().enumerate() {
            let mut stream = tokenizer.token_stream(text);
            while stream.advance() {
                let token = stream.token();
                let id = match words.get(token.text.as_str()) {
                    Some(id) => *id,
                    None => {
                        let word: Arc<str> = token.text.as_str().into();
                        let stem = cached_stem(&word);
                        let id = *stems.entry(stem.clone()).or_insert_with(|| {
                            part.stems.push(stem);
                            part.postings.push(Postings::default());
                            part.stems.len() as u32 - 1
                        });
                        words.insert(word.clone(), id);
                        part.words.push(word);
                        id
                    }
                };
                tokens.push((id, f as u8, token.position as u32));
                lengths[f] += 1;
            }
        }
        for (total, length) in part.totals.iter_mut().zip(lengths) {
            *total += u64::from(length);
        }
        let norm = lengths.map(FieldNormReader::fieldnorm_to_id);
        part.max_norm = part.max_norm.max(norm.into_iter().max().unwrap_or(0));
        tokens.sort_unstable();
        // Per document: the gap from the last, a mask of the fields the stem occurs in,
        // then per field its frequency and field-norm id; the positions apart, as gaps.
        for group in tokens.chunk_by(|a, b| a.0 == b.0) {
            let p = &mut part.postings[group[0].0 as usize];
            if p.post.is_empty() {
                p.first = doc;
            } else {
                push_varint(&mut p.post, u64::from(doc - p.last));
            }
            p.last = doc;
            let fields = group.chunk_by(|a, b| a.1 == b.1);
            push_varint(&mut p.post, fields.clone().fold(0, |mask, f| mask | 1 << f[0].1));
            for field in fields {
                push_varint(&mut p.post, field.len() as u64);
                push_varint(&mut p.post, u64::from(norm[field[0].1 as usize]));
                let mut previous = 0;
                for t in field {
                    push_varint(&mut p.pos, u64::from(t.2 - previous));
                    previous = t.2;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_comes_back_from_its_bytes_and_cut_bytes_are_refused() {
        let mut a = Analyzer::new();
        a.analyse(0, ["Failovers failed", "a summary", "the failover failing"]);
        a.analyse(3, ["Disk full", "", "the disk filled up"]);
        let bytes = a.part.to_bytes();
        let back = Part::from_bytes(&bytes).unwrap();
        assert_eq!(back.to_bytes(), bytes);
        assert_eq!(back.stems, a.part.stems);
        assert_eq!((back.totals, back.max_norm), (a.part.totals, a.part.max_norm));
        for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
            assert!(Part::from_bytes(&bytes[..cut]).is_none(), "{cut}");
        }
        assert!(Part::from_bytes(&[bytes.as_slice(), b"x"].concat()).is_none());
    }
}
