//! Reading a task definition's head without building the rest of it, while checking the rest as
//! strictly as building it would. The deferred document is parsed again into a `Value` when it
//! is evaluated; anything that parse would refuse (a number out of range such as `1e999`, a lone
//! surrogate escape, nesting deeper than serde_json's limit) must be refused here, at load,
//! with its place, or the resource would silently evaluate as `null`. The quick check
//! (`location::surely_valid`) does it in one pass where it is sure; `Checked` does it otherwise,
//! with serde_json's error and place.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// The few fields of a task definition needed before it is evaluated.
#[derive(Default)]
pub(super) struct TaskDefinitionHead {
    pub family: Option<Value>,
    pub revision: Option<Value>,
    pub arn: Option<Value>,
    pub tags: Option<Value>,
}

impl<'de> Deserialize<'de> for TaskDefinitionHead {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct HeadVisitor;
        impl<'de> Visitor<'de> for HeadVisitor {
            type Value = TaskDefinitionHead;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a task definition object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut head = TaskDefinitionHead::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    // The last duplicate wins, as in a full parse.
                    match key.as_ref() {
                        "family" => head.family = Some(map.next_value()?),
                        "revision" => head.revision = Some(map.next_value()?),
                        "taskDefinitionArn" => head.arn = Some(map.next_value()?),
                        "tags" => head.tags = Some(map.next_value()?),
                        _ => {
                            map.next_value::<Checked>()?;
                        }
                    }
                }
                Ok(head)
            }
        }
        deserializer.deserialize_map(HeadVisitor)
    }
}

impl TaskDefinitionHead {
    /// The head of the task definition object at `start` (`whole_file`: the text is that
    /// object, white space around it), read after a quick check of the whole object
    /// (`location::surely_valid`) by parsing only the head's own members. `None` when the check
    /// is unsure: then serde_json reads it, giving the exact error if there is one.
    pub fn read_quickly(text: &str, start: usize, whole_file: bool) -> Option<Self> {
        let members = match whole_file {
            true => quick_members(text)?,
            false => object_members(text, start)?.0,
        };
        Self::from_members(text, &members)
    }

    /// The head of a well-formed task definition object whose members are `members` (key, as
    /// written without escapes, and where its value starts). The last duplicate wins, as in a
    /// full parse.
    pub fn from_members<K: AsRef<[u8]>>(text: &str, members: &[(K, usize)]) -> Option<Self> {
        let mut at = [None; 4];
        for (key, value) in members {
            let slot = match key.as_ref() {
                b"family" => 0,
                b"revision" => 1,
                b"taskDefinitionArn" => 2,
                b"tags" => 3,
                _ => continue,
            };
            at[slot] = Some(*value);
        }
        let read = |slot: Option<usize>| match slot {
            None => Some(None),
            Some(value) => {
                let mut deserializer = serde_json::Deserializer::from_str(text.get(value..)?);
                Value::deserialize(&mut deserializer).ok().map(Some)
            }
        };
        Some(TaskDefinitionHead {
            family: read(at[0])?,
            revision: read(at[1])?,
            arn: read(at[2])?,
            tags: read(at[3])?,
        })
    }
}

/// An object's members as the quick check gives them: each key as written, and where its value
/// starts.
pub type RawMembers<'t> = Vec<(&'t [u8], usize)>;

/// The members of a file that is one JSON object, white space around it, when the quick check
/// (`location::surely_valid`) is sure the file is well formed: each key as written (it has no
/// escape) and where its value starts. One pass, where finding members and checking the file
/// took two.
pub fn quick_members(text: &str) -> Option<RawMembers<'_>> {
    let bytes = text.as_bytes();
    let start = bytes.iter().position(|b| !is_ws(*b))?;
    let (members, end) = object_members(text, start)?;
    bytes[end..].iter().all(|b| is_ws(*b)).then_some(members)
}

/// The members of the object at `start`, and where it ends, when the quick check is sure of it.
fn object_members(text: &str, start: usize) -> Option<(RawMembers<'_>, usize)> {
    let bytes = text.as_bytes();
    if bytes.get(start) != Some(&b'{') {
        return None;
    }
    let mut members = Vec::new();
    let end = crate::location::surely_valid(bytes, start, |key, at| members.push((key, at)))?;
    Some((members, end))
}

/// JSON's white space.
fn is_ws(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// Any JSON value, checked as a `Value` parse checks it (numbers in range, escapes decoded,
/// nesting limited) but not built.
pub(crate) struct Checked;

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CheckedVisitor)
    }
}

struct CheckedVisitor;

impl<'de> Visitor<'de> for CheckedVisitor {
    type Value = Checked;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_str<E>(self, _: &str) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_borrowed_str<E>(self, _: &'de str) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_unit<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(Checked)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        while map.next_key::<std::borrow::Cow<'de, str>>()?.is_some() {
            map.next_value::<Checked>()?;
        }
        Ok(Checked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> bool {
        serde_json::from_str::<Checked>(text).is_err()
    }

    #[test]
    fn refuses_what_a_value_parse_refuses() {
        for text in [
            "1e999",
            r#""\ud800""#,
            &format!("{}{}", "[".repeat(200), "]".repeat(200)),
            r#"{"a": -1e400}"#,
        ] {
            assert!(serde_json::from_str::<Value>(text).is_err(), "{text}");
            assert!(refused(text), "{text}");
        }
        for text in [
            r#"{"a": [1, 2.5, "\u00e9", null, true]}"#,
            "1e300",
            r#""\ud83d\ude00""#,
        ] {
            assert!(!refused(text), "{text}");
        }
    }
}
