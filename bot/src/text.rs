//! Text shaping every chat platform needs: splitting long messages at line boundaries.

/// Splits `text` into parts of at most `max` UTF-16 code units, at line boundaries where it
/// can (a line longer than `max` is cut between characters).
pub fn split(text: &str, max: usize) -> Vec<String> {
    let units = |s: &str| s.encode_utf16().count();
    let mut parts = Vec::new();
    let mut current = String::new();
    for line in text.split_inclusive('\n') {
        if units(&current) + units(line) <= max {
            current.push_str(line);
            continue;
        }
        if !current.is_empty() {
            parts.push(std::mem::take(&mut current));
        }
        if units(line) <= max {
            current.push_str(line);
            continue;
        }
        for c in line.chars() {
            if units(&current) + c.len_utf16() > max {
                parts.push(std::mem::take(&mut current));
            }
            current.push(c);
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
