//! Rules that judge an array element by element (`$.containerDefinitions[?...].image`): what
//! one element selects depends on that element alone, so an undecided value inside it is tried
//! on that element, not on the whole document. A template's task definition has an undecided
//! image per container (`${AWS::AccountId}.dkr.ecr...`), each tried with several values.

use super::catalog::{ParamValue, Rule, RuleFile};
use super::eval::{Decision, Met, check_requirements, matches};
use super::query_check::{name_end, roots_read, skip_string};
use super::rule_file::substitute;
use super::undecided::Tried;
use crate::location::Step;
use crate::model::link::Links;
use crate::model::unknown::{Unknown, pointer_mut, replace, restore};
use crate::model::{Estate, ResourceKind};
use jsonpath_rfc9535::JsonPath;
use serde_json::Value;
use std::collections::BTreeMap;

/// A rule's query split where it starts judging elements.
#[derive(Debug, Clone)]
pub struct PerElement {
    /// The path of the array: member names (`containerDefinitions`).
    array: Vec<Step>,
    /// The rest of the query from the array's selector on, run on a one-element array.
    element_query: JsonPath,
    /// The root members the rule's other queries (requirements, `applies_if`, `when`) read.
    others_read: Vec<String>,
}

impl PerElement {
    /// How the rule of `file` judges element by element (see [`PerElement::of`]), if it does.
    pub(super) fn of_rule(
        file: &RuleFile,
        params: &BTreeMap<String, ParamValue>,
    ) -> Option<PerElement> {
        let query = substitute(file.query.as_ref()?.get_ref(), params).ok()?;
        let others = [&file.applies_if, &file.when].into_iter().flatten();
        let others = others.map(|q| q.get_ref());
        let others = others.chain(file.requires.iter().chain(&file.pass_requires));
        let others: Vec<String> = others
            .map(|text| substitute(text.trim_start_matches('!'), params).ok())
            .collect::<Option<_>>()?;
        PerElement::of(&query, others.iter().map(String::as_str))
    }

    /// The split of `query` (the rule's check, parameters substituted) when it has the form
    /// `$.a.b[*]...` or `$.a.b[?...]...` and reads nothing outside the element after the
    /// array (no `$` in the rest), and `others` (the rule's other queries) read members of the
    /// root by name only.
    pub fn of<'q>(query: &str, others: impl IntoIterator<Item = &'q str>) -> Option<PerElement> {
        let bytes = query.as_bytes();
        let mut array = Vec::new();
        let mut i = 1;
        if bytes.first() != Some(&b'$') {
            return None;
        }
        while bytes.get(i) == Some(&b'.') {
            let end = name_end(bytes, i + 1);
            let name = &query[i + 1..end];
            if name.is_empty() || name.as_bytes()[0].is_ascii_digit() {
                return None;
            }
            array.push(Step::Key(name.to_string()));
            i = end;
        }
        let rest = &query[i..];
        let judges_each = rest.starts_with("[*]") || rest.starts_with("[?");
        if array.is_empty() || !judges_each || reads_root(rest) {
            return None;
        }
        let element_query = JsonPath::parse(&format!("${rest}")).ok()?;
        let mut others_read = Vec::new();
        for other in others {
            others_read.extend(roots_read(other)?);
        }
        Some(PerElement {
            array,
            element_query,
            others_read,
        })
    }

    /// The element of the array that `path` is in, and the path within it.
    fn within<'p>(&self, path: &'p [Step]) -> Option<(usize, &'p [Step])> {
        match path.strip_prefix(self.array.as_slice())? {
            [Step::Index(element), rest @ ..] => Some((*element, rest)),
            _ => None,
        }
    }

    /// The element `path` is inside of (not the element itself: removing one would move the
    /// others), when the rule's other queries cannot read what is there.
    fn element_of(&self, kind: ResourceKind, path: &[Step]) -> Option<usize> {
        let (element, rest) = self.within(path)?;
        let read_by_others = self.others_read.iter().any(|root| match root.as_str() {
            "_facts" => crate::model::vocabulary::facts_may_read(kind, path),
            root => matches!(&self.array[0], Step::Key(first) if first == root),
        });
        (!rest.is_empty() && !read_by_others).then_some(element)
    }

    /// What the rule selects in element `element` of `doc`'s array, by path within it, sorted.
    fn selected(&self, doc: &mut Value, element: usize) -> Vec<Vec<Step>> {
        let Some(Value::Array(items)) = pointer_mut(doc, &self.array) else {
            return Vec::new();
        };
        let Some(item) = items.get_mut(element) else {
            return Vec::new();
        };
        let alone = Value::Array(vec![std::mem::take(item)]);
        // Paths from the one-element array: the element's index first.
        let mut selected: Vec<Vec<Step>> = matches(&self.element_query, &alone)
            .into_iter()
            .map(|(mut steps, _)| {
                steps.remove(0);
                steps
            })
            .collect();
        selected.sort();
        if let Value::Array(mut alone) = alone
            && let Some(taken) = alone.pop()
        {
            *item = taken;
        }
        selected
    }
}

