//! Escaping for Telegram's HTML parse mode: every name or text from a client or from Enote goes
//! through [`escape`] before it is put into a bot message, so a `<` or `&` never breaks one.

/// Escapes `<`, `>`, `&` and `"` (the characters Telegram's HTML parser reacts to).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_keeps_the_rest() {
        assert_eq!(
            escape("<b>Тигр & \"Ко\"</b>"),
            "&lt;b&gt;Тигр &amp; &quot;Ко&quot;&lt;/b&gt;"
        );
        assert_eq!(escape("snake_case *bold* 🐶"), "snake_case *bold* 🐶");
    }
}
