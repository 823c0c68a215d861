//! The pages of `iam:GetAccountAuthorizationDetails`, merged into one JSON
//! document in AWS's own shape: the JSON that `aws iam
//! get-account-authorization-details` prints (field names as in the IAM API
//! reference), so that [`crate::gaad::Gaad::from_json`] reads it and a saved
//! file is interchangeable with one made by the AWS CLI.
//!
//! The SDK's output types do not implement `Serialize`, hence the hand-made
//! mapping. Policy documents stay exactly as AWS sent them (URL-encoded
//! strings); the loader decodes them. Absent optional fields are omitted,
//! as AWS omits them.

use aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsOutput;
use aws_sdk_iam::types::{
    AttachedPermissionsBoundary, AttachedPolicy, GroupDetail, InstanceProfile, ManagedPolicyDetail,
    PolicyDetail, PolicyVersion, Role, RoleDetail, RoleLastUsed, Tag, UserDetail,
};
use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;
use serde_json::{Map, Value};

/// Accumulates pages; [`MergedGaad::into_value`] gives the document.
#[derive(Debug, Default)]
pub(crate) struct MergedGaad {
    users: Vec<Value>,
    groups: Vec<Value>,
    roles: Vec<Value>,
    policies: Vec<Value>,
    /// Managed policies whose `PolicyName` was missing and filled from the ARN.
    pub(crate) filled_policy_names: usize,
}

impl MergedGaad {
    pub(crate) fn add_page(&mut self, page: &GetAccountAuthorizationDetailsOutput) {
        self.users.extend(page.user_detail_list().iter().map(user));
        self.groups
            .extend(page.group_detail_list().iter().map(group));
        self.roles
            .extend(page.role_detail_list().iter().map(role_detail));
        for p in page.policies() {
            let (value, filled) = managed_policy(p);
            self.filled_policy_names += usize::from(filled);
            self.policies.push(value);
        }
    }

    pub(crate) fn counts(&self) -> (usize, usize, usize, usize) {
        (
            self.users.len(),
            self.groups.len(),
            self.roles.len(),
            self.policies.len(),
        )
    }

    /// One complete page: everything merged, `IsTruncated` false, no `Marker`.
    pub(crate) fn into_value(self) -> Value {
        let mut m = Map::new();
        m.insert("UserDetailList".into(), Value::Array(self.users));
        m.insert("GroupDetailList".into(), Value::Array(self.groups));
        m.insert("RoleDetailList".into(), Value::Array(self.roles));
        m.insert("Policies".into(), Value::Array(self.policies));
        m.insert("IsTruncated".into(), Value::Bool(false));
        Value::Object(m)
    }
}

/// Builds one JSON object, skipping absent fields.
struct Obj(Map<String, Value>);

impl Obj {
    fn new() -> Self {
        Obj(Map::new())
    }
    fn s(mut self, key: &str, value: Option<&str>) -> Self {
        if let Some(v) = value {
            self.0.insert(key.into(), Value::String(v.to_string()));
        }
        self
    }
    fn date(mut self, key: &str, value: Option<&DateTime>) -> Self {
        if let Some(v) = value.and_then(date) {
            self.0.insert(key.into(), Value::String(v));
        }
        self
    }
    fn v(mut self, key: &str, value: Option<Value>) -> Self {
        if let Some(v) = value {
            self.0.insert(key.into(), v);
        }
        self
    }
    fn list<T>(self, key: &str, items: &[T], f: impl Fn(&T) -> Value) -> Self {
        self.v(key, Some(Value::Array(items.iter().map(f).collect())))
    }
    fn done(self) -> Value {
        Value::Object(self.0)
    }
}

/// ISO 8601 in UTC, as the IAM API sends it (`2024-01-02T03:04:05Z`).
fn date(d: &DateTime) -> Option<String> {
    d.fmt(Format::DateTime).ok()
}

fn inline(p: &PolicyDetail) -> Value {
    Obj::new()
        .s("PolicyName", p.policy_name())
        .s("PolicyDocument", p.policy_document())
        .done()
}

fn attached(p: &AttachedPolicy) -> Value {
    Obj::new()
        .s("PolicyName", p.policy_name())
        .s("PolicyArn", p.policy_arn())
        .done()
}

