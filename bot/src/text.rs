//! Text shaping every chat platform needs: splitting long messages at line boundaries.

/// Splits `text` into parts of at most `max` UTF-16 code units, at line boundaries where it
/// can (a line longer than a part between words, a word longer than a part between
/// characters).
pub fn split(text: &str, max: usize) -> Vec<String> {
    let units = |s: &str| s.encode_utf16().count();
    let mut parts = Vec::new();
    // The part being filled and its length, kept as it grows (recounting it per word would be
    // quadratic in a long line).
    let mut current = String::new();
    let mut len = 0;
    let mut flush = |current: &mut String, len: &mut usize| {
        parts.push(std::mem::take(current));
        *len = 0;
    };
    for line in text.split_inclusive('\n') {
        let n = units(line);
        if len + n <= max {
            current.push_str(line);
            len += n;
            continue;
        }
        if n <= max {
            // It fits a part of its own: a new part starts with it.
            flush(&mut current, &mut len);
            current.push_str(line);
            len = n;
            continue;
        }
        // A line longer than a whole part: cut between words, filling each part; a word
        // longer than a part is cut between characters.
        for word in line.split_inclusive(' ') {
            let n = units(word);
            if len + n <= max {
                current.push_str(word);
                len += n;
                continue;
            }
            if !current.is_empty() {
                flush(&mut current, &mut len);
            }
            if n <= max {
                current.push_str(word);
                len = n;
                continue;
            }
            for c in word.chars() {
                if len + c.len_utf16() > max {
                    flush(&mut current, &mut len);
                }
                current.push(c);
                len += c.len_utf16();
            }
        }
    }
    if !current.is_empty() {
        flush(&mut current, &mut len);
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
