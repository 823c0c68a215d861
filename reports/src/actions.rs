//! A capability's action names, shared between the credentials that hold
//! the same list.
//!
//! Large AWS accounts have thousands of principals built from a few
//! policies: one that can become an admin role reaches some 2,000 destroy
//! actions, each listed by name (the contract), and so do hundreds of its
//! neighbours. Cloning is a reference count, not 2,000 strings.

use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Concrete provider-native action names, headline first. Immutable: build
/// a new list to change one.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct ActionList(Arc<[String]>);

impl ActionList {
    /// True when both are the same shared list (a cheap equality test).
    pub fn ptr_eq(&self, other: &ActionList) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Deref for ActionList {
    type Target = [String];
    fn deref(&self) -> &[String] {
        &self.0
    }
}

impl std::fmt::Debug for ActionList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}

impl From<Vec<String>> for ActionList {
    fn from(v: Vec<String>) -> Self {
        ActionList(v.into())
    }
}

impl From<&[&str]> for ActionList {
    fn from(v: &[&str]) -> Self {
        v.iter().map(|s| s.to_string()).collect()
    }
}

impl<const N: usize> From<[&str; N]> for ActionList {
    fn from(v: [&str; N]) -> Self {
        v.iter().map(|s| s.to_string()).collect()
    }
}

impl FromIterator<String> for ActionList {
    fn from_iter<I: IntoIterator<Item = String>>(iter: I) -> Self {
        ActionList(iter.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a ActionList {
    type Item = &'a String;
    type IntoIter = std::slice::Iter<'a, String>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<S: AsRef<str>> PartialEq<[S]> for ActionList {
    fn eq(&self, other: &[S]) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a == b.as_ref())
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for ActionList {
    fn eq(&self, other: &[S; N]) -> bool {
        *self == other[..]
    }
}

impl<S: AsRef<str>> PartialEq<Vec<S>> for ActionList {
    fn eq(&self, other: &Vec<S>) -> bool {
        *self == other[..]
    }
}

impl Serialize for ActionList {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for ActionList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<String>::deserialize(d).map(ActionList::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_and_compare_by_content() {
        let a: ActionList = ["s3:DeleteBucket", "s3:DeleteObject"].into();
        let b = a.clone();
        assert!(a.ptr_eq(&b));
        let c: ActionList =
            vec!["s3:DeleteBucket".to_string(), "s3:DeleteObject".to_string()].into();
        assert!(!a.ptr_eq(&c));
        assert_eq!(a, c);
        assert_eq!(a, ["s3:DeleteBucket", "s3:DeleteObject"]);
        assert_eq!(a.first().map(String::as_str), Some("s3:DeleteBucket"));
    }

    #[test]
    fn serialises_as_a_plain_list() {
        let a: ActionList = ["volumeDelete"].into();
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, r#"["volumeDelete"]"#);
        let back: ActionList = serde_json::from_str(&json).unwrap();
        assert_eq!(back, a);
    }
}