fn boundary(b: &AttachedPermissionsBoundary) -> Value {
    Obj::new()
        .s(
            "PermissionsBoundaryType",
            b.permissions_boundary_type().map(|t| t.as_str()),
        )
        .s("PermissionsBoundaryArn", b.permissions_boundary_arn())
        .done()
}

fn tag(t: &Tag) -> Value {
    Obj::new()
        .s("Key", Some(t.key()))
        .s("Value", Some(t.value()))
        .done()
}

fn last_used(r: &RoleLastUsed) -> Value {
    Obj::new()
        .date("LastUsedDate", r.last_used_date())
        .s("Region", r.region())
        .done()
}

fn user(u: &UserDetail) -> Value {
    Obj::new()
        .s("Path", u.path())
        .s("UserName", u.user_name())
        .s("UserId", u.user_id())
        .s("Arn", u.arn())
        .date("CreateDate", u.create_date())
        .list("UserPolicyList", u.user_policy_list(), inline)
        .list("GroupList", u.group_list(), |g| Value::String(g.clone()))
        .list(
            "AttachedManagedPolicies",
            u.attached_managed_policies(),
            attached,
        )
        .v(
            "PermissionsBoundary",
            u.permissions_boundary().map(boundary),
        )
        .list("Tags", u.tags(), tag)
        .done()
}

fn group(g: &GroupDetail) -> Value {
    Obj::new()
        .s("Path", g.path())
        .s("GroupName", g.group_name())
        .s("GroupId", g.group_id())
        .s("Arn", g.arn())
        .date("CreateDate", g.create_date())
        .list("GroupPolicyList", g.group_policy_list(), inline)
        .list(
            "AttachedManagedPolicies",
            g.attached_managed_policies(),
            attached,
        )
        .done()
}

/// A role inside an instance profile (the `Role` type, not `RoleDetail`).
fn role(r: &Role) -> Value {
    Obj::new()
        .s("Path", Some(r.path()))
        .s("RoleName", Some(r.role_name()))
        .s("RoleId", Some(r.role_id()))
        .s("Arn", Some(r.arn()))
        .date("CreateDate", Some(r.create_date()))
        .s("AssumeRolePolicyDocument", r.assume_role_policy_document())
        .s("Description", r.description())
        .v(
            "MaxSessionDuration",
            r.max_session_duration().map(Value::from),
        )
        .v(
            "PermissionsBoundary",
            r.permissions_boundary().map(boundary),
        )
        .done()
}

fn instance_profile(p: &InstanceProfile) -> Value {
    Obj::new()
        .s("Path", Some(p.path()))
        .s("InstanceProfileName", Some(p.instance_profile_name()))
        .s("InstanceProfileId", Some(p.instance_profile_id()))
        .s("Arn", Some(p.arn()))
        .date("CreateDate", Some(p.create_date()))
        .list("Roles", p.roles(), role)
        .done()
}

fn role_detail(r: &RoleDetail) -> Value {
    Obj::new()
        .s("Path", r.path())
        .s("RoleName", r.role_name())
        .s("RoleId", r.role_id())
        .s("Arn", r.arn())
        .date("CreateDate", r.create_date())
        .s("AssumeRolePolicyDocument", r.assume_role_policy_document())
        .list(
            "InstanceProfileList",
            r.instance_profile_list(),
            instance_profile,
        )
        .list("RolePolicyList", r.role_policy_list(), inline)
        .list(
            "AttachedManagedPolicies",
            r.attached_managed_policies(),
            attached,
        )
        .v(
            "PermissionsBoundary",
            r.permissions_boundary().map(boundary),
        )
        .list("Tags", r.tags(), tag)
        .v("RoleLastUsed", r.role_last_used().map(last_used))
        .done()
}

fn version(v: &PolicyVersion) -> Value {
    Obj::new()
        .s("Document", v.document())
        .s("VersionId", v.version_id())
        .v(
            "IsDefaultVersion",
            Some(Value::Bool(v.is_default_version())),
        )
        .date("CreateDate", v.create_date())
        .done()
}

