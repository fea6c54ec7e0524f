//! Every structural problem of a profile in one pass.
//!
//! serde stops at the first key or value that does not fit the types. To find the others, the
//! YAML value tree is patched past each problem and deserialized again: an unknown key is
//! removed; a value of the wrong type or outside its allowed set (or a required key that is
//! missing) is replaced by a stand-in that fits, tried from a short list. Problems a stand-in
//! causes (a missing key where a bad value was removed) are not reported: each problem is
//! the user's own, with the message and position serde gives the first.

use serde_yaml::Value;

/// Most passes over one file: enough for a file with every key wrong, and a bound on the
/// work a hostile file can ask for (each pass re-reads the document).
pub(super) const MAX_PASSES: usize = 200;

/// Most bytes of patched YAML re-read for one file, over all passes: 200 passes of a
/// typical profile, a few of a file at the 4 MiB cap, so a file full of problems costs
/// about a second, not minutes.
pub(super) const REREAD_BYTES: usize = 16 << 20;

/// The node at a serde_yaml path (`workloads[0].request`), and its parent's: walked against
/// the tree, so a key that holds a `.` (`quotas.lambda.concurrent_executions`) is found too.
fn node<'v>(v: &'v mut Value, path: &str) -> Option<&'v mut Value> {
    let path = path.strip_prefix('.').unwrap_or(path);
    if path.is_empty() {
        return Some(v);
    }
    match untag(v) {
        Value::Sequence(items) => {
            let rest = path.strip_prefix('[')?;
            let end = rest.find(']')?;
            let i: usize = rest[..end].parse().ok()?;
            node(items.get_mut(i)?, &rest[end + 1..])
        }
        Value::Mapping(m) => {
            // The longest key the path starts with, followed by the path's end, `.` or `[`.
            let key = m
                .keys()
                .filter_map(Value::as_str)
                .filter(|k| {
                    path.strip_prefix(k)
                        .is_some_and(|r| r.is_empty() || r.starts_with(['.', '[']))
                })
                .max_by_key(|k| k.len())?
                .to_string();
            node(m.get_mut(key.as_str())?, &path[key.len()..])
        }
        _ => None,
    }
}

/// A tagged node's value (`!tag x` -> `x`).
fn untag(v: &mut Value) -> &mut Value {
    match v {
        Value::Tagged(t) => untag(&mut t.value),
        other => other,
    }
}

/// Split `path` at its last step: (parent, key) for a mapping key, (parent, index) for an item.
/// Tries each `.` from the right, so the parent is a node that exists in the tree.
fn last_step<'p>(root: &mut Value, path: &'p str) -> Option<(&'p str, Result<&'p str, usize>)> {
    if let Some(head) = path.strip_suffix(']') {
        let open = head.rfind('[')?;
        return Some((&path[..open], Err(head[open + 1..].parse().ok()?)));
    }
    let mut cut = path.len();
    while let Some(i) = path[..cut].rfind('.') {
        if node(root, &path[..i]).is_some_and(|v| matches!(untag(v), Value::Mapping(_))) {
            return Some((&path[..i], Ok(&path[i + 1..])));
        }
        cut = i;
    }
    Some(("", Ok(path)))
}

/// Remove the key at `path` from its mapping. Whether there was one.
pub(super) fn remove(root: &mut Value, path: &str) -> bool {
    let Some((at, Ok(key))) = last_step(root, path) else {
        return false;
    };
    match node(root, at).map(untag) {
        Some(Value::Mapping(m)) => m.remove(key).is_some(),
        _ => false,
    }
}

/// Set the value at `path`: a mapping key (added when absent) or an existing list item.
pub(super) fn set(root: &mut Value, path: &str, value: Value) -> bool {
    let Some((at, step)) = last_step(root, path) else {
        return false;
    };
    match (node(root, at).map(untag), step) {
        (Some(Value::Mapping(m)), Ok(k)) => {
            m.insert(Value::String(k.to_string()), value);
            true
        }
        (Some(Value::Sequence(items)), Err(i)) if i < items.len() => {
            items[i] = value;
            true
        }
        _ => false,
    }
}

/// Stand-ins tried, in order, for a value that does not fit: none at all (the key's default),
/// the first allowed value, then one of each YAML kind.
fn stand_ins(allowed: &[String]) -> Vec<Option<Value>> {
    let mut out = vec![None];
    out.extend(allowed.first().map(|a| Some(Value::String(a.clone()))));
    out.extend([
        Some(Value::Number(1.into())),
        Some(Value::String("x".into())),
        Some(Value::Bool(false)),
        Some(Value::Mapping(Default::default())),
        Some(Value::Sequence(Vec::new())),
    ]);
    out
}

