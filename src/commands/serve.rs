//! `hindsight serve`: takes the port, opens the workspace with Git history, and hands both
//! to the preview server (`server`), which reloads the workspace on every save.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::privacy::Audience;
use crate::server;
use crate::workspace::{self, Workspace};

pub struct Options {
    pub root: PathBuf,
    pub bind: String,
    pub port: u16,
    pub drafts: bool,
    pub public: bool,
}

pub fn serve(opts: Options) -> Result<()> {
    let started = Instant::now();
    let (listener, url) = server::bind(&opts.bind, opts.port)?;
    let root =
        opts.root.canonicalize().with_context(|| format!("cannot open the archive folder {}", opts.root.display()))?;
    let audience = Audience::of_public_flag(opts.public);
    let mut ws = Workspace::open(&root, workspace::Options { audience, history: true, ..Default::default() })?;
    // Pages served locally link under the local address, not the deployed one.
    ws.set_base_url(url.clone());
    let server_opts =
        server::Options { root, shown_root: opts.root, url, drafts: opts.drafts, public: opts.public, started };
    server::run(listener, ws, server_opts)
}