/// Whether a query's text reads the document's root (`$`), outside its string literals.
fn reads_root(query: &str) -> bool {
    let bytes = query.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => i = skip_string(bytes, i),
            b'$' => return true,
            _ => i += 1,
        }
    }
    false
}

/// Tells whether values tried change what a rule decides, when the rule judges element by
/// element and every undecided value is inside an element: on the elements holding the values
/// alone, against what each selects in the base decision.
pub(super) struct ElementJudge<'d> {
    split: &'d PerElement,
    /// Whether the check runs at all: the other queries read none of the values, so when they
    /// keep it from running every value tried decides the same.
    judged: bool,
    /// Each undecided value's element.
    elements: Vec<(&'d Unknown, usize)>,
    /// What each of those elements selects with the base values.
    at_base: Vec<(usize, Vec<&'d [Step]>)>,
}

impl<'d> ElementJudge<'d> {
    /// The judge for `rule` on `work` (holding the base values, whose decision is
    /// `base_decision`), when the rule can be judged so.
    pub(super) fn new(
        rule: &'d Rule,
        (estate, resource): (&Estate, usize),
        work: &Value,
        links: &Links,
        unknowns: &[&'d Unknown],
        base_decision: &'d Decision,
    ) -> Option<ElementJudge<'d>> {
        let split = rule.per_element.as_ref()?;
        let kind = estate.resources[resource].kind;
        let elements: Vec<(&Unknown, usize)> = unknowns
            .iter()
            .map(|&unknown| Some((unknown, split.element_of(kind, &unknown.path)?)))
            .collect::<Option<_>>()?;
        let judged = matches!(
            check_requirements(&rule.requires, estate, resource, work, links),
            Met::Yes
        ) && [&rule.applies_if, &rule.when]
            .into_iter()
            .flatten()
            .all(|query| !query.query_values(work).is_empty());
        // The base decision's violations in each element, by path within it.
        let mut at_base: Vec<(usize, Vec<&[Step]>)> = Vec::new();
        for &(_, element) in &elements {
            if at_base.iter().any(|(seen, _)| *seen == element) {
                continue;
            }
            let mut selected: Vec<&[Step]> = (base_decision.violations.iter())
                .filter_map(|path| split.within(path))
                .filter_map(|(at, within)| (at == element).then_some(within))
                .collect();
            selected.sort();
            at_base.push((element, selected));
        }
        Some(ElementJudge {
            split,
            judged,
            elements,
            at_base,
        })
    }

    /// Whether some element holds two undecided values or more. When none does, values tried
    /// together change an element only as its own value tried alone does: trying them together
    /// after each alone decided nothing new tells nothing new.
    pub(super) fn values_meet(&self) -> bool {
        let mut seen: Vec<usize> = Vec::with_capacity(self.elements.len());
        for &(_, element) in &self.elements {
            if seen.contains(&element) {
                return true;
            }
            seen.push(element);
        }
        false
    }

    /// The base decision's violations in the elements that hold no undecided value: the same
    /// whatever the values are.
    pub(super) fn certain(&self, base_decision: &Decision) -> Vec<Vec<Step>> {
        let holds_unknown = |element: usize| self.elements.iter().any(|(_, e)| *e == element);
        (base_decision.violations.iter())
            .filter(|path| {
                let element = self.split.within(path).map(|(element, _)| element);
                self.judged && element.is_some_and(|element| !holds_unknown(element))
            })
            .cloned()
            .collect()
    }

    /// Whether `values` in place of the base values make an element they are in select other
    /// nodes than it did. `work` is left as it was found.
    pub(super) fn differs(&self, work: &mut Value, values: &Tried<'_>) -> bool {
        if !self.judged {
            return false;
        }
        // Backwards, so removing a list element does not move the earlier ones' paths.
        let slots: Vec<_> = values
            .iter()
            .rev()
            .filter_map(|(unknown, value)| replace(work, &unknown.path, value.clone()))
            .collect();
        let mut checked: Vec<usize> = Vec::new();
        let mut differs = false;
        for (unknown, _) in values {
            let element = self
                .elements
                .iter()
                .find(|(held, _)| std::ptr::eq(*held, *unknown))
                .map(|&(_, element)| element);
            let Some(element) = element.filter(|e| !checked.contains(e)) else {
                continue;
            };
            checked.push(element);
            let at_base = self.at_base.iter().find(|(seen, _)| *seen == element);
            let at_base = at_base.map_or(&[][..], |(_, selected)| selected.as_slice());
            let selected = self.split.selected(work, element);
            if !selected
                .iter()
                .map(Vec::as_slice)
                .eq(at_base.iter().copied())
            {
                differs = true;
                break;
            }
        }
        for slot in slots.into_iter().rev() {
            restore(work, slot);
        }
        differs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn array_of(query: &str, others: &[&str]) -> Option<Vec<String>> {
        let split = PerElement::of(query, others.iter().copied())?;
        let names = split.array.iter().map(|step| match step {
            Step::Key(name) => name.clone(),
            Step::Index(i) => i.to_string(),
        });
        Some(names.collect())
    }

    #[test]
    fn queries_that_judge_each_element_alone_are_split_after_the_array() {
        let containers = Some(vec!["containerDefinitions".to_string()]);
        let image = "$.containerDefinitions[?!search(@.image, '@sha256:')].image";
        assert_eq!(array_of(image, &[]), containers);
        // A `$` inside a string literal is not the root.
        let named = "$.containerDefinitions[*].environment[?match(@.name, '[$]X')]";
        assert_eq!(array_of(named, &["$.networkMode == 'host'"]), containers);
        let nested = "$.a.b[*].c";
        assert_eq!(array_of(nested, &[]), Some(vec!["a".into(), "b".into()]));
        // The filter reads the root, the selector is one element, there is no array, or another
        // query reads the root some way this scan does not follow.
        assert_eq!(
            array_of("$.containerDefinitions[?!@.memory && !$.memory]", &[]),
            None
        );
        assert_eq!(array_of("$.containerDefinitions[0].image", &[]), None);
        assert_eq!(array_of("$.networkMode", &[]), None);
        assert_eq!(array_of("$[?@.x]", &[]), None);
        assert_eq!(array_of(image, &["$..image"]), None);
    }

    #[test]
    fn values_are_tried_by_element_only_below_an_element_the_other_queries_do_not_read() {
        let split = |others: &[&str]| PerElement::of("$.items[*].x", others.iter().copied());
        let path = |steps: &[Step]| steps.to_vec();
        let below = path(&[
            Step::Key("items".into()),
            Step::Index(2),
            Step::Key("x".into()),
        ]);
        let element = path(&[Step::Key("items".into()), Step::Index(2)]);
        let kind = ResourceKind::TaskDefinition;
        let alone = split(&[]).unwrap();
        assert_eq!(alone.element_of(kind, &below), Some(2));
        // Removing a whole element would move the others.
        assert_eq!(alone.element_of(kind, &element), None);
        let read_whole = split(&["$.items[?@.y]"]).unwrap();
        assert_eq!(read_whole.element_of(kind, &below), None);
    }

    #[test]
    fn the_builtin_rules_on_each_container_are_split() {
        let rules = super::super::catalog::builtin(&BTreeMap::new()).unwrap();
        let split: Vec<&str> = rules
            .iter()
            .filter(|rule| rule.per_element.is_some())
            .map(|rule| rule.id())
            .collect();
        for id in ["SEC101", "SEC108", "SEC115", "SEC116", "SEC117", "SEC118"] {
            assert!(split.contains(&id), "{id} is not split: {split:?}");
        }
        for id in ["SEC102", "PERF101", "REL105"] {
            assert!(!split.contains(&id), "{id} reads outside its containers");
        }
    }
}
