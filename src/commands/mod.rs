//! One module per subcommand. Each asks the workspace for what it needs and says what it
//! did; none wires stages itself. A new command is a module here and a variant in `cli`.

pub mod build;
pub mod check;
pub mod new;
pub mod search;
pub mod serve;

use anyhow::{Result, anyhow};
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// `--today`, or today's date in the archive's time zone: the day deadlines, overdue action
/// items and new postmortems' file names are judged by, the same for every command.
pub fn today(given: Option<&str>, zone: TimeZone) -> Result<Date> {
    match given {
        Some(t) => t.parse().map_err(|_| anyhow!("--today must be a date like 2024-03-12, not `{t}`")),
        None => Ok(jiff::Timestamp::now().to_zoned(zone).date()),
    }
}
