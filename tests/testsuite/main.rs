//! End-to-end tests: the real binary on fixture sites copied to temporary directories.

mod bad_input;
mod browser;
mod cache;
mod canaries;
mod check;
mod diff;
mod digest;
mod exports;
mod factors;
mod good_site;
mod import;
pub mod insights;
mod kill;
mod listings;
mod nothing_lost;
mod parity;
mod public;
mod reading;
mod schema;
mod search;
mod serve;
mod shell;
mod site;
pub mod sources;
mod terminal;
mod tools;
mod tracker;
