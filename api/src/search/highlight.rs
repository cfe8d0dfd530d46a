//! The highlight shown with each hit: a passage of the post around the
//! first match, HTML escaped, matched words wrapped in `<mark>`. Matching
//! follows the same rules as the search (folded case and diacritics, typo
//! budget, prefix on the last query word), whichever backend found the post.
use super::{typo_budget, words};

/// Characters of context kept before the first match.
const LEAD: usize = 60;
/// Length of the passage in characters.
const PASSAGE: usize = 200;

/// Optimal string alignment distance (adjacent transpositions count one),
/// giving up once it exceeds `max`.
fn distance(a: &[char], b: &[char], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let (n, m) = (a.len(), b.len());
    let mut prev2 = vec![0usize; m + 1];
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut cur = vec![0usize; m + 1];
    for i in 1..=n {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    (prev[m] <= max).then_some(prev[m])
}

/// Whether a body word matches a query term.
pub fn matches(word: &str, term: &str, prefix: bool) -> bool {
    if word == term || (prefix && word.starts_with(term)) {
        return true;
    }
    let t: Vec<char> = term.chars().collect();
    let d = usize::from(typo_budget(t.len()));
    if d == 0 {
        return false;
    }
    let w: Vec<char> = word.chars().collect();
    if distance(&w, &t, d).is_some() {
        return true;
    }
    // A prefix within the budget: some leading part of the word is close.
    prefix
        && (t.len().saturating_sub(d)..=t.len() + d)
            .filter(|&k| k <= w.len())
            .any(|k| distance(&w[..k], &t, d).is_some())
}

pub fn escape_html(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Byte offset of the char boundary `chars` characters before `at`.
fn back(body: &str, at: usize, chars: usize) -> usize {
    body[..at]
        .char_indices()
        .rev()
        .nth(chars.saturating_sub(1))
        .map_or(0, |(i, _)| i)
}

fn forward(body: &str, from: usize, chars: usize) -> usize {
    body[from..]
        .char_indices()
        .nth(chars)
        .map_or(body.len(), |(i, _)| from + i)
}

/// The highlight of a body for the query's terms, or None when some term
/// matches no word of it: the search's own rule, which confirms a hit
/// against the post's current text.
pub fn highlight(body: &str, terms: &[String]) -> Option<String> {
    let last = terms.len().saturating_sub(1);
    let mut found = vec![false; terms.len()];
    let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
    for (w, r) in words(body) {
        let mut hit = false;
        for (i, t) in terms.iter().enumerate() {
            if matches(&w, t, i == last) {
                found[i] = true;
                hit = true;
            }
        }
        if hit {
            ranges.push(r);
        }
    }
    if !found.iter().all(|f| *f) {
        return None;
    }
    let first = ranges.first().map_or(0, |r| r.start);
    let mut start = if first == 0 {
        0
    } else {
        back(body, first, LEAD)
    };
    // Start the passage at a word boundary.
    if start > 0 {
        if let Some((sp, c)) = body[start..first]
            .char_indices()
            .find(|(_, c)| c.is_whitespace())
        {
            start += sp + c.len_utf8();
        }
    }
    let end = forward(body, start, PASSAGE);
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut at = start;
    for r in ranges.iter().filter(|r| r.start >= start && r.end <= end) {
        escape_html(&body[at..r.start], &mut out);
        out.push_str("<mark>");
        escape_html(&body[r.clone()], &mut out);
        out.push_str("</mark>");
        at = r.end;
    }
    escape_html(&body[at..end], &mut out);
    if end < body.len() {
        out.push('…');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn marks_and_escapes() {
        let h = highlight("I <b>slept</b> badly; Sleep is hard", &t(&["sleep"])).unwrap();
        assert_eq!(
            h,
            "I &lt;b&gt;<mark>slept</mark>&lt;/b&gt; badly; <mark>Sleep</mark> is hard"
        );
    }

    #[test]
    fn folds_and_forgives_typos_and_prefixes() {
        assert!(matches("cafe", "cafe", false));
        assert!(matches("anxiety", "anxeity", false));
        assert!(!matches("sleep", "slept", false));
        assert!(!matches("cat", "cut", false));
        assert!(matches("medication", "medicaiton", false));
        assert!(matches("medication", "medic", true));
        assert!(matches("medication", "medik", true));
        assert!(!matches("medication", "medic", false));
        let h = highlight("Le Café était fermé", &t(&["cafe"])).unwrap();
        assert_eq!(h, "Le <mark>Café</mark> était fermé");
    }

    #[test]
    fn wide_spaces_before_the_match() {
        for space in ['\u{a0}', '\u{3000}', '\u{2003}'] {
            let body = format!("{}{space}x panic", "é".repeat(70));
            assert!(highlight(&body, &t(&["panic"]))
                .unwrap()
                .contains("<mark>panic</mark>"));
            let body = format!("{}panic", format!("ab{space}").repeat(40));
            assert!(highlight(&body, &t(&["panic"]))
                .unwrap()
                .contains("<mark>panic</mark>"));
        }
    }

    #[test]
    fn all_terms_must_match() {
        assert!(highlight("I could not sleep", &t(&["sleep", "could"])).is_some());
        assert!(highlight("I could not rest", &t(&["sleep", "could"])).is_none());
        assert!(highlight("medication", &t(&["medic"])).is_some());
    }

    #[test]
    fn long_bodies_are_cut_around_the_match() {
        let body = format!("{} panic {}", "word ".repeat(100), "more ".repeat(100));
        let h = highlight(&body, &t(&["panic"])).unwrap();
        assert!(h.starts_with('…') && h.ends_with('…'), "{h}");
        assert!(h.contains("<mark>panic</mark>"));
        assert!(h.chars().count() < 230);
    }
}
