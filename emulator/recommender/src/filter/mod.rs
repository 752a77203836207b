//! Personalize's filter grammar: `INCLUDE|EXCLUDE ItemID WHERE Items.X IN (...)` or
//! `Items.X <op> value`, `Interactions.EVENT_TYPE IN (...)`, `CurrentItem.X` on the right,
//! `IF CurrentUser.X ...`, `$PARAM` placeholders, `AND`/`OR` (AND binds tighter), and `|`
//! combining expressions. Action filters (GetActionRecommendations) write `ActionID`,
//! `Actions.X` and `Action_Interactions.EVENT_TYPE` for the same tests.
//!
//! [`parse`] checks an expression once (CreateFilter); [`Filter::bind`] fills its
//! placeholders from a request's `filterValues`; the model applies the [`BoundFilter`].
//! Errors carry the character position (from 0) of the offending token.
//!
//! Combining follows Personalize: `Include A | Include B` keeps items of A or B,
//! `Exclude A | Exclude B` drops items of A or B, and `Include A | Exclude B` keeps items of A
//! that are not in B. A clause whose `IF CurrentUser...` condition is false does not apply.

mod eval;
mod lex;
mod parse;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

pub(crate) use eval::{Context, Subject};

/// Longest expression accepted, in characters (Personalize's limit).
pub const MAX_EXPRESSION: usize = 2500;
/// Longest value of one placeholder in `filterValues`, in characters (Personalize's limit).
pub const MAX_VALUE: usize = 1000;
/// Most values one placeholder may list.
pub const MAX_VALUES: usize = 100;

/// A bad expression or bad filter values, with where it went wrong.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message} at position {position}")]
pub struct FilterError {
    /// Character offset from 0: in the expression, or in the value of a placeholder when the
    /// message names one.
    pub position: usize,
    /// What is wrong.
    pub message: String,
}

impl FilterError {
    pub(crate) fn at(position: usize, message: impl Into<String>) -> FilterError {
        FilterError {
            position,
            message: message.into(),
        }
    }
}

/// A parsed filter expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    clauses: Vec<Clause>,
    /// Placeholder names (without '$') with their first position, in order of appearance.
    placeholders: Vec<(String, usize)>,
}

/// A filter with every placeholder bound: what a query applies.
#[derive(Clone, Debug, PartialEq)]
pub struct BoundFilter {
    clauses: Vec<Clause>,
    values: BTreeMap<String, Vec<Literal>>,
}

/// One `INCLUDE|EXCLUDE ... WHERE ... [IF ...]`.
#[derive(Clone, Debug, PartialEq)]
struct Clause {
    include: bool,
    condition: Cond,
    user_condition: Option<Cond>,
}

#[derive(Clone, Debug, PartialEq)]
enum Cond {
    Or(Vec<Cond>),
    And(Vec<Cond>),
    Test(Test),
}

#[derive(Clone, Debug, PartialEq)]
struct Test {
    field: Field,
    negated: bool,
    op: Op,
    operands: Vec<Operand>,
    position: usize,
}

#[derive(Clone, Debug, PartialEq)]
enum Field {
    Items(String),
    EventType,
    CurrentItem(String),
    CurrentUser(String),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    In,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Debug, PartialEq)]
enum Operand {
    Str(String),
    Num(f64),
    Param(String, usize),
    CurrentItem(String),
}

/// A value a placeholder was bound to.
#[derive(Clone, Debug, PartialEq)]
enum Literal {
    Str(String),
    Num(f64),
}

impl Cond {
    fn tests(&self) -> Box<dyn Iterator<Item = &Test> + '_> {
        match self {
            Cond::Test(t) => Box::new(std::iter::once(t)),
            Cond::Or(cs) | Cond::And(cs) => Box::new(cs.iter().flat_map(Cond::tests)),
        }
    }

    fn params(&self, out: &mut Vec<(String, usize)>) {
        for t in self.tests() {
            for o in &t.operands {
                if let Operand::Param(name, pos) = o {
                    if !out.iter().any(|(n, _)| n == name) {
                        out.push((name.clone(), *pos));
                    }
                }
            }
        }
    }
}

/// Parses a filter expression (CreateFilter's `filterExpression`).
pub fn parse(expression: &str) -> Result<Filter, FilterError> {
    parse::parse(expression)
}

impl Filter {
    /// The placeholder names, without '$', in order of first appearance.
    pub fn placeholders(&self) -> Vec<String> {
        self.placeholders.iter().map(|(n, _)| n.clone()).collect()
    }

    /// Binds placeholders to a request's `filterValues`, e.g. `{"GENRES":
    /// "\"Comedy\",\"Drama\""}`: a comma-separated list of double-quoted strings or numbers.
    /// A missing value is an error at the placeholder's position in the expression; a
    /// malformed value is an error at the position within that value. Values for names the
    /// expression does not use are ignored.
    pub fn bind(&self, values: &BTreeMap<String, String>) -> Result<BoundFilter, FilterError> {
        let mut bound = BTreeMap::new();
        for (name, pos) in &self.placeholders {
            let Some(raw) = values.get(name) else {
                return Err(FilterError::at(
                    *pos,
                    format!("no value given for ${name} in filterValues"),
                ));
            };
            bound.insert(name.clone(), literals(name, raw)?);
        }
        Ok(BoundFilter {
            clauses: self.clauses.clone(),
            values: bound,
        })
    }
}

impl BoundFilter {
    /// This filter combined with `other` as `this | other` (the combining rules of the module
    /// docs): the emulator puts a recommender's automatic filter (`EXCLUDE` what the user
    /// watched) before the caller's own. Both keep their own placeholder values; only clauses
    /// of the automatic filter, which has no placeholders, are added.
    pub fn then(mut self, other: BoundFilter) -> BoundFilter {
        self.clauses.extend(other.clauses);
        self.values.extend(other.values);
        self
    }
}

/// Reads one placeholder's value: `"a","b"`, `"a"`, `5`, `"5"`.
fn literals(name: &str, raw: &str) -> Result<Vec<Literal>, FilterError> {
    let length = raw.chars().count();
    if length > MAX_VALUE {
        return Err(FilterError::at(
            MAX_VALUE,
            format!("the value of ${name} is {length} characters long; at most {MAX_VALUE}"),
        ));
    }
    let toks = lex::lex(raw).map_err(|e| {
        FilterError::at(
            e.position,
            format!("in the value of ${name}: {}", e.message),
        )
    })?;
    let mut out = Vec::new();
    let mut expect_value = true;
    for (t, pos) in &toks {
        match (expect_value, t) {
            (true, lex::Tok::Str(s)) => out.push(Literal::Str(s.clone())),
            (true, lex::Tok::Word(w)) => match w.parse::<f64>() {
                Ok(n) if n.is_finite() => out.push(Literal::Num(n)),
                _ => out.push(Literal::Str(w.clone())),
            },
            (false, lex::Tok::Sym(",")) => {}
            _ => {
                let wanted = if expect_value {
                    "a quoted string or a number"
                } else {
                    "','"
                };
                return Err(FilterError::at(
                    *pos,
                    format!("in the value of ${name}: expected {wanted}"),
                ));
            }
        }
        expect_value = !expect_value;
    }
    if expect_value {
        return Err(FilterError::at(
            length,
            format!("in the value of ${name}: expected a value"),
        ));
    }
    if out.len() > MAX_VALUES {
        return Err(FilterError::at(
            0,
            format!("${name} lists {} values; at most {MAX_VALUES}", out.len()),
        ));
    }
    Ok(out)
}
