//! The API document's prose as rustdoc Markdown that builds clean under `-D warnings`: the
//! generated code's doc comments (the raw crate's and the wrapper's operations layer) are
//! written from it, and rustdoc reads it as Markdown and intra-doc links.
//!
//! - `<word>` outside code spans (`nrf-<IMEI>`) is text, not an unclosed HTML tag: `&lt;`
//!   (HTML's own tags, like typify's `<details>`, are kept).
//! - `[text]` that is not a Markdown link is text, not a broken intra-doc link: `\[text\]`.
//! - A bare `http(s)://` URL becomes an autolink `<url>` (rustdoc's `bare_urls`).
//! - A fenced code block without a language is marked `text`, and no line is indented far
//!   enough to start an indented code block: doc tests never try to compile prose.

/// Rewrites `text` as described in the module docs. Code spans and fenced blocks are kept.
pub fn markdown(text: &str) -> String {
    lines(text, true)
}

/// For docs progenitor and typify wrote around the document's prose: as [`markdown`], but
/// their `[…]` links are kept, and the reference links of the builder pages
/// (`[`Client::x`]: super::Client::x`) name the client from the crate root, so they resolve
/// wherever rustdoc renders the page (also where another crate re-exports the module).
pub fn progenitor_docs(text: &str) -> String {
    lines(text, false).replace("]: super::Client::", "]: crate::Client::")
}

fn lines(text: &str, escape_brackets: bool) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut in_fence = false;
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            if in_fence || !info.trim().is_empty() {
                out.push_str(trimmed);
            } else {
                out.push_str("```text");
            }
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push_str(line);
            continue;
        }
        let indent = (line.len() - trimmed.len()).min(3);
        out.push_str(&" ".repeat(indent));
        out.push_str(&inline(trimmed, escape_brackets));
    }
    if in_fence {
        out.push_str("\n```");
    }
    out
}

/// One line outside fenced blocks: escapes outside code spans.
fn inline(line: &str, escape_brackets: bool) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    for (i, part) in line.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 {
            out.push_str(part);
        } else {
            let part = angles(part);
            let part = if escape_brackets {
                brackets(&part)
            } else {
                part
            };
            out.push_str(&urls(&part));
        }
    }
    out
}

/// The HTML tags kept as tags.
const HTML_TAGS: &[&str] = &[
    "a",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "img",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Whether `tail` (starting at `<`) opens or closes one of [`HTML_TAGS`].
fn is_html_tag(tail: &str) -> bool {
    let name: String = tail[1..]
        .trim_start_matches('/')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let after = tail[1..].trim_start_matches('/')[name.len()..]
        .chars()
        .next();
    HTML_TAGS.contains(&name.to_ascii_lowercase().as_str())
        && matches!(after, Some('>' | ' ' | '/'))
}

/// `<` starts text, except in an autolink (`<https://…>`) or an HTML tag, which are kept.
fn angles(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let autolink = (tail.starts_with("<http://") || tail.starts_with("<https://"))
            && tail.find('>').is_some_and(|end| !tail[..end].contains(' '));
        if autolink {
            let end = tail.find('>').unwrap_or(0);
            out.push_str(&tail[..=end]);
            rest = &tail[end + 1..];
        } else if is_html_tag(tail) {
            out.push('<');
            rest = &tail[1..];
        } else {
            out.push_str("&lt;");
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// `[text]` not followed by `(` is escaped; Markdown links `[text](url)` are kept.
fn brackets(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '[' => {
                let close = chars[i..].iter().position(|&c| c == ']').map(|p| p + i);
                match close {
                    Some(c) if chars.get(c + 1) == Some(&'(') => {
                        out.extend(&chars[i..=c]);
                        i = c + 1;
                        continue;
                    }
                    _ => out.push_str("\\["),
                }
            }
            ']' => out.push_str("\\]"),
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// Bare `http(s)://` URLs become autolinks; those already in `<…>` or in a link's `(…)`
/// are kept.
fn urls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = ["https://", "http://"]
        .iter()
        .filter_map(|p| rest.find(p))
        .min()
    {
        let before = &rest[..at];
        out.push_str(before);
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| c.is_whitespace() || c == ')' || c == '>')
            .unwrap_or(tail.len());
        // Trailing punctuation ends the sentence, not the URL.
        let url = tail[..end].trim_end_matches(['.', ',', ';', ':']);
        let wrapped = before.ends_with('<') || before.ends_with('(');
        if wrapped || url.len() <= "https://".len() {
            out.push_str(url);
        } else {
            out.push('<');
            out.push_str(url);
            out.push('>');
        }
        rest = &tail[url.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_brackets_and_urls_become_text() {
        assert_eq!(
            markdown("ids look like nrf-<IMEI> (see m/d/<deviceId>/d2c)"),
            "ids look like nrf-&lt;IMEI> (see m/d/&lt;deviceId>/d2c)"
        );
        assert_eq!(
            markdown("rows `[<0-based row>]: x` and [0] or [link](https://a.b/c)"),
            "rows `[<0-based row>]: x` and \\[0\\] or [link](https://a.b/c)"
        );
        assert_eq!(
            markdown("see https://docs.nordicsemi.com/x. Or <https://a.b>"),
            "see <https://docs.nordicsemi.com/x>. Or <https://a.b>"
        );
    }

    #[test]
    fn generated_docs_keep_their_links_and_tags() {
        let builder_doc = "Builder for [`Client::fetch_device`]\n\n[`Client::fetch_device`]: super::Client::fetch_device";
        assert_eq!(
            progenitor_docs(builder_doc),
            "Builder for [`Client::fetch_device`]\n\n[`Client::fetch_device`]: crate::Client::fetch_device"
        );
        assert_eq!(
            progenitor_docs(
                "<details><summary>JSON schema</summary>\n\n```json\n{\"a\": \"<b>\"}\n```\n</details> nrf-<IMEI>"
            ),
            "<details><summary>JSON schema</summary>\n\n```json\n{\"a\": \"<b>\"}\n```\n</details> nrf-&lt;IMEI>"
        );
    }

    #[test]
    fn code_blocks_are_never_doc_tests() {
        assert_eq!(
            markdown("curl:\n```\ncurl -X GET <url>\n```\n```json\n{}\n```"),
            "curl:\n```text\ncurl -X GET <url>\n```\n```json\n{}\n```"
        );
        assert_eq!(markdown("a\n\n        indented"), "a\n\n   indented");
        assert_eq!(markdown("```\nopen"), "```text\nopen\n```");
    }
}
