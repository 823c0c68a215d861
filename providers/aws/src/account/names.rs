//! Action names interned once per account assessment, and the lists made of
//! them interned too: thousands of principals reach the same few hundred
//! lists (every destroy action of an admin role, say), so each list is held
//! once and equal lists are the same [`ActionList`].

use std::sync::{Mutex, PoisonError};

use blastradius_report::ActionList;

use crate::fasthash::FastMap;

pub struct Names {
    /// Id -> name. The ids of `Names::new`'s names follow their byte order
    /// (ordering by id is ordering by name); names added later come after.
    names: Vec<String>,
    weights: Vec<u32>,
    index: FastMap<String, u32>,
    /// Locked, so that threads intern lists at once: whichever thread
    /// makes a list first, equal lists are one list all the same.
    lists: Mutex<FastMap<Box<[u32]>, ActionList>>,
}

impl Names {
    /// `names`: every name known up front, in any order and repeated at
    /// will; `weight`: its harm weight, asked once per distinct name.
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>, weight: impl Fn(&str) -> u32) -> Self {
        let distinct: crate::fasthash::FastSet<&str> = names.into_iter().collect();
        let mut all: Vec<&str> = distinct.into_iter().collect();
        all.sort_unstable();
        let mut n = Names {
            names: Vec::with_capacity(all.len()),
            weights: Vec::with_capacity(all.len()),
            index: FastMap::default(),
            lists: Mutex::default(),
        };
        for name in all {
            n.push(name, weight(name));
        }
        n
    }

    fn push(&mut self, name: &str, weight: u32) -> u32 {
        let id = self.names.len() as u32;
        self.names.push(name.to_string());
        self.weights.push(weight);
        self.index.insert(name.to_string(), id);
        id
    }

    /// The id of a name, added (weight 0) when new.
    pub fn id(&mut self, name: &str) -> u32 {
        match self.index.get(name) {
            Some(&id) => id,
            None => self.push(name, 0),
        }
    }

    /// How many names there are.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn weight(&self, id: u32) -> u32 {
        self.weights.get(id as usize).copied().unwrap_or(0)
    }

    /// The shared list of these ids, in this order.
    pub fn list(&self, ids: &[u32]) -> ActionList {
        // A thread that panicked holding the lock left the map whole (it
        // is only read, or given a finished list): it can be used.
        let mut lists = self.lists.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(l) = lists.get(ids) {
            return l.clone();
        }
        let l: ActionList = ids
            .iter()
            .map(|&i| self.names.get(i as usize).cloned().unwrap_or_default())
            .collect();
        lists.insert(ids.into(), l.clone());
        l
    }

    /// The ids of a list's names, if every one is known already (those of
    /// a list made here are).
    pub fn known(&self, actions: &[String]) -> Option<Vec<u32>> {
        actions
            .iter()
            .map(|a| self.index.get(a.as_str()).copied())
            .collect()
    }

    /// The ids of a list's names (adding unknown ones).
    pub fn ids(&mut self, actions: &[String]) -> Vec<u32> {
        actions.iter().map(|a| self.id(a)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_name_order_and_lists_are_shared() {
        let weights = |a: &str| if a.starts_with("ec2:") { 5 } else { 1 };
        let mut n = Names::new(
            ["s3:GetObject", "ec2:RunInstances", "s3:GetObject"],
            weights,
        );
        assert!(n.id("ec2:RunInstances") < n.id("s3:GetObject"));
        let ec2 = n.id("ec2:RunInstances");
        assert_eq!(n.weight(ec2), 5);
        let late = n.id("zz:Late");
        assert_eq!(n.weight(late), 0);
        let a = n.list(&[1, 0]);
        let ids = n.ids(&["s3:GetObject".to_string(), "ec2:RunInstances".to_string()]);
        let b = n.list(&ids);
        assert!(a.ptr_eq(&b));
        assert_eq!(a, ["s3:GetObject", "ec2:RunInstances"]);
    }
}
