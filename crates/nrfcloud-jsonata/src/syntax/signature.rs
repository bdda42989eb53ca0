//! The checks of a function signature (`function($x)<n:n>{...}`) that jsonata-js
//! makes when it parses one.

/// The checks of jsonata-js's signature parser: S0401, S0402, and the quantifiers
/// (`?`, `+`, `-`) its `RegExp` rejects (an uncoded error, code `None`). The offset is
/// in UTF-16 units from the signature's `<`.
pub(super) fn check_signature(sig: &str) -> Result<(), (Option<&'static str>, usize)> {
    let chars: Vec<char> = sig.chars().collect();
    let offset = |i: usize| {
        chars[..i.min(chars.len())]
            .iter()
            .map(|c| c.len_utf16())
            .sum()
    };
    let closing = |start: usize, open: char, close: char| {
        let mut depth = 1;
        let mut i = start;
        while i < chars.len() {
            i += 1;
            match chars.get(i) {
                Some(&c) if c == close => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                Some(&c) if c == open => depth += 1,
                _ => {}
            }
        }
        i
    };
    let mut prev_type: Option<char> = None;
    // Quantifiers added to the previous parameter's regex ('-' adds '?'): JavaScript
    // accepts a quantifier optionally followed by a lazy '?', nothing more.
    let mut quantifiers = String::new();
    let mut i = 1;
    while i < chars.len() {
        match chars[i] {
            ':' => break,
            c @ ('s' | 'n' | 'b' | 'l' | 'o' | 'a' | 'f' | 'j' | 'x') => {
                prev_type = Some(c);
                quantifiers.clear();
            }
            q @ ('-' | '?' | '+') => {
                quantifiers.push(if q == '-' { '?' } else { q });
                if !matches!(quantifiers.as_str(), "?" | "+" | "??" | "+?") {
                    return Err((None, 0));
                }
            }
            '(' => {
                let end = closing(i, '(', ')');
                let choice = &chars[(i + 1).min(chars.len())..end.min(chars.len())];
                if choice.contains(&'<') {
                    return Err((Some("S0402"), offset(i)));
                }
                prev_type = Some('(');
                quantifiers.clear();
                i = end;
            }
            '<' => {
                if matches!(prev_type, Some('a' | 'f')) {
                    i = closing(i, '<', '>');
                } else {
                    return Err((Some("S0401"), offset(i)));
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}
