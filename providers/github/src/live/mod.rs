//! Live, read-only collection from GitHub's REST API. (Being written.)
pub mod client;
