//! GitHub adapter: collect (live, GET/HEAD only) -> [`export::GithubExport`]
//! -> [`assess::assess`] -> provider-native reach.
//!
//! Everything after collection is pure and synchronous.
//!
//! What collection reads (GET/HEAD only, [`live::client`]):
//! - `GET /user` (status, `X-OAuth-Scopes`, expiry header), `/user/repos`
//!   and `/user/memberships/orgs` for user tokens; `/installation/repositories`
//!   for `ghs_`; `/user/installations` and `/user/installations/{id}/repositories`
//!   for `ghu_` (the installation's permissions, capped by the user's role);
//! - the default branch's active rules of every repository the user may push
//!   to, classic protection (`.../branches/{branch}/protection`) where the
//!   user is admin, and `/repos/{o}/{r}/rulesets` (`current_user_can_bypass`)
//!   where a rule stands in the way;
//! - permission probes (GETs that need write access) for `github_pat_` and `ghs_`.
//!
//! Assessment ([`assess::assess_at`]) takes "now" as an argument: an export
//! read after its token's expiry is `expired` and reaches nothing.

pub mod assess;
pub mod export;
pub mod kind;
#[cfg(feature = "live")]
pub mod live;

pub use export::{GithubExport, TokenExport};
pub use kind::TokenKind;
