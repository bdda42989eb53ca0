//! The tokenizer: splits an expression into tokens, with jsonata-js's positions and
//! tokenizer errors (`S01xx`, `S03xx`).

use super::*;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Kind {
    Name,
    Variable,
    Operator,
    Str,
    Number,
    Value,
    Regex,
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) kind: Kind,
    pub(super) value: Val,
    /// Position in chars, just after the token.
    pub(super) pos: usize,
}

/// Single-character operators (the keys of jsonata-js's operator table that are one
/// character long): they end names.
fn is_operator_char(c: char) -> bool {
    matches!(
        c,
        '.' | '['
            | ']'
            | '{'
            | '}'
            | '('
            | ')'
            | ','
            | '@'
            | '#'
            | ';'
            | ':'
            | '?'
            | '+'
            | '-'
            | '*'
            | '/'
            | '%'
            | '|'
            | '='
            | '<'
            | '>'
            | '^'
            | '&'
            | '!'
            | '~'
    )
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{b}')
}

pub(super) struct Lexer {
    pub(super) chars: Vec<char>,
    /// UTF-16 offset of each char index (one extra entry for the end).
    pub(super) utf16: Vec<usize>,
    pub(super) pos: usize,
}

/// A tokenizer failure: code (`None` for an invalid regex), position, token or message.
type LexError = (Option<&'static str>, Option<usize>, Option<Val>);
type LexResult = Result<Option<Token>, LexError>;

impl Lexer {
    pub(super) fn new(src: &str) -> Self {
        let chars: Vec<char> = src.chars().collect();
        let mut utf16 = Vec::with_capacity(chars.len() + 1);
        let mut at = 0;
        for c in &chars {
            utf16.push(at);
            at += c.len_utf16();
        }
        utf16.push(at);
        Lexer {
            chars,
            utf16,
            pos: 0,
        }
    }

    fn at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    /// Converts a char position into the UTF-16 offset jsonata-js reports.
    pub(super) fn js_pos(&self, pos: usize) -> usize {
        match self.utf16.get(pos) {
            Some(p) => *p,
            None => self.utf16[self.chars.len()] + (pos - self.chars.len()),
        }
    }

    fn token(&self, kind: Kind, value: Val) -> LexResult {
        Ok(Some(Token {
            kind,
            value,
            pos: self.pos,
        }))
    }

    pub(super) fn next(&mut self, infix: bool) -> LexResult {
        let len = self.chars.len();
        if self.pos >= len {
            return Ok(None);
        }
        // Blanks and comments, in a loop (jsonata-js recurses once per comment, which a
        // long run of `/**/` turns into a stack overflow).
        let current = loop {
            while self.pos < len && self.at(self.pos).is_some_and(is_space) {
                self.pos += 1;
            }
            let current = self.at(self.pos);
            if current != Some('/') || self.at(self.pos + 1) != Some('*') {
                break current;
            }
            let start = self.pos;
            self.pos += 2;
            loop {
                if self.at(self.pos) == Some('*') && self.at(self.pos + 1) == Some('/') {
                    break;
                }
                self.pos += 1;
                if self.pos >= len {
                    return Err((Some("S0106"), Some(start), None));
                }
            }
            self.pos += 2;
            if self.pos >= len {
                return Ok(None);
            }
        };
        // Regular expressions (where an operand is expected).
        if !infix && current == Some('/') {
            self.pos += 1;
            return self.regex();
        }
        let Some(c) = current else {
            return Ok(None);
        };
        let next = self.at(self.pos + 1);
        let double = match (c, next) {
            ('.', Some('.')) => Some(".."),
            (':', Some('=')) => Some(":="),
            ('!', Some('=')) => Some("!="),
            ('>', Some('=')) => Some(">="),
            ('<', Some('=')) => Some("<="),
            ('*', Some('*')) => Some("**"),
            ('~', Some('>')) => Some("~>"),
            ('?', Some(':')) => Some("?:"),
            ('?', Some('?')) => Some("??"),
            _ => None,
        };
        if let Some(op) = double {
            self.pos += 2;
            return self.token(Kind::Operator, Val::Str(op.to_string()));
        }
        if is_operator_char(c) {
            self.pos += 1;
            return self.token(Kind::Operator, Val::Str(c.to_string()));
        }
        if c == '"' || c == '\'' {
            return self.string(c);
        }
        if c.is_ascii_digit() {
            return self.number();
        }
        if c == '`' {
            self.pos += 1;
            let start = self.pos;
            return match self.chars[start..].iter().position(|&x| x == '`') {
                Some(off) => {
                    let name: String = self.chars[start..start + off].iter().collect();
                    self.pos = start + off + 1;
                    self.token(Kind::Name, Val::Str(name))
                }
                None => {
                    self.pos = len;
                    Err((Some("S0105"), Some(len), None))
                }
            };
        }
        // Names, variables and keywords.
        let mut i = self.pos;
        while i < len && !is_space(self.chars[i]) && !is_operator_char(self.chars[i]) {
            i += 1;
        }
        if c == '$' {
            let name: String = self.chars[self.pos + 1..i].iter().collect();
            self.pos = i;
            return self.token(Kind::Variable, Val::Str(name));
        }
        let name: String = self.chars[self.pos..i].iter().collect();
        self.pos = i;
        match name.as_str() {
            "or" | "in" | "and" => self.token(Kind::Operator, Val::Str(name)),
            "true" => self.token(Kind::Value, Val::Bool(true)),
            "false" => self.token(Kind::Value, Val::Bool(false)),
            "null" => self.token(Kind::Value, Val::Null),
            "" if self.pos == len => Ok(None),
            _ => self.token(Kind::Name, Val::Str(name)),
        }
    }

    fn regex(&mut self) -> LexResult {
        let len = self.chars.len();
        let start = self.pos;
        let mut depth: i64 = 0;
        while self.pos < len {
            let c = self.chars[self.pos];
            if c == '/' && depth == 0 {
                let mut backslashes = 0;
                while self.pos > backslashes && self.chars[self.pos - backslashes - 1] == '\\' {
                    backslashes += 1;
                }
                if backslashes % 2 == 0 {
                    if self.pos == start {
                        return Err((Some("S0301"), Some(self.pos), None));
                    }
                    let pattern: String = self.chars[start..self.pos].iter().collect();
                    self.pos += 1;
                    let flags_start = self.pos;
                    while matches!(self.at(self.pos), Some('i' | 'm')) {
                        self.pos += 1;
                    }
                    let flags: String = self.chars[flags_start..self.pos].iter().collect();
                    let source = format!("/{pattern}/{flags}g");
                    // jsonata-js compiles the literal with JavaScript's `RegExp` here.
                    // `regress` parses groups recursively (up to its own limit of 256
                    // levels, which needs more than a small thread's stack): give it
                    // room on a stack segment of its own when this one runs low.
                    let compiled = stacker::maybe_grow(REGEX_RED_ZONE, REGEX_STACK, || {
                        regress::Regex::with_flags(&pattern, flags.as_str()).map(drop)
                    });
                    if let Err(e) = compiled {
                        let message = format!("Invalid regular expression: {source}: {e}");
                        return Err((None, None, Some(Val::Str(message))));
                    }
                    return self.token(Kind::Regex, Val::Regex(source));
                }
            }
            let escaped = self.pos > 0 && self.chars[self.pos - 1] == '\\';
            if matches!(c, '(' | '[' | '{') && !escaped {
                depth += 1;
            }
            if matches!(c, ')' | ']' | '}') && !escaped {
                depth -= 1;
            }
            self.pos += 1;
        }
        Err((Some("S0302"), Some(self.pos), None))
    }

    fn string(&mut self, quote: char) -> LexResult {
        let len = self.chars.len();
        self.pos += 1;
        let mut units: Vec<u16> = Vec::new();
        let mut buf = [0u16; 2];
        while self.pos < len {
            let c = self.chars[self.pos];
            if c == '\\' {
                self.pos += 1;
                let e = self.at(self.pos);
                let simple = match e {
                    Some('"') => Some('"'),
                    Some('\\') => Some('\\'),
                    Some('/') => Some('/'),
                    Some('b') => Some('\u{8}'),
                    Some('f') => Some('\u{c}'),
                    Some('n') => Some('\n'),
                    Some('r') => Some('\r'),
                    Some('t') => Some('\t'),
                    _ => None,
                };
                if let Some(s) = simple {
                    units.extend_from_slice(s.encode_utf16(&mut buf));
                } else if e == Some('u') {
                    let end = (self.pos + 5).min(len);
                    let octets: String = self.chars[self.pos + 1..end].iter().collect();
                    if !octets.is_empty() && octets.chars().all(|h| h.is_ascii_hexdigit()) {
                        units.push(u16::from_str_radix(&octets, 16).unwrap_or(0xFFFD));
                        self.pos += 4;
                    } else {
                        return Err((Some("S0104"), Some(self.pos), None));
                    }
                } else {
                    let tok = e.map(String::from).unwrap_or_default();
                    return Err((Some("S0103"), Some(self.pos), Some(Val::Str(tok))));
                }
            } else if c == quote {
                self.pos += 1;
                return self.token(Kind::Str, Val::Str(String::from_utf16_lossy(&units)));
            } else {
                units.extend_from_slice(c.encode_utf16(&mut buf));
            }
            self.pos += 1;
        }
        Err((Some("S0101"), Some(self.pos), None))
    }

    fn number(&mut self) -> LexResult {
        let start = self.pos;
        let digits = |lexer: &Self, mut i: usize| {
            while lexer.at(i).is_some_and(|c| c.is_ascii_digit()) {
                i += 1;
            }
            i
        };
        let mut i = if self.at(start) == Some('0') {
            start + 1
        } else {
            digits(self, start)
        };
        if self.at(i) == Some('.') && self.at(i + 1).is_some_and(|c| c.is_ascii_digit()) {
            i = digits(self, i + 1);
        }
        if matches!(self.at(i), Some('e' | 'E')) {
            let mut j = i + 1;
            if matches!(self.at(j), Some('+' | '-')) {
                j += 1;
            }
            if self.at(j).is_some_and(|c| c.is_ascii_digit()) {
                i = digits(self, j);
            }
        }
        let text: String = self.chars[start..i].iter().collect();
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() => {
                self.pos = i;
                self.token(Kind::Number, Val::Num(n))
            }
            _ => Err((Some("S0102"), Some(start), Some(Val::Str(text)))),
        }
    }
}
