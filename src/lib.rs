//! blastradius: what is the worst thing each reachable credential can do?
//!
//! The binary's library half: discovery, configuration, rating and the run
//! pipeline, so that tests and benchmarks reach them too.

pub mod discover;
