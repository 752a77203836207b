//! Applying a [`BoundFilter`] to one candidate item.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::{BoundFilter, Cond, Field, Literal, Op, Operand, Test};
use crate::Value;

/// What a query knows besides the candidate: the item of a related-items request and the
/// requesting user's metadata.
#[derive(Debug, Default)]
pub(crate) struct Context<'a> {
    pub current_item: Option<&'a BTreeMap<String, Value>>,
    pub current_user: Option<&'a BTreeMap<String, Value>>,
}

/// The candidate item: its metadata and the event types of the user's interactions with it.
#[derive(Debug)]
pub(crate) struct Subject<'a> {
    pub item_id: &'a str,
    pub attributes: &'a BTreeMap<String, Value>,
    pub event_types: &'a [String],
}

/// A column's values: a categorical string splits on '|' into several.
fn values(attributes: Option<&BTreeMap<String, Value>>, name: &str) -> Vec<Literal> {
    let Some(attributes) = attributes else {
        return Vec::new();
    };
    // Schemas may spell a column in any case; filters conventionally use upper case.
    let value = attributes.get(name).or_else(|| {
        attributes
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    });
    match value {
        None => Vec::new(),
        Some(Value::Str(s)) => s.split('|').map(|v| Literal::Str(v.to_string())).collect(),
        Some(Value::Num(n)) => vec![Literal::Num(*n)],
        Some(Value::Bool(b)) => vec![Literal::Str(b.to_string())],
    }
}

fn number(l: &Literal) -> Option<f64> {
    match l {
        Literal::Num(n) => Some(*n),
        Literal::Str(s) => s.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
    }
}

/// Numbers compare as numbers (a quoted "5" is a number); anything else as text.
fn compare(a: &Literal, b: &Literal) -> Ordering {
    match (number(a), number(b)) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        _ => match (a, b) {
            (Literal::Str(x), Literal::Str(y)) => x.cmp(y),
            (Literal::Num(_), _) => Ordering::Less,
            (_, Literal::Num(_)) => Ordering::Greater,
        },
    }
}

impl BoundFilter {
    /// Whether the filter keeps `subject`.
    pub(crate) fn allows(&self, ctx: &Context<'_>, subject: &Subject<'_>) -> bool {
        let mut includes = false;
        let mut included = false;
        for clause in &self.clauses {
            if let Some(u) = &clause.user_condition {
                if !self.holds(u, ctx, subject) {
                    continue;
                }
            }
            let hit = self.holds(&clause.condition, ctx, subject);
            if clause.include {
                includes = true;
                included |= hit;
            } else if hit {
                return false;
            }
        }
        !includes || included
    }

    fn holds(&self, c: &Cond, ctx: &Context<'_>, s: &Subject<'_>) -> bool {
        match c {
            Cond::Or(cs) => cs.iter().any(|c| self.holds(c, ctx, s)),
            Cond::And(cs) => cs.iter().all(|c| self.holds(c, ctx, s)),
            Cond::Test(t) => self.test(t, ctx, s),
        }
    }

    fn test(&self, t: &Test, ctx: &Context<'_>, s: &Subject<'_>) -> bool {
        let left: Vec<Literal> = match &t.field {
            // ITEM_ID is a column of the items dataset, though not among its attributes.
            Field::Items(name) if name.eq_ignore_ascii_case("ITEM_ID") => {
                vec![Literal::Str(s.item_id.to_string())]
            }
            Field::Items(name) => values(Some(s.attributes), name),
            Field::CurrentUser(name) => values(ctx.current_user, name),
            Field::CurrentItem(name) => values(ctx.current_item, name),
            Field::EventType => s
                .event_types
                .iter()
                .map(|e| Literal::Str(e.clone()))
                .collect(),
        };
        let mut right: Vec<Literal> = Vec::new();
        for o in &t.operands {
            match o {
                Operand::Str(v) => right.push(Literal::Str(v.clone())),
                Operand::Num(n) => right.push(Literal::Num(*n)),
                Operand::Param(name, _) => {
                    right.extend(self.values.get(name).into_iter().flatten().cloned())
                }
                Operand::CurrentItem(name) => right.extend(values(ctx.current_item, name)),
            }
        }
        let wildcard = matches!(t.field, Field::EventType)
            && right
                .iter()
                .any(|r| matches!(r, Literal::Str(v) if v == "*"));
        // Some value on the left stands in `relation` to some value on the right.
        let any = |relation: fn(Ordering) -> bool| {
            left.iter()
                .any(|l| right.iter().any(|r| relation(compare(l, r))))
        };
        let equal = (wildcard && !left.is_empty()) || any(Ordering::is_eq);
        let result = match t.op {
            Op::In | Op::Eq => equal,
            Op::Ne => !left.is_empty() && !equal,
            Op::Lt => any(Ordering::is_lt),
            Op::Le => any(Ordering::is_le),
            Op::Gt => any(Ordering::is_gt),
            Op::Ge => any(Ordering::is_ge),
        };
        result != t.negated
    }
}
