//! Tokens of a filter expression, each with its character position for error messages.

use super::FilterError;

/// One token.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    /// A bare word: keyword, dataset, field or an unquoted number.
    Word(String),
    /// A double-quoted string, unescaped.
    Str(String),
    /// `$NAME`.
    Param(String),
    /// One of `( ) , . | = != < <= > >=`.
    Sym(&'static str),
}

/// A token and the character position where it starts.
pub(crate) type Spanned = (Tok, usize);

const SYMBOLS: [&str; 11] = ["!=", "<=", ">=", "(", ")", ",", ".", "|", "=", "<", ">"];

/// Splits `text` into tokens. Positions count characters from 0.
pub(crate) fn lex(text: &str) -> Result<Vec<Spanned>, FilterError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c == '"' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(FilterError::at(start, "unterminated string")),
                    Some('\\') if matches!(chars.get(i + 1), Some('"' | '\\')) => {
                        s.push(chars[i + 1]);
                        i += 2;
                    }
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some(&ch) => {
                        s.push(ch);
                        i += 1;
                    }
                }
            }
            out.push((Tok::Str(s), start));
        } else if c == '$' {
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            if i == start + 1 {
                return Err(FilterError::at(
                    start,
                    "expected a parameter name after '$'",
                ));
            }
            out.push((Tok::Param(chars[start + 1..i].iter().collect()), start));
        } else if c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '+' {
            // Words and numbers ("1.5", "-3", "2e3"): a '.' belongs to a number only when a
            // digit started it, so "Items.GENRE" still splits at the dot.
            let numeric = c.is_ascii_digit() || c == '-' || c == '+';
            i += 1;
            while i < chars.len() {
                let d = chars[i];
                let part = d.is_ascii_alphanumeric()
                    || d == '_'
                    || (numeric
                        && (d == '.'
                            || ((d == '-' || d == '+') && matches!(chars[i - 1], 'e' | 'E'))));
                if !part {
                    break;
                }
                i += 1;
            }
            out.push((Tok::Word(chars[start..i].iter().collect()), start));
        } else {
            let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
            let Some(sym) = SYMBOLS.iter().find(|s| rest.starts_with(**s)) else {
                return Err(FilterError::at(
                    start,
                    format!("unexpected character '{c}'"),
                ));
            };
            i += sym.chars().count();
            out.push((Tok::Sym(sym), start));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_words_strings_params_and_symbols() {
        let toks = lex(r#"Items.YEAR >= 1.5e3 AND Items.G IN ("a \"b\"", $P)"#).unwrap();
        let kinds: Vec<Tok> = toks.into_iter().map(|t| t.0).collect();
        assert_eq!(
            kinds,
            [
                Tok::Word("Items".into()),
                Tok::Sym("."),
                Tok::Word("YEAR".into()),
                Tok::Sym(">="),
                Tok::Word("1.5e3".into()),
                Tok::Word("AND".into()),
                Tok::Word("Items".into()),
                Tok::Sym("."),
                Tok::Word("G".into()),
                Tok::Word("IN".into()),
                Tok::Sym("("),
                Tok::Str("a \"b\"".into()),
                Tok::Sym(","),
                Tok::Param("P".into()),
                Tok::Sym(")"),
            ]
        );
    }

    #[test]
    fn errors_carry_the_position() {
        assert_eq!(lex(r#"IN ("abc"#).unwrap_err().position, 4);
        assert_eq!(lex("a ; b").unwrap_err().position, 2);
        assert_eq!(lex("x $ y").unwrap_err().position, 2);
        assert_eq!(
            lex("é ;").unwrap_err().position,
            0,
            "positions count characters"
        );
    }
}
