//! One module per subcommand. Each asks the workspace for what it needs and says what it
//! did; none wires stages itself. A new command is a module here and a variant in `cli`.

pub mod build;
pub mod check;
pub mod diff;
pub mod digest;
pub mod import;
pub mod init;
pub mod new;
pub mod schema;
pub mod search;
pub mod serve;
