//! Railway adapter: collect (live, read-only) -> [`export::RailwayExport`]
//! -> [`assess::assess`] -> provider-native reach.
//!
//! Everything after collection is pure and synchronous.

pub mod assess;
pub mod export;
#[cfg(feature = "live")]
pub mod live;

pub use export::{RailwayExport, TokenExport};
