//! GitHub adapter: collect (live, GET/HEAD only) -> [`export::GithubExport`]
//! -> [`assess::assess`] -> provider-native reach.
//!
//! Everything after collection is pure and synchronous.

pub mod assess;
pub mod export;
pub mod kind;
#[cfg(feature = "live")]
pub mod live;

pub use export::{GithubExport, TokenExport};
pub use kind::TokenKind;
