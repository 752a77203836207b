//! The parser: tokens to a [`Filter`].
//!
//! ```text
//! filter    := clause ('|' clause)*
//! clause    := (INCLUDE | EXCLUDE) (ItemID | ActionID) WHERE condition [IF condition]
//! condition := conjunct (OR conjunct)*
//! conjunct  := test (AND test)*
//! test      := field [NOT] IN '(' operand (',' operand)* ')' | field op operand
//! field     := (Items | Actions | Interactions | Action_Interactions | CurrentItem
//!               | CurrentUser) '.' NAME
//! operand   := "string" | number | $PARAM | CurrentItem.NAME
//! op        := = | != | < | <= | > | >=
//! ```

use super::lex::{lex, Spanned, Tok};
use super::{Clause, Cond, Field, Filter, FilterError, Op, Operand, Test, MAX_EXPRESSION};

struct Parser {
    toks: Vec<Spanned>,
    at: usize,
    end: usize,
}

/// Parses a filter expression.
pub(crate) fn parse(text: &str) -> Result<Filter, FilterError> {
    let length = text.chars().count();
    if length > MAX_EXPRESSION {
        return Err(FilterError::at(
            MAX_EXPRESSION,
            format!("expression is {length} characters long; at most {MAX_EXPRESSION} allowed"),
        ));
    }
    let mut p = Parser {
        toks: lex(text)?,
        at: 0,
        end: length,
    };
    if p.toks.is_empty() {
        return Err(FilterError::at(
            0,
            "empty expression: expected INCLUDE or EXCLUDE",
        ));
    }
    let mut clauses = vec![p.clause()?];
    while p.sym("|") {
        clauses.push(p.clause()?);
    }
    if let Some((t, pos)) = p.toks.get(p.at) {
        return Err(FilterError::at(*pos, format!("unexpected {}", describe(t))));
    }
    let mut placeholders: Vec<(String, usize)> = Vec::new();
    for c in &clauses {
        c.condition.params(&mut placeholders);
        if let Some(u) = &c.user_condition {
            u.params(&mut placeholders);
        }
    }
    Ok(Filter {
        clauses,
        placeholders,
    })
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Word(w) => format!("'{w}'"),
        Tok::Str(s) => format!("string \"{s}\""),
        Tok::Param(p) => format!("parameter ${p}"),
        Tok::Sym(s) => format!("'{s}'"),
    }
}

