//! AWS adapter of blastradius.
//!
//! This step holds the pure parts: the IAM policy language ([`policy`]), the
//! exact evaluator ([`eval`]) following the IAM User Guide's "Policy
//! evaluation logic", and the offline `aws simulate` contract ([`simulate`]).
//! Live collection comes later behind a `live` feature.

pub mod account;
pub mod catalog;
pub mod classify;
pub mod context;
pub mod escalation;
pub mod eval;
mod fasthash;
pub mod gaad;
pub mod heap;
#[cfg(feature = "live")]
pub mod live;
pub mod policy;
pub mod reach;
pub mod simulate;

pub use account::{
    assess_account, assess_account_with, prepare, AccountAssessment, AccountOptions,
    PrincipalAssessment,
};
pub use context::{Context, ContextValue};
pub use eval::{evaluate, Decision, Evaluation, PolicySet, Principal, Request, StatementRef};
pub use gaad::{Gaad, GaadError};
pub use policy::{parse_policy, Effect, Policy, PolicyError, Statement};
pub use simulate::{run, SimulateError, SimulateOutput, SimulateResult};
