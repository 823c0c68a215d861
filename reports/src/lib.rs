//! The report model shared by the providers, the rating and the renderers.
//!
//! Data flows one way: a provider turns what it collected into an
//! [`Assessment`] (what the credential reaches, unrated); the rating in the
//! binary turns each [`Reach`] into a rated [`Capability`] and picks the
//! [`WorstCase`]; the renderers consume the finished [`Report`].

pub mod actions;
pub mod diff;
pub mod model;
pub mod render;
pub mod secret;

pub use actions::ActionList;
pub use diff::{
    diff, load_baseline, parse_baseline, BaselineError, CapabilityChange, CapabilityRatingChange,
    Changes, CredentialRef, CredentialState, FindingChange, RatingChange, WorstCaseChange,
};
pub use model::*;
pub use secret::Secret;