/// The name of a managed policy from its ARN: the last path segment
/// (`arn:aws:iam::123:policy/team/Name` -> `Name`).
pub(crate) fn name_from_arn(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let name = resource.rsplit('/').next()?;
    (!name.is_empty() && resource.starts_with("policy/")).then_some(name)
}

/// The policy, and whether its `PolicyName` had to be filled in: moto omits
/// it in `Policies[]`, and a GAAD without names would make every finding
/// about that policy unreadable.
fn managed_policy(p: &ManagedPolicyDetail) -> (Value, bool) {
    let (name, filled) = match p.policy_name() {
        Some(n) => (Some(n), false),
        None => {
            let n = p.arn().and_then(name_from_arn);
            (n, n.is_some())
        }
    };
    let value = Obj::new()
        .s("PolicyName", name)
        .s("PolicyId", p.policy_id())
        .s("Arn", p.arn())
        .s("Path", p.path())
        .s("DefaultVersionId", p.default_version_id())
        .v("AttachmentCount", p.attachment_count().map(Value::from))
        .v(
            "PermissionsBoundaryUsageCount",
            p.permissions_boundary_usage_count().map(Value::from),
        )
        .v("IsAttachable", Some(Value::Bool(p.is_attachable())))
        .s("Description", p.description())
        .date("CreateDate", p.create_date())
        .date("UpdateDate", p.update_date())
        .list("PolicyVersionList", p.policy_version_list(), version)
        .done();
    (value, filled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_iam::types::PermissionsBoundaryAttachmentType;

    #[test]
    fn names_from_arns() {
        assert_eq!(
            name_from_arn("arn:aws:iam::123456789012:policy/Dba"),
            Some("Dba")
        );
        assert_eq!(
            name_from_arn("arn:aws:iam::aws:policy/team/x/ReadOnly"),
            Some("ReadOnly")
        );
        assert_eq!(name_from_arn("arn:aws:iam::123456789012:role/Dba"), None);
        assert_eq!(name_from_arn("not an arn"), None);
        assert_eq!(name_from_arn("arn:aws:iam::1:policy/"), None);
    }

    #[test]
    fn page_in_aws_shape_is_read_by_the_loader() {
        let doc = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22rds%3ADeleteDBInstance%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
        let arn = "arn:aws:iam::123456789012:policy/Dba";
        let page = GetAccountAuthorizationDetailsOutput::builder()
            .user_detail_list(
                UserDetail::builder()
                    .user_name("alice")
                    .user_id("AIDAEXAMPLE")
                    .path("/")
                    .arn("arn:aws:iam::123456789012:user/alice")
                    .attached_managed_policies(
                        AttachedPolicy::builder()
                            .policy_arn(arn)
                            .policy_name("Dba")
                            .build(),
                    )
                    .permissions_boundary(
                        AttachedPermissionsBoundary::builder()
                            .permissions_boundary_type(PermissionsBoundaryAttachmentType::Policy)
                            .permissions_boundary_arn(arn)
                            .build(),
                    )
                    .build(),
            )
            .policies(
                ManagedPolicyDetail::builder()
                    .arn(arn)
                    .default_version_id("v2")
                    .policy_version_list(
                        PolicyVersion::builder()
                            .version_id("v1")
                            .document("%7B%7D")
                            .is_default_version(false)
                            .build(),
                    )
                    .policy_version_list(
                        PolicyVersion::builder()
                            .version_id("v2")
                            .document(doc)
                            .is_default_version(true)
                            .build(),
                    )
                    .build(),
            )
            .build();
        let mut merged = MergedGaad::default();
        merged.add_page(&page);
        assert_eq!(merged.filled_policy_names, 1);
        let value = merged.into_value();
        assert_eq!(value["Policies"][0]["PolicyName"], "Dba");
        assert_eq!(
            value["UserDetailList"][0]["PermissionsBoundary"]["PermissionsBoundaryType"],
            "PermissionsBoundaryPolicy"
        );
        let text = serde_json::to_string(&value).expect("serialisable");
        let gaad = crate::gaad::Gaad::from_json(&text).expect("loader reads the merged page");
        assert_eq!(gaad.users.len(), 1);
        assert_eq!(gaad.users[0].boundary.as_deref(), Some(arn));
        assert!(gaad.problems.is_empty(), "{:?}", gaad.problems);
    }
}
