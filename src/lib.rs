//! blastradius: what is the worst thing each reachable credential can do?
//!
//! The binary's library half: configuration, discovery, the run pipeline and
//! the rating, so that tests and benchmarks reach them too. Data flows one
//! way: settings -> credentials -> provider data -> assessment -> rating ->
//! report -> renderer.

pub mod audit;
pub mod checklist;
pub mod cli;
pub mod config;
pub mod credentials;
pub mod declared;
pub mod discover;
pub mod listing;
pub mod progress;
pub mod rating;
pub mod settings;
