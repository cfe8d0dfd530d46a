//! Text to canonical tokens, in one pass.
//!
//! The rules match a canonical form of the text, so that they are written
//! once per concept rather than once per spelling: accents and case are
//! folded, quotations are dropped, leetspeak and censoring asterisks are
//! read through, repeated letters collapse, known misspellings and slang are
//! rewritten ("kms" is "kill myself", "dont" is "do not"), and sentence
//! ends become a `.` token. Every step looks at one token, or the token
//! after it, so the cost is linear in the text.
use super::lexicon;
use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

/// The canonical text: words of `[a-z0-9]` separated by single spaces, with
/// `.` for a sentence end and `,` for a clause break.
pub struct Canon {
    pub text: String,
    /// Byte offset of each token in `text`.
    pub starts: Vec<usize>,
}

impl Canon {
    /// Index of the token that starts at or contains byte `at`.
    pub fn token_at(&self, at: usize) -> usize {
        match self.starts.binary_search(&at) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    pub fn token(&self, i: usize) -> &str {
        let start = self.starts[i];
        let end = self
            .starts
            .get(i + 1)
            .map_or(self.text.len(), |e| e.saturating_sub(1));
        &self.text[start..end]
    }

    pub fn len(&self) -> usize {
        self.starts.len()
    }

    fn push(&mut self, word: &str) {
        if !self.text.is_empty() {
            self.text.push(' ');
        }
        self.starts.push(self.text.len());
        self.text.push_str(word);
    }

    fn push_break(&mut self, strong: bool) {
        let mark = if strong { "." } else { "," };
        match self.starts.last().map(|&s| &self.text[s..]) {
            // Never two breaks in a row; a strong one wins.
            Some(".") | None => {}
            Some(",") if strong => {
                self.text.truncate(self.text.len() - 1);
                self.text.push('.');
            }
            Some(",") => {}
            Some(_) => self.push(mark),
        }
    }
}

/// Longest quotation dropped as someone else's words: a stray quote mark
/// must not hide the rest of a post.
const MAX_QUOTE_CHARS: usize = 240;

pub fn canonical(text: &str) -> Canon {
    let folded = fold(text);
    let unquoted = drop_quotations(&folded);
    let mut out = Canon {
        text: String::with_capacity(unquoted.len()),
        starts: Vec::with_capacity(unquoted.len() / 4),
    };
    let mut raw: Vec<String> = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, raw: &mut Vec<String>| {
        if !word.is_empty() {
            raw.push(std::mem::take(word));
        }
    };
    // First split into raw tokens and breaks, then rewrite tokens with one
    // token of lookahead.
    let mut chars = unquoted.chars().peekable();
    while let Some(c) = chars.next() {
        // "k!ll", "k|ll": a symbol for a letter inside a word.
        let c = if matches!(c, '!' | '|')
            && !word.is_empty()
            && chars.peek().is_some_and(|n| n.is_alphabetic())
        {
            'i'
        } else {
            c
        };
        if c.is_alphanumeric() || matches!(c, '*' | '$' | '@') && !word.is_empty() {
            word.push(c);
        } else if c == '$' || c == '@' {
            // "$uicide": a leading symbol inside a word.
            if chars.peek().is_some_and(|n| n.is_alphabetic()) {
                word.push(c);
            } else {
                flush(&mut word, &mut raw);
            }
        } else if c == '\'' {
            // "don't" is "dont" (the rewrite table spells it out); "'s",
            // "'ll", "'re", "'ve", "'m" and "'d" become words of their own.
            if word.is_empty() {
                continue;
            }
            let rest: String = chars.clone().take(3).collect();
            let suffix = ["ll", "re", "ve", "s", "m", "d"].into_iter().find(|sfx| {
                rest.starts_with(sfx)
                    && !rest[sfx.len()..]
                        .chars()
                        .next()
                        .is_some_and(char::is_alphanumeric)
            });
            if let Some(sfx) = suffix {
                for _ in 0..sfx.len() {
                    chars.next();
                }
                let expanded = match sfx {
                    "ll" => Some("will"),
                    "re" => Some("are"),
                    "ve" => Some("have"),
                    "m" => Some("am"),
                    "d" => Some("would"),
                    _ if lexicon::takes_is(&word) => Some("is"),
                    _ => None,
                };
                flush(&mut word, &mut raw);
                if let Some(w) = expanded {
                    raw.push(w.to_owned());
                }
            }
        } else {
            flush(&mut word, &mut raw);
            match c {
                '.' | '!' | '?' | ';' | '\n' | '\r' | '\u{2026}' => raw.push(".".into()),
                ',' | ':' | '(' | ')' | '\u{2013}' | '\u{2014}' => raw.push(",".into()),
                '-' if chars.peek() == Some(&'-') || chars.peek() == Some(&' ') => {
                    raw.push(",".into())
                }
                _ => {}
            }
        }
    }
    flush(&mut word, &mut raw);
    let raw = join_spelled_out(raw);
    rewrite(&raw, &mut out);
    out
}

/// Compatibility decomposition, accents dropped, lower case, curly quotes
/// straightened, invisible characters removed.
fn fold(text: &str) -> String {
    text.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{2032}' | '`' | '\u{00b4}' => Some('\''),
            '\u{201c}' | '\u{201d}' | '\u{00ab}' | '\u{00bb}' | '\u{201e}' => Some('"'),
            '\u{200b}'..='\u{200d}' | '\u{feff}' | '\u{00ad}' => None,
            c => Some(c),
        })
        .collect()
}

/// Removes short double-quoted spans: what someone else said.
fn drop_quotations(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('"') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('"') {
            Some(close)
                if after[..close].chars().count() <= MAX_QUOTE_CHARS
                    && after[..close].split_whitespace().count() >= 2 =>
            {
                out.push_str(" , ");
                rest = &after[close + 1..];
            }
            _ => {
                out.push(' ');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn rewrite(raw: &[String], out: &mut Canon) {
    let mut i = 0;
    while i < raw.len() {
        let tok = raw[i].as_str();
        if tok == "." || tok == "," {
            out.push_break(tok == ".");
            i += 1;
            continue;
        }
        let word = clean(tok);
        let next = raw.get(i + 1).map(|n| clean(n));
        // Two-word spellings first ("self harm", "sewer slide").
        if let Some(n) = &next {
            if let Some(rep) = lexicon::bigram(&word, n) {
                for w in rep.split(' ') {
                    out.push(w);
                }
                i += 2;
                continue;
            }
        }
        match lexicon::rewrite(&word, next.as_deref(), last_word(out)) {
            Some(rep) => {
                for w in rep.split(' ') {
                    out.push(w);
                }
            }
            None => out.push(&word),
        }
        i += 1;
    }
}

/// "s u i c i d e": four or more single letters in a row that spell a
/// word the lexicon knows are that word.
fn join_spelled_out(raw: Vec<String>) -> Vec<String> {
    fn flush_run(run: &mut Vec<String>, out: &mut Vec<String>) {
        let joined = run.concat();
        if run.len() >= 4 && lexicon::is_known(&joined) {
            out.push(joined);
        } else {
            out.append(run);
        }
        run.clear();
    }
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    let mut run: Vec<String> = Vec::new();
    for w in raw {
        if w.len() == 1 && w.chars().all(|c| c.is_ascii_alphabetic()) {
            run.push(w);
            continue;
        }
        flush_run(&mut run, &mut out);
        out.push(w);
    }
    flush_run(&mut run, &mut out);
    out
}

fn last_word(out: &Canon) -> Option<&str> {
    out.starts.last().map(|&s| &out.text[s..])
}

/// One raw token to a plain word: leetspeak and censoring read through,
/// runs of letters collapsed, misspellings corrected.
fn clean(tok: &str) -> String {
    let has_alpha = tok.chars().any(|c| c.is_ascii_alphabetic());
    let mut w: String = if has_alpha && tok.chars().any(|c| !c.is_ascii_alphabetic()) {
        if let Some(known) = lexicon::slang_exact(tok) {
            return known.to_owned();
        }
        tok.chars()
            .map(|c| match c {
                '1' | '!' => 'i',
                '3' => 'e',
                '0' => 'o',
                '4' | '@' => 'a',
                '5' | '$' => 's',
                '7' => 't',
                c => c,
            })
            .collect()
    } else {
        tok.to_owned()
    };
    if w.contains('*') {
        w = lexicon::uncensor(&w).unwrap_or_else(|| w.replace('*', ""));
    }
    if !w.is_ascii() {
        return w;
    }
    let collapsed = collapse_runs(&w, 2);
    if lexicon::is_known(&collapsed) {
        return collapsed;
    }
    let single = collapse_runs(&collapsed, 1);
    if lexicon::is_known(&single) {
        return single;
    }
    // "cuttinggg" is "cutting": drop a doubled last letter.
    let mut trimmed = collapsed.clone();
    if trimmed.len() > 3
        && trimmed.as_bytes()[trimmed.len() - 1] == trimmed.as_bytes()[trimmed.len() - 2]
    {
        trimmed.pop();
        if lexicon::is_known(&trimmed) {
            return trimmed;
        }
    }
    // "endin", "thinkin": a dropped g.
    if collapsed.ends_with("in") && collapsed.len() >= 5 {
        let with_g = format!("{collapsed}g");
        if lexicon::is_known(&with_g) {
            return with_g;
        }
    }
    lexicon::correct(&collapsed).map_or(collapsed, str::to_owned)
}

/// Runs of one letter longer than `max` are cut to `max`.
fn collapse_runs(w: &str, max: usize) -> String {
    let mut out = String::with_capacity(w.len());
    let mut prev = '\0';
    let mut run = 0;
    for c in w.chars() {
        if c == prev {
            run += 1;
        } else {
            prev = c;
            run = 1;
        }
        if run <= max || c.is_ascii_digit() {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        canonical(s).text
    }

    #[test]
    fn folds_spelling_and_slang() {
        assert_eq!(canon("I  WANT to DIIIEEE!!!"), "i want to die .");
        assert_eq!(canon("kms rn"), "kms right now");
        assert_eq!(canon("s*icide"), "suicide");
        assert_eq!(canon("su1c1de"), "suicide");
        assert_eq!(canon("I don’t wanna"), "i do not want to");
        assert_eq!(canon("Naïve café"), "naive cafe");
        assert_eq!(
            canon("she said \"I want to die\" to me"),
            "she said , to me"
        );
    }
}
