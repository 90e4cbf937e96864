//! The static search index for the deployed site (filled in by the next step).