impl Parser {
    fn pos(&self) -> usize {
        self.toks.get(self.at).map_or(self.end, |t| t.1)
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|t| &t.0)
    }

    fn error<T>(&self, expected: &str) -> Result<T, FilterError> {
        let found = self.peek().map_or("the end".to_string(), describe);
        Err(FilterError::at(
            self.pos(),
            format!("expected {expected}, found {found}"),
        ))
    }

    fn keyword(&mut self, k: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(k)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect_keyword(&mut self, k: &str) -> Result<(), FilterError> {
        if self.keyword(k) {
            Ok(())
        } else {
            self.error(k)
        }
    }

    fn sym(&mut self, s: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Sym(x)) if *x == s) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect_sym(&mut self, s: &str) -> Result<(), FilterError> {
        if self.sym(s) {
            Ok(())
        } else {
            self.error(&format!("'{s}'"))
        }
    }

    fn clause(&mut self) -> Result<Clause, FilterError> {
        let include = if self.keyword("INCLUDE") {
            true
        } else if self.keyword("EXCLUDE") {
            false
        } else {
            return self.error("INCLUDE or EXCLUDE");
        };
        // Action filters name ActionID, Actions and Action_Interactions where item filters
        // name ItemID, Items and Interactions (developer guide, Filtering action
        // recommendations); both apply to the candidates of their request.
        if !self.keyword("ItemID") && !self.keyword("ActionID") {
            return self.error("ItemID or ActionID");
        }
        self.expect_keyword("WHERE")?;
        let condition = self.condition()?;
        for t in condition.tests() {
            if matches!(t.field, Field::CurrentUser(_)) {
                return Err(FilterError::at(
                    t.position,
                    "CurrentUser conditions belong after IF",
                ));
            }
        }
        let user_condition = if self.keyword("IF") {
            let c = self.condition()?;
            if let Some(t) = c
                .tests()
                .find(|t| !matches!(t.field, Field::CurrentUser(_)))
            {
                return Err(FilterError::at(
                    t.position,
                    "only CurrentUser conditions may follow IF",
                ));
            }
            Some(c)
        } else {
            None
        };
        Ok(Clause {
            include,
            condition,
            user_condition,
        })
    }

    fn condition(&mut self) -> Result<Cond, FilterError> {
        let mut any = vec![self.conjunct()?];
        while self.keyword("OR") {
            any.push(self.conjunct()?);
        }
        Ok(if any.len() == 1 {
            any.remove(0)
        } else {
            Cond::Or(any)
        })
    }

    fn conjunct(&mut self) -> Result<Cond, FilterError> {
        let mut all = vec![Cond::Test(self.test()?)];
        while self.keyword("AND") {
            all.push(Cond::Test(self.test()?));
        }
        Ok(if all.len() == 1 {
            all.remove(0)
        } else {
            Cond::And(all)
        })
    }

    fn name(&mut self) -> Result<String, FilterError> {
        match self.peek() {
            Some(Tok::Word(w))
                if w.chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_') =>
            {
                let w = w.clone();
                self.at += 1;
                Ok(w)
            }
            _ => self.error("a field name"),
        }
    }

    fn field(&mut self) -> Result<Field, FilterError> {
        let pos = self.pos();
        let dataset = match self.peek() {
            Some(Tok::Word(w)) => w.clone(),
            _ => return self.error("Items, Interactions, CurrentItem or CurrentUser"),
        };
        self.at += 1;
        self.expect_sym(".")?;
        let name_pos = self.pos();
        let name = self.name()?;
        Ok(match dataset.to_ascii_lowercase().as_str() {
            "items" | "actions" => Field::Items(name),
            "interactions" | "action_interactions" if name.eq_ignore_ascii_case("EVENT_TYPE") => {
                Field::EventType
            }
            "interactions" => {
                return Err(FilterError::at(
                    name_pos,
                    format!("Interactions.{name} is not supported; only Interactions.EVENT_TYPE"),
                ))
            }
            "action_interactions" => {
                return Err(FilterError::at(
                    name_pos,
                    format!(
                        "Action_Interactions.{name} is not supported; only Action_Interactions.EVENT_TYPE"
                    ),
                ))
            }
            "currentitem" => Field::CurrentItem(name),
            "currentuser" => Field::CurrentUser(name),
            _ => {
                return Err(FilterError::at(
                    pos,
                    format!(
                        "unknown dataset '{dataset}': expected Items, Interactions, CurrentItem \
                         or CurrentUser"
                    ),
                ))
            }
        })
    }

    fn operand(&mut self) -> Result<Operand, FilterError> {
        let pos = self.pos();
        let operand = match self.peek().cloned() {
            Some(Tok::Str(s)) => Operand::Str(s),
            Some(Tok::Param(p)) => Operand::Param(p, pos),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("CurrentItem") => {
                self.at += 1;
                self.expect_sym(".")?;
                return Ok(Operand::CurrentItem(self.name()?));
            }
            Some(Tok::Word(w)) => match w.parse::<f64>() {
                Ok(n) if n.is_finite() => Operand::Num(n),
                _ => {
                    return self
                        .error("a quoted string, a number, a $PARAMETER or CurrentItem.FIELD")
                }
            },
            _ => return self.error("a quoted string, a number, a $PARAMETER or CurrentItem.FIELD"),
        };
        self.at += 1;
        Ok(operand)
    }

    fn test(&mut self) -> Result<Test, FilterError> {
        let position = self.pos();
        let field = self.field()?;
        if matches!(field, Field::CurrentItem(_)) {
            return Err(FilterError::at(
                position,
                "CurrentItem goes on the right-hand side, e.g. Items.GENRE IN (CurrentItem.GENRE)",
            ));
        }
        let negated = self.keyword("NOT");
        let op = if self.keyword("IN") {
            Op::In
        } else if negated {
            return self.error("IN after NOT");
        } else {
            let op = match self.peek() {
                Some(Tok::Sym("=")) => Op::Eq,
                Some(Tok::Sym("!=")) => Op::Ne,
                Some(Tok::Sym("<")) => Op::Lt,
                Some(Tok::Sym("<=")) => Op::Le,
                Some(Tok::Sym(">")) => Op::Gt,
                Some(Tok::Sym(">=")) => Op::Ge,
                _ => return self.error("IN, NOT IN or a comparison (=, !=, <, <=, >, >=)"),
            };
            self.at += 1;
            op
        };
        if matches!(field, Field::EventType) && op != Op::In {
            return Err(FilterError::at(
                position,
                "Interactions.EVENT_TYPE takes IN or NOT IN",
            ));
        }
        let operands = if op == Op::In {
            // IN takes a parenthesised list; a lone CurrentItem.X is accepted too.
            if self.sym("(") {
                let mut list = vec![self.operand()?];
                while self.sym(",") {
                    list.push(self.operand()?);
                }
                self.expect_sym(")")?;
                list
            } else {
                match self.operand()? {
                    o @ Operand::CurrentItem(_) => vec![o],
                    _ => {
                        return Err(FilterError::at(
                            self.toks[self.at - 1].1,
                            "expected '(' to start the IN list",
                        ))
                    }
                }
            }
        } else {
            vec![self.operand()?]
        };
        Ok(Test {
            field,
            negated,
            op,
            operands,
            position,
        })
    }
}