/// A value planner replaced, and the stand-ins left to try.
struct Patch {
    path: String,
    left: std::collections::VecDeque<Option<Value>>,
    /// Whether an allowed value learned from a stand-in's own error was tried.
    learned: bool,
}

/// Whether `field` is `path` or lies under it.
pub(super) fn covers(path: &str, field: &str) -> bool {
    field == path
        || field
            .strip_prefix(path)
            .is_some_and(|r| r.starts_with('.') || r.starts_with('['))
}

/// What one structural problem asks of the patcher.
pub(super) enum Fix<'a> {
    /// Remove this unknown key.
    Remove(&'a str),
    /// Replace the value here (or supply the missing one); `skip_none`: the key is required,
    /// so leaving it out is no stand-in.
    Replace {
        path: &'a str,
        allowed: &'a [String],
        skip_none: bool,
    },
}

/// The patched tree and the values replaced so far.
pub(super) struct Patcher {
    pub(super) tree: Value,
    patches: Vec<Patch>,
}

impl Patcher {
    pub(super) fn new(tree: Value) -> Self {
        Patcher {
            tree,
            patches: Vec::new(),
        }
    }

    /// The replaced path covering `field`, if any: a problem there is the stand-in's, not
    /// the user's.
    pub(super) fn replaced(&self, field: &str) -> Option<&str> {
        self.patches
            .iter()
            .map(|p| p.path.as_str())
            .find(|p| covers(p, field))
    }

    /// Every replaced path.
    pub(super) fn replaced_paths(&self) -> impl Iterator<Item = &str> {
        self.patches.iter().map(|p| p.path.as_str())
    }

    /// Try the next stand-in for the replaced path `at`, first the value `allowed` names
    /// when the last stand-in's error listed the allowed ones. False when none is left.
    pub(super) fn next_stand_in(&mut self, at: &str, allowed: &[String]) -> bool {
        let Some(i) = self.patches.iter().position(|p| p.path == at) else {
            return false;
        };
        if let Some(a) = allowed.first()
            && !self.patches[i].learned
        {
            self.patches[i].learned = true;
            self.patches[i]
                .left
                .push_front(Some(Value::String(a.clone())));
        }
        loop {
            let Some(candidate) = self.patches[i].left.pop_front() else {
                return false;
            };
            let path = self.patches[i].path.clone();
            let done = match candidate {
                None => remove(&mut self.tree, &path),
                Some(v) => set(&mut self.tree, &path, v),
            };
            if done {
                return true;
            }
        }
    }

    /// Patch past one problem. False when it cannot be (the loop then stops).
    pub(super) fn apply(&mut self, fix: Fix<'_>) -> bool {
        match fix {
            Fix::Remove(path) => remove(&mut self.tree, path),
            Fix::Replace {
                path,
                allowed,
                skip_none,
            } => {
                if path.is_empty() {
                    return false;
                }
                let mut left: std::collections::VecDeque<_> = stand_ins(allowed).into();
                if skip_none {
                    left.pop_front();
                }
                self.patches.push(Patch {
                    path: path.to_string(),
                    left,
                    learned: !allowed.is_empty(),
                });
                self.next_stand_in(path, &[])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_and_sets_nested_values() {
        let mut v: Value = serde_yaml::from_str("a:\n  - b: 1\n    c: 2\n").unwrap();
        assert!(remove(&mut v, "a[0].b"));
        assert!(set(&mut v, "a[0].d", Value::Bool(true)));
        assert!(!remove(&mut v, "a[3].b"));
        let mut q: Value = serde_yaml::from_str("quotas:\n  lambda.x: 1\n").unwrap();
        assert!(set(&mut q, "quotas.lambda.x", Value::Bool(true)));
        assert_eq!(
            serde_yaml::to_string(&q).unwrap(),
            "quotas:\n  lambda.x: true\n"
        );
        assert_eq!(
            serde_yaml::to_string(&v).unwrap(),
            "a:\n- c: 2\n  d: true\n"
        );
    }

    #[test]
    fn covers_paths_below() {
        assert!(covers("a.b", "a.b"));
        assert!(covers("a.b", "a.b.c"));
        assert!(covers("a.b", "a.b[0]"));
        assert!(!covers("a.b", "a.bc"));
    }
}
