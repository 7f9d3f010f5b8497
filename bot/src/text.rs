//! Text shaping every chat platform needs: splitting long messages at line boundaries.

/// Splits `text` into parts of at most `max` UTF-16 code units, at line boundaries where it
/// can (a line longer than a part between words, a word longer than a part between
/// characters).
pub fn split(text: &str, max: usize) -> Vec<String> {
    let units = |s: &str| s.encode_utf16().count();
    let mut parts = Vec::new();
    let mut current = String::new();
    for line in text.split_inclusive('\n') {
        if units(&current) + units(line) <= max {
            current.push_str(line);
            continue;
        }
        if units(line) <= max {
            // It fits a part of its own: a new part starts with it.
            parts.push(std::mem::take(&mut current));
            current.push_str(line);
            continue;
        }
        // A line longer than a whole part: cut between words, filling each part; a word
        // longer than a part is cut between characters.
        for word in line.split_inclusive(' ') {
            if units(&current) + units(word) <= max {
                current.push_str(word);
                continue;
            }
            if !current.is_empty() {
                parts.push(std::mem::take(&mut current));
            }
            if units(word) <= max {
                current.push_str(word);
                continue;
            }
            for c in word.chars() {
                if units(&current) + c.len_utf16() > max {
                    parts.push(std::mem::take(&mut current));
                }
                current.push(c);
            }
        }
    }
    if !current.is_empty() {
        parts.push(current);
    }
    let parts: Vec<String> = parts
        .into_iter()
        .map(|p| p.trim_end_matches('\n').to_string())
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() {
        vec![text.to_string()]
    } else {
        parts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_after_a_header_fills_two_parts_cut_between_words() {
        let words: Vec<String> = (0..250).map(|i| format!("w{i:03}xxxxx")).collect();
        let text = format!("Reply on #1:\n{}", words.join(" "));
        let parts = split(&text, 2000);
        assert_eq!(parts.len(), 2, "{parts:?}");
        assert!(parts.iter().all(|p| p.encode_utf16().count() <= 2000));
        // Every cut falls between words.
        assert!(parts[0].ends_with(' ') && parts[1].starts_with('w'));
        assert_eq!(parts.concat(), text);
    }
}
