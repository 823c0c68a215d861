//! End-to-end tests of the `blastradius` binary: one test binary, one module
//! per command or concern, snapshots with insta.

mod audit_offline;
mod aws_gaad;
#[cfg(feature = "live")]
mod aws_live;
mod aws_simulate;
mod baseline;
mod checklist;
mod errors;
mod github_fixture;
#[cfg(feature = "live")]
mod github_live;
mod github_offline;
#[cfg(feature = "live")]
mod railway_live;
// The fake Railway API of the provider's own tests, shared by the live tests.
#[cfg(feature = "live")]
#[path = "../../providers/railway/tests/support/mod.rs"]
mod railway_fake;
mod scan;
mod secrets;
mod support;
#[cfg(feature = "live")]
mod workflow;
