//! Which rules may read an undecided value: asked for every rule of a kind and every undecided
//! value of a resource (a template's, a configuration's), so answered by bit tests on the
//! member names the rules read, numbered once per run, instead of by hashing the value's path
//! into each rule's sets.

use super::catalog::{Reads, Rule};
use crate::location::Step;

/// The member names the rules read, numbered, and what each rule reads as sets of numbers.
pub struct ReadIndex<'r> {
    numbers: foldhash::HashMap<&'r str, usize>,
    /// By rule: `None` when a rule may read anything.
    rules: Vec<Option<RuleReads>>,
}

/// [`Reads`] as bit sets of name numbers.
struct RuleReads {
    names: Vec<u64>,
    wholes: Vec<u64>,
    deep: Vec<u64>,
}

/// The names on a path, as numbers of the index (a name no rule reads has none).
pub struct PathNames {
    /// The path has no member name: any rule may read what is there.
    nameless: bool,
    /// The last name on the path.
    last: Option<usize>,
    /// The name of the member holding the last one, when the path ends with both.
    parent: Option<usize>,
    all: Vec<usize>,
}

impl<'r> ReadIndex<'r> {
    pub fn new(rules: &'r [Rule]) -> ReadIndex<'r> {
        let mut numbers = foldhash::HashMap::default();
        let all_reads = rules.iter().filter_map(|rule| rule.reads.as_ref());
        for reads in all_reads {
            for name in reads.names.iter().chain(&reads.wholes).chain(&reads.deep) {
                let next = numbers.len();
                numbers.entry(name.as_str()).or_insert(next);
            }
        }
        let bits = |names: &'r foldhash::HashSet<String>| {
            let mut set = vec![0u64; numbers.len().div_ceil(64)];
            for name in names {
                let number = numbers[name.as_str()];
                set[number / 64] |= 1 << (number % 64);
            }
            set
        };
        let rules = rules
            .iter()
            .map(|rule| {
                rule.reads.as_ref().map(|reads: &Reads| RuleReads {
                    names: bits(&reads.names),
                    wholes: bits(&reads.wholes),
                    deep: bits(&reads.deep),
                })
            })
            .collect();
        ReadIndex { numbers, rules }
    }

    /// The names on `path`, to ask about any number of rules.
    pub fn names(&self, path: &[Step]) -> PathNames {
        let number = |step: &Step| match step {
            Step::Key(name) => self.numbers.get(name.as_str()).copied(),
            Step::Index(_) => None,
        };
        let last_key = path.iter().rposition(|step| matches!(step, Step::Key(_)));
        PathNames {
            nameless: last_key.is_none(),
            last: last_key.and_then(|at| number(&path[at])),
            parent: match path {
                [.., parent @ Step::Key(_), Step::Key(_)] => number(parent),
                _ => None,
            },
            all: path.iter().filter_map(number).collect(),
        }
    }

    /// Whether a value at the path `names` came from may change what rule `rule` decides: the
    /// member holding it is one the rule names, a member of one whose members it selects all
    /// of, or inside one it compares whole. (A member of a list element selected whole is not
    /// read by the selection: only the element's presence and path count.)
    pub fn may_read(&self, rule: usize, names: &PathNames) -> bool {
        let Some(Some(reads)) = self.rules.get(rule) else {
            return true;
        };
        let has = |set: &[u64], number: usize| set[number / 64] & (1 << (number % 64)) != 0;
        names.nameless
            || names.last.is_some_and(|n| has(&reads.names, n))
            || names.parent.is_some_and(|n| has(&reads.wholes, n))
            || names.all.iter().any(|&n| has(&reads.deep, n))
    }
}
