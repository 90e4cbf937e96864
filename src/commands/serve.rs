//! `hindsight serve`: takes the port, opens the workspace with Git history, and hands both
//! to the preview server (`server`), which reloads the workspace on every save.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::privacy::Audience;
use crate::server;
use crate::workspace::{self, Workspace};

/// Serve the archive locally, rebuilding and reloading the browser on every save.
#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on; loopback by default so the preview is not on the network.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 1111)]
    pub port: u16,
    /// Include drafts (the default in serve; --drafts=false to leave them out).
    #[arg(long, default_value_t = true, num_args = 0..=1, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub drafts: bool,
    /// Serve the public archive (see build --public).
    #[arg(long)]
    pub public: bool,
    /// Read `git` sources as last fetched instead of fetching them (see build --offline).
    #[arg(long)]
    pub offline: bool,
}

/// Serves until stopped.
pub fn run(shown_root: &Path, opts: Args) -> Result<u8> {
    let started = Instant::now();
    let (listener, url) = server::bind(&opts.bind, opts.port)?;
    let ip = listener.local_addr()?.ip();
    if !ip.is_loopback() {
        let what = match (opts.public, opts.drafts) {
            (true, false) => "the public archive",
            (true, true) => "the public archive and its drafts",
            (false, _) => "every internal postmortem and, through /api/search, the full text of drafts too",
        };
        let reach = if ip.is_unspecified() { "every network this machine is on" } else { "the network" };
        eprintln!(
            "warning: listening on {ip}, reachable from {reach}: anyone who can connect can read {what}; use --bind 127.0.0.1 (the default) to keep it on this machine"
        );
    }
    let root = shown_root
        .canonicalize()
        .with_context(|| format!("cannot open the archive folder {}", shown_root.display()))?;
    let audience = Audience::of_public_flag(opts.public);
    // With the build cache, as `build` reads it: a second start reads only changed files.
    let fetch = crate::ingest::sources::Fetch::of_offline_flag(opts.offline);
    let options = workspace::Options { audience, history: true, cache: true, fetch, ..Default::default() };
    let mut ws = Workspace::open(&root, options)?;
    // Pages served locally link under the local address, not the deployed one.
    ws.set_base_url(url.clone());
    let server_opts = server::Options {
        root,
        shown_root: shown_root.to_path_buf(),
        url,
        bind: opts.bind,
        drafts: opts.drafts,
        public: opts.public,
        started,
    };
    server::run(listener, ws, server_opts)?;
    Ok(0)
}
