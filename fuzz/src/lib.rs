//! What the fuzz targets share: one archive folder per process with a postmortem file the
//! targets rewrite, read again as `serve` does after a save, and every output of a build
//! made in memory (pages, feeds, JSON, search files, static files).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use hindsight::diagnostics::{self, Diagnostic, Format};
use hindsight::output::Renderer;
use hindsight::privacy::Audience;
use hindsight::workspace::{Assembled, Options, View, Workspace};

/// The file every fuzz input becomes.
pub const FILE: &str = "content/postmortems/fuzz.md";

/// A second, fixed postmortem, so links, related ids and shared terms have something to meet.
const NEIGHBOUR: &str = "---
title: Neighbour outage
date: 2024-03-01
severity: SEV-2
status: reviewed
services: [checkout, dns]
tags: [config-change]
---
## Summary
A neighbour so links between postmortems resolve.
";

pub struct Site {
    dir: tempfile::TempDir,
    workspace: Workspace,
}

impl Site {
    /// Opens the one folder of this process for `audience`.
    pub fn shared(audience: Audience) -> &'static Mutex<Site> {
        static INTERNAL: OnceLock<Mutex<Site>> = OnceLock::new();
        static PUBLIC: OnceLock<Mutex<Site>> = OnceLock::new();
        let cell = if audience == Audience::Public { &PUBLIC } else { &INTERNAL };
        cell.get_or_init(|| Mutex::new(Site::open(audience)))
    }

    fn open(audience: Audience) -> Site {
        let dir = tempfile::Builder::new().prefix("hindsight-fuzz-").tempdir().expect("temp dir");
        let posts = dir.path().join("content/postmortems");
        std::fs::create_dir_all(&posts).expect("content folder");
        std::fs::write(posts.join("neighbour.md"), NEIGHBOUR).expect("neighbour");
        std::fs::write(
            dir.path().join("site.toml"),
            "title = \"Fuzz\"\nbase_url = \"https://pm.example.com/\"\ndefault_visibility = \"public\"\n",
        )
        .expect("site.toml");
        let workspace = Workspace::open(dir.path(), Options { audience, ..Options::default() }).expect("opens");
        Site { dir, workspace }
    }

    /// Makes `bytes` the postmortem file and reads it again.
    pub fn load(&mut self, bytes: &[u8]) {
        std::fs::write(self.dir.path().join(FILE), bytes).expect("write");
        self.workspace.reload(&[PathBuf::from(FILE)]).expect("reload");
    }

    /// The archive as a build or `check` (with `lint`) makes it.
    pub fn assemble(&self, lint: bool) -> Assembled {
        let today = jiff::civil::date(2026, 1, 15);
        self.workspace.archive(&View { drafts: true, lint, today })
    }

    /// Every output file of a build of `archive`: path and bytes.
    pub fn outputs(&self, archive: hindsight::model::Archive) -> Vec<(String, Vec<u8>)> {
        let theme = self.workspace.theme().expect("built-in theme").clone();
        let renderer = Renderer::new(Arc::new(archive), theme, Default::default());
        let mut files: Vec<(String, Vec<u8>)> = renderer
            .pages()
            .into_iter()
            .map(|page| renderer.render(page).map(|(p, html)| (p, html.into_bytes())))
            .collect::<Result<_, _>>()
            .expect("the built-in theme renders every page");
        files.extend(renderer.search_files().iter().map(|(p, t)| (p.clone(), t.as_bytes().to_vec())));
        files
    }
}

/// Prints findings in every format, as `check` would, human ones plain and in colour: the
/// caret and column arithmetic runs on them.
pub fn print_all(diagnostics: &mut [Diagnostic]) {
    for (format, color) in [(Format::Human, false), (Format::Human, true), (Format::Github, false), (Format::Json, false)] {
        let mut out = Vec::new();
        diagnostics::print(&mut out, Path::new("."), diagnostics, format, color).expect("printing to memory");
    }
}
