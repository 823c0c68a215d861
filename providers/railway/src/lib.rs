//! Railway adapter: collect (live, read-only) -> [`export::RailwayExport`]
//! -> [`assess`] -> provider-native reach.
//!
//! Everything after collection is pure and synchronous.

pub mod export;

pub use export::{RailwayExport, TokenExport};
