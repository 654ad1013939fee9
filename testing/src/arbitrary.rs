//! Property-test inputs shared by the functions' `tests/properties.rs`: arbitrary JSON built
//! from the words an event parser looks for, and the samples under `events/` with some of their
//! values replaced or removed. `PROPTEST_CASES` sets how many cases each property runs.

use proptest::prelude::*;
use serde_json::{Value, json};

/// Any JSON value, nested a few levels, whose object keys and strings are often `words`: the
/// field names and values a parser checks, so the cases reach past its first test.
pub fn json(words: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        ".{0,40}".prop_map(Value::String),
        prop::sample::select(words).prop_map(|w| json!(w)),
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        let key = prop_oneof![
            3 => prop::sample::select(words).prop_map(str::to_owned),
            1 => ".{0,12}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// One of `samples` with one to three of its values (at any depth) replaced by arbitrary JSON,
/// or removed.
pub fn mutated(
    samples: Vec<Value>,
    words: &'static [&'static str],
) -> impl Strategy<Value = Value> {
    let edit = (any::<prop::sample::Index>(), prop::option::of(json(words)));
    (
        prop::sample::select(samples),
        prop::collection::vec(edit, 1..4),
    )
        .prop_map(|(mut sample, edits)| {
            for (at, replacement) in edits {
                let mut pointers = Vec::new();
                pointers_of(&sample, String::new(), &mut pointers);
                let pointer = pointers[at.index(pointers.len())].clone();
                edit_at(&mut sample, &pointer, replacement);
            }
            sample
        })
}

/// Every JSON pointer in `value`, the root ("") included.
fn pointers_of(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let escaped = k.replace('~', "~0").replace('/', "~1");
                pointers_of(v, format!("{at}/{escaped}"), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointers_of(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

fn edit_at(root: &mut Value, pointer: &str, replacement: Option<Value>) {
    match replacement {
        Some(v) => {
            if let Some(slot) = root.pointer_mut(pointer) {
                *slot = v;
            }
        }
        None => {
            let Some((parent, last)) = pointer.rsplit_once('/') else {
                *root = Value::Null;
                return;
            };
            let key = last.replace("~1", "/").replace("~0", "~");
            match root.pointer_mut(parent) {
                Some(Value::Object(map)) => {
                    map.remove(&key);
                }
                Some(Value::Array(items)) => {
                    if let Ok(i) = key.parse::<usize>()
                        && i < items.len()
                    {
                        items.remove(i);
                    }
                }
                _ => {}
            }
        }
    }
}

/// The samples under `events/<function>/`, parsed.
pub fn samples(function: &str) -> Vec<Value> {
    crate::read_samples(function).into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_reach_every_value_and_edits_apply() {
        let mut v = json!({"a": {"b/c": [1, 2]}, "d": null});
        let mut pointers = Vec::new();
        pointers_of(&v, String::new(), &mut pointers);
        assert!(pointers.contains(&"/a/b~1c/1".to_owned()), "{pointers:?}");
        edit_at(&mut v, "/a/b~1c/0", None);
        edit_at(&mut v, "/d", Some(json!("x")));
        assert_eq!(v, json!({"a": {"b/c": [2]}, "d": "x"}));
    }
}
