//! Crisis-language detection.
//!
//! An aid to the facilitator, not a clinical judgement: it looks for
//! explicit statements of risk to self or others so that a human can reach
//! the person quickly. It will miss indirect distress and can be fooled by
//! unusual phrasing; it never hides a post.
//!
//! Method, per clause (text is lower-cased, quotations removed, and split at
//! sentence ends, semicolons, commas and "but"):
//! 1. Fiction and media ("in the book", "my character", "the movie") skip
//!    the clause.
//! 2. Lexicon phrases are matched as regular expressions: risk to self
//!    ("kill myself", "want to die", "end my life", "better off dead", …) and
//!    risk to others (a harm verb aimed at a person: "kill him", "hurt
//!    someone", …).
//! 3. The clause must be in the first person (I, me, my) before the phrase.
//! 4. Negation within the four words before the phrase ("never", "not",
//!    "don't", "wouldn't", …) cancels it; so do idioms ("… laughing",
//!    "could kill … for").
//! 5. A past-time marker ("last year", "used to", "when I was", "years
//!    ago") or a past-tense phrase ("wanted to die") lowers the match to
//!    ELEVATED: worth support resources, not an alert.
//!
//! An URGENT match raises a SYSTEM flag; ELEVATED only shows the author
//! support resources. The lexicon can be extended with `extra_self` and
//! `extra_others` phrases (regular expressions) from deployment config.
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// Somewhere to turn, shown to a member whose words suggest risk.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SupportResource {
    pub title: String,
    pub description: String,
    pub url: Option<String>,
    pub phone: Option<String>,
}

/// The list that ships with Hearth.
pub fn default_support_resources() -> Vec<SupportResource> {
    serde_json::from_str(include_str!("../../resources/support_resources.json")).unwrap_or_default()
}

