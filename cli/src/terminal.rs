//! What the CLI writes to stderr, made safe for a terminal: a `pkcs11:` URI's query part
//! (`pin-value=`, `pin-source=`, `module-path=`) is never shown, and control and
//! bidirectional-formatting characters (a server's U+202E, an escape sequence in a file
//! name) are shown escaped, as `\u{202e}`, so text cannot pass for other text. Standard
//! output is not touched: it stays Apple's answer, or the plaintext, byte for byte.
//!
//! Every line `main` writes to stderr passes through [`for_stderr`], whatever produced
//! it (the library's errors, file names, a server's message, clap's usage errors), so no
//! command has to remember to redact.

use std::ffi::OsString;

const SCHEME: &str = "pkcs11:";

/// `text` as it may reach the terminal: the query of every `pkcs11:` URI in it removed
/// (`args`, the command line, names the exact text to remove however the message quotes
/// it), then control and bidirectional-formatting characters escaped. A newline is kept
/// only when `multi_line` (clap's usage text); an error line stays one line.
pub(crate) fn for_stderr(text: &str, args: &[OsString], multi_line: bool) -> String {
    let mut text = text.to_owned();
    let mut queries: Vec<String> = args
        .iter()
        .filter_map(|a| uri_query(&a.to_string_lossy()))
        .collect();
    queries.sort_by_key(|q| std::cmp::Reverse(q.len()));
    for query in &queries {
        text = text.replace(query.as_str(), "");
    }
    escape(&strip_queries(&text), multi_line)
}

/// The query of the first `pkcs11:` URI in a command-line argument: from its `?` to the
/// end of the argument (which is where the URI ends, whatever precedes it).
fn uri_query(arg: &str) -> Option<String> {
    let start = find_scheme(arg, 0)?;
    let rest = arg.get(start..)?;
    let q = rest.find('?')?;
    let query = rest.get(q..)?;
    (query.len() > 1).then(|| query.to_owned())
}

/// The byte offset of the next `pkcs11:` (any case) at or after `from`.
fn find_scheme(text: &str, from: usize) -> Option<usize> {
    let lower = text.get(from..)?.to_ascii_lowercase();
    lower.find(SCHEME).map(|i| from + i)
}

/// Whether `c` ends a URI in running text: white space, or a character a URI never holds
/// unescaped and messages put around names.
fn ends_uri(c: char) -> bool {
    c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '`' | '<' | '>')
}

/// Removes, from every `pkcs11:` URI in `text`, the part from its `?` to the URI's end.
fn strip_queries(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut from = 0;
    while let Some(start) = find_scheme(text, from) {
        let rest = text.get(start..).unwrap_or_default();
        let end = start + rest.find(ends_uri).unwrap_or(rest.len());
        let uri = text.get(start..end).unwrap_or_default();
        if let Some(q) = uri.find('?') {
            out.push_str(text.get(copied..start + q).unwrap_or_default());
            copied = end;
        }
        from = end.max(start + SCHEME.len());
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    out
}

/// Whether `c` may change how the text around it is shown: C0 and C1 controls, DEL, and
/// the bidirectional marks, embeddings, overrides and isolates (U+061C, U+200E, U+200F,
/// U+202A–U+202E, U+2066–U+2069), and the line and paragraph separators.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

fn escape(text: &str, multi_line: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if (c == '\n' && multi_line) || c == '\t' || !is_unsafe(c) {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn uri_queries_never_show() {
        let uri = "pkcs11:token=a;object=b?module-path=/m.so&pin-value=1234";
        let argv = args(&["applepay", "cert", &format!(" {uri}")]);
        for message in [
            format!("cannot read  {uri}: No such file or directory (os error 2)"),
            format!("invalid value '{uri}' for '--at <RFC3339>'"),
            uri.to_owned(),
            "PKCS11:x?pin-value=1234 and pkcs11:y?pin-source=file:/p\tmore".to_owned(),
        ] {
            let shown = for_stderr(&message, &argv, false);
            assert!(!shown.contains("1234"), "{shown}");
            assert!(!shown.contains("pin-"), "{shown}");
            assert!(!shown.contains("module-path"), "{shown}");
        }
        assert_eq!(
            for_stderr(&format!("cannot read  {uri}: gone"), &argv, false),
            "cannot read  pkcs11:token=a;object=b: gone"
        );
        // Without the command line, the query goes to the end of the URI.
        assert_eq!(
            for_stderr("key 'pkcs11:a?pin-value=1' refused", &[], false),
            "key 'pkcs11:a' refused"
        );
        assert_eq!(for_stderr("no uri? here", &[], false), "no uri? here");
    }

    #[test]
    fn controls_and_bidi_overrides_are_escaped() {
        assert_eq!(
            for_stderr("a\u{202e}b\u{1b}[2Jc\rd\ne\u{2067}f\u{85}", &[], false),
            "a\\u{202e}b\\u{1b}[2Jc\\u{d}d\\u{a}e\\u{2067}f\\u{85}"
        );
        assert_eq!(for_stderr("usage:\n\tx", &[], true), "usage:\n\tx");
        assert_eq!(
            for_stderr("caf\u{e9} \u{65e5}", &[], false),
            "caf\u{e9} \u{65e5}"
        );
    }
}
