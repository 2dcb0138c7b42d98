//! Reading a task definition's head without building the rest of it, while checking the rest as
//! strictly as building it would. The deferred document is parsed again into a `Value` when it
//! is evaluated; anything that parse would refuse (a number out of range such as `1e999`, a lone
//! surrogate escape, nesting deeper than serde_json's limit) must be refused here, at load,
//! with its place, or the resource would silently evaluate as `null`.

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