/// Extra lexicon phrases from deployment config.
#[derive(Debug, Default, Deserialize)]
pub struct ExtraLexicon {
    #[serde(default, rename = "self")]
    pub selves: Vec<String>,
    #[serde(default)]
    pub others: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Risk {
    None,
    Elevated,
    Urgent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    SelfHarm,
    Others,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detection {
    pub risk: Risk,
    pub target: Option<Target>,
}

impl Detection {
    const NONE: Detection = Detection {
        risk: Risk::None,
        target: None,
    };
}

const SELF_PHRASES: &[&str] = &[
    r"(kill|killing|hurt|hurting|harm|harming|cut|cutting|hang|hanging|shoot|shooting|drown|drowning|poison|poisoning|starve|starving|off) myself",
    r"(end|ending|take|taking) (my|my own) life",
    r"(want|wanna|wish|need|going|gonna|plan|planning|ready|about|decided|deciding|tempted|trying) (to )?((just|really|simply) )?(die|be dead|not be alive|not exist|stop existing|disappear forever)",
    r"(thinking|think|thought|considering|consider) (about |of )?(suicide|killing myself|ending (it|my life)|dying|taking my (own )?life)",
    r"(planning|plan|planned|planning out) my (suicide|death)",
    r"(don't|do not|dont|no longer) want to (live|be alive|be here anymore|exist|wake up)",
    r"(don't|do not|dont|can't|cannot) see (the|any) point in (living|being alive|going on|life)",
    r"(wish|wished) i (was|were) dead",
    r"wish i (had never been born|could (just )?die|would die|wasn't alive|wasn't here)",
    r"(am|i'm|im|feel|feeling|been) suicidal",
    r"suicide (plan|note|attempt)",
    r"(no|not any) (reason|point) (to|in) (live|living|going on|being alive)",
    r"better off (dead|without me)",
    r"better off if i (was|were) (dead|gone)",
    r"rather be dead",
    r"should (just )?(die|be dead)",
    r"(can't|cant) i (just )?die",
    r"(want|wish|need) (my life|it all|everything) to (be over|end)",
    r"(end|ending) it all",
    r"(overdose|od)( on)?",
    r"(saving|saved|stockpiling|hoarding|counting) (up )?(my |the )?(pills|meds|medication|tablets)",
    r"(pills|meds|tablets) saved( up)?",
    r"(took|take|swallow|swallowed) (all|a bunch of|the whole bottle of) (my |the )?(pills|tablets)",
    r"(jump|jumping) (off|in front of) (a|the) (bridge|building|roof|train)",
    r"(been|started|keep|kept) (self[- ]harming|cutting again|hurting myself)",
    r"can't (keep living|go on living)",
    r"(say|said|saying) goodbye to everyone",
];

const OTHER_PHRASES: &[&str] = &[
    r"(kill|killing|murder|murdering|stab|stabbing|shoot|shooting|strangle|strangling|hurt|hurting|poison|poisoning|attack|attacking|beat up|beating up|run over) (him|her|them|you|someone|somebody|anyone|anybody|everyone|everybody|people|(my|that|the|those) (boss|dad|father|mom|mum|mother|wife|husband|ex|brother|sister|neighbou?r|neighbou?rs|partner|coworkers?|co-workers?|boyfriend|girlfriend|son|daughter|teacher|family|kids|landlord|manager|roommate|stepdad|stepmom|stepfather|stepmother|class|classmates))",
    r"(make|making) (him|her|them) pay (in blood|with (his|her|their) li(fe|ves))",
    r"(bring|bringing) a (gun|knife|weapon) to (work|school|the office|class)",
    r"(use|using) (it|the knife|the gun|a knife|a gun) on (him|her|them|you|someone|somebody)",
];

const NEGATIONS: &[&str] = &[
    "never", "not", "no", "don't", "dont", "won't", "wont", "wouldn't", "wouldnt", "can't",
    "cannot", "didn't", "didnt", "isn't", "nobody", "nothing", "neither", "nor", "without", "stop",
    "stopped", "quit",
];

const FIRST_PERSON: &[&str] = &[
    "i", "i'm", "im", "i've", "ive", "i'll", "ill", "i'd", "me", "my", "myself",
];

/// Someone else as the subject: "he wants to die" is not the author's risk.
const THIRD_PERSON: &[&str] = &[
    "he", "she", "they", "he's", "she's", "they're", "his", "her", "their", "him", "them",
    "friend", "friend's", "brother", "sister", "mom", "dad", "mother", "father", "nephew", "niece",
    "son", "daughter", "grandma", "grandpa", "someone", "people", "everyone", "nobody",
];

/// Statements that speak for the author even without "I".
const IMPERSONAL_OK: &[&str] = &["no reason", "no point", "not any", "better off without me"];

/// Words after a phrase that make it an idiom: "killed myself laughing",
/// "take my life back", "die of embarrassment".
const IDIOM_AFTER_ANY: &[&str] = &["laughing", "laughter", "lol", "haha", "lmao"];
const IDIOM_AFTER_LIFE: &[&str] = &["back", "in", "into", "more", "seriously", "forward", "over"];
const IDIOM_AFTER_DIE: &[&str] = &["of", "from", "for", "laughing"];

const FICTION: &[&str] = &[
    "book",
    "novel",
    "movie",
    "film",
    "character",
    "story",
    "episode",
    "series",
    "show",
    "song",
    "lyrics",
    "game",
    "poem",
    "play",
    "chapter",
    "scene",
    "villain",
    "hero",
    "protagonist",
    "fanfic",
    "anime",
    "documentary",
    "podcast",
];

const PAST_MARKERS: &[&str] = &[
    r"last (year|month|summer|winter|spring|autumn|fall|decade)",
    r"(years|months) ago",
    r"used to",
    r"back (then|when)",
    r"when i was (a |younger|little|\d+|in)",
    r"in the past",
    r"as a (teen|teenager|kid|child)",
    r"at (that|the) time",
    r"a long time ago",
    r"no longer",
    r"anymore (now|today)",
    r"in (19|20)\d\d",
    r"survived",
];

const PAST_VERBS: &[&str] = &[
    "wanted",
    "wished",
    "tried",
    "thought",
    "felt",
    "planned",
    "attempted",
    "survived",
    "was",
];

/// "I've thought about it": present perfect is now, not the past.
const PERFECT: &[&str] = &["i've", "ive", "have", "has", "been"];

struct Compiled {
    selves: Vec<Regex>,
    others: Vec<Regex>,
    past: Regex,
    quotes: Regex,
    splitter: Regex,
}

fn compile(extra_self: &[String], extra_others: &[String]) -> Result<Compiled, regex::Error> {
    let wrap = |p: &str| Regex::new(&format!(r"\b(?:{p})\b"));
    Ok(Compiled {
        selves: SELF_PHRASES
            .iter()
            .map(|p| wrap(p))
            .chain(extra_self.iter().map(|p| wrap(p)))
            .collect::<Result<_, _>>()?,
        others: OTHER_PHRASES
            .iter()
            .map(|p| wrap(p))
            .chain(extra_others.iter().map(|p| wrap(p)))
            .collect::<Result<_, _>>()?,
        past: Regex::new(&format!(r"\b(?:{})\b", PAST_MARKERS.join("|")))?,
        quotes: Regex::new(r#""[^"]*"|“[^”]*”"#)?,
        splitter: Regex::new(r"[.!?;:\n]+|,|\bbut\b|\bthough\b")?,
    })
}

pub struct Detector {
    compiled: Compiled,
}

impl Detector {
    /// The built-in lexicon plus deployment-specific phrases.
    pub fn with_extra(
        extra_self: &[String],
        extra_others: &[String],
    ) -> Result<Self, regex::Error> {
        Ok(Detector {
            compiled: compile(extra_self, extra_others)?,
        })
    }

    /// The built-in lexicon.
    pub fn builtin() -> &'static Detector {
        static D: OnceLock<Detector> = OnceLock::new();
        D.get_or_init(|| {
            Detector::with_extra(&[], &[]).unwrap_or_else(|e| panic!("built-in lexicon: {e}"))
        })
    }

    pub fn detect(&self, text: &str) -> Detection {
        let c = &self.compiled;
        let normal = text
            .to_lowercase()
            .replace(['\u{2019}', '\u{2018}', '`'], "'");
        let unquoted = c.quotes.replace_all(&normal, " ");
        let mut best = Detection::NONE;
        for clause in c.splitter.split(&unquoted) {
            let d = self.clause(clause);
            if d.risk > best.risk {
                best = d;
            }
        }
        best
    }

    fn clause(&self, clause: &str) -> Detection {
        let c = &self.compiled;
        let words: Vec<&str> = clause
            .split(|ch: char| !(ch.is_alphanumeric() || ch == '\''))
            .filter(|w| !w.is_empty())
            .collect();
        if words.iter().any(|w| FICTION.contains(w)) {
            return Detection::NONE;
        }
        let mut best = Detection::NONE;
        for (patterns, target) in [(&c.selves, Target::SelfHarm), (&c.others, Target::Others)] {
            for re in patterns {
                for m in re.find_iter(clause) {
                    let risk = self.judge(clause, m.start(), m.end(), target);
                    if risk > best.risk {
                        best = Detection {
                            risk,
                            target: Some(target),
                        };
                    }
                }
            }
        }
        best
    }

    fn judge(&self, clause: &str, start: usize, end: usize, target: Target) -> Risk {
        let before: Vec<&str> = words(&clause[..start]);
        let matched = &clause[start..end];
        let matched_words = words(matched);
        let after: Vec<&str> = words(&clause[end..]);
        let first_person = matched_words.iter().any(|w| FIRST_PERSON.contains(w))
            || before.iter().any(|w| FIRST_PERSON.contains(w));
        if !first_person {
            let about_someone_else = before.iter().any(|w| THIRD_PERSON.contains(w));
            let impersonal_ok = target == Target::SelfHarm
                && IMPERSONAL_OK
                    .iter()
                    .any(|p| matched.starts_with(p) || matched.ends_with(p));
            if about_someone_else || !impersonal_ok {
                return Risk::None;
            }
        }
        // Negation just before the phrase ("I would never hurt myself"),
        // unless it is negated itself ("I can't stop thinking about dying").
        let window = &before[before.len().saturating_sub(5)..];
        let phrase_negates = matched_words.first().is_some_and(|w| NEGATIONS.contains(w));
        let negated = window.iter().enumerate().any(|(i, w)| {
            let negation = NEGATIONS.contains(w);
            let negates_stop = matches!(window.get(i + 1), Some(&"stop" | &"stopped"));
            negation && !negates_stop && !is_double_negative(window, i)
        });
        if !phrase_negates && negated {
            return Risk::None;
        }
        let next = after.first().copied().unwrap_or("");
        let idiom = IDIOM_AFTER_ANY.contains(&next)
            || (matched.ends_with("life") && IDIOM_AFTER_LIFE.contains(&next))
            || (matched.ends_with("die") && IDIOM_AFTER_DIE.contains(&next));
        if idiom {
            return Risk::None;
        }
        if window.contains(&"could") && after.contains(&"for") {
            return Risk::None;
        }
        if target == Target::Others && window.iter().any(|w| *w == "could" || *w == "might") {
            return Risk::Elevated;
        }
        // A past-tense verb right before or opening the phrase, unless it is
        // present perfect ("I've thought about suicide today").
        let lead: Vec<&str> = before
            .iter()
            .rev()
            .take(3)
            .copied()
            .chain(matched_words.iter().take(1).copied())
            .collect();
        let perfect = before.iter().rev().take(3).any(|w| PERFECT.contains(w));
        let past_verb = !perfect && lead.iter().any(|w| PAST_VERBS.contains(w));
        if self.compiled.past.is_match(clause) || past_verb {
            return Risk::Elevated;
        }
        Risk::Urgent
    }
}

/// "can't stop", "couldn't stop": a negated "stop" affirms what follows.
fn is_double_negative(window: &[&str], i: usize) -> bool {
    matches!(window[i], "stop" | "stopped" | "quit") && i > 0 && NEGATIONS.contains(&window[i - 1])
}

fn words(s: &str) -> Vec<&str> {
    s.split(|ch: char| !(ch.is_alphanumeric() || ch == '\''))
        .filter(|w| !w.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn risk(s: &str) -> Risk {
        Detector::builtin().detect(s).risk
    }

    #[test]
    fn the_issue_examples() {
        assert_eq!(risk("I want to kill myself"), Risk::Urgent);
        assert_eq!(risk("this commute is killing me"), Risk::None);
        assert_eq!(risk("I'd never hurt myself"), Risk::None);
        assert_eq!(risk("my character dies in the book"), Risk::None);
        assert_ne!(
            risk("last year I wanted to die, today I feel better"),
            Risk::Urgent
        );
    }

    struct Score {
        n: u32,
        precision: f64,
        recall: f64,
    }

    fn score(data: &str) -> Score {
        let (mut tp, mut fp, mut fn_, mut n) = (0u32, 0u32, 0u32, 0u32);
        for line in data
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        {
            let (label, text) = line.split_once('\t').expect("label<TAB>sentence");
            n += 1;
            let positive = label.trim() == "1";
            let flagged = risk(text) == Risk::Urgent;
            match (positive, flagged) {
                (true, true) => tp += 1,
                (false, true) => {
                    fp += 1;
                    println!("  false positive: {text}");
                }
                (true, false) => {
                    fn_ += 1;
                    println!("  missed: {text}");
                }
                _ => {}
            }
        }
        Score {
            n,
            precision: f64::from(tp) / f64::from(tp + fp).max(1.0),
            recall: f64::from(tp) / f64::from(tp + fn_).max(1.0),
        }
    }

    /// The labelled evaluation set (written with the detector) and a
    /// held-out set (written after it, never used to tune it): precision and
    /// recall of URGENT must not drop below their levels when this was written.
    #[test]
    fn evaluation_set() {
        let eval = score(include_str!("../../../tests/crisis_eval.tsv"));
        println!(
            "evaluation: {} sentences, precision {:.3}, recall {:.3}",
            eval.n, eval.precision, eval.recall
        );
        let held = score(include_str!("../../../tests/crisis_holdout.tsv"));
        println!(
            "held out: {} sentences, precision {:.3}, recall {:.3}",
            held.n, held.precision, held.recall
        );
        assert!(eval.n >= 300, "the evaluation set has {} sentences", eval.n);
        assert!(
            eval.precision >= PRECISION_FLOOR,
            "precision {:.3}",
            eval.precision
        );
        assert!(eval.recall >= RECALL_FLOOR, "recall {:.3}", eval.recall);
        assert!(
            held.precision >= HELD_PRECISION_FLOOR,
            "held-out precision {:.3}",
            held.precision
        );
        assert!(
            held.recall >= HELD_RECALL_FLOOR,
            "held-out recall {:.3}",
            held.recall
        );
    }

    const PRECISION_FLOOR: f64 = 0.999;
    const HELD_PRECISION_FLOOR: f64 = 0.869;
    const HELD_RECALL_FLOOR: f64 = 0.909;
    const RECALL_FLOOR: f64 = 0.98;
}
