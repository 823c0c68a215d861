//! AWS adapter of blastradius.
//!
//! This step holds the pure parts: the IAM policy language ([`policy`]), the
//! exact evaluator ([`eval`]) following the IAM User Guide's "Policy
//! evaluation logic", and the offline `aws simulate` contract ([`simulate`]).
//! Live collection comes later behind a `live` feature.

pub mod context;
pub mod eval;
pub mod policy;
pub mod simulate;

pub use context::{Context, ContextValue};
pub use eval::{evaluate, Decision, Evaluation, PolicySet, Principal, Request, StatementRef};
pub use policy::{parse_policy, Effect, Policy, PolicyError, Statement};
pub use simulate::{run, SimulateError, SimulateOutput, SimulateResult};
