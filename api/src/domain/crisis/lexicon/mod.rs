//! The words: spelling, slang, concept classes and the frames built from them.
//!
//! Frames are regular expressions over the canonical text (see
//! `normalize`), written with `{CLASS}` placeholders that expand to a
//! concept's words. Adding a synonym to a class teaches every frame that
//! uses it.
mod acts;
mod broad;
mod ideation;
mod others;
mod words;

use super::{Category, Risk};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;
use words::*;

/// Concept classes. Each is an alternation of canonical words or phrases.
pub const CLASSES: &[(&str, &str)] = &[
    // Someone is the writer.
    ("SELFOBJ", "myself|meself"),
    ("MY", "my|my own"),
    // Wanting or meaning to, now.
    (
        "WANT",
        "want to|want|wanted to|wanted|wanting to|been wanting to|needed to|wished to|need to|ready to|planning to|plan to|planning on|decided to|have decided to|deciding to|tempted to|trying to|try to|intend to|intending to|would like to|really want to|just want to|wish to|hoping to|determined to|can not wait to|itching to|urge to|urges to|longing to|long to|craving to|begging to|praying to",
    ),
    // Intent, including plain futures: only with acts, never with "die".
    (
        "INTEND",
        "want to|want|wanting to|need to|going to|am going to|will|ready to|about to|feel like|felt like|feeling like|planning to|plan to|planning on|decided to|have decided to|deciding to|tempted to|trying to|try to|intend to|intending to|got to|have to|would like to|really want to|just want to|wish to|hoping to|determined to|can not wait to|itching to|urge to|urges to|should|should just|might|might just|may|could just|gonna|finally",
    ),
    // Ways of saying "to die", wanted.
    (
        "DIE",
        "die|be dead|not be alive|not exist|not exist anymore|stop existing|stop living|not live|not wake up|never wake up|give up on life|leave this world|leave this earth|rest forever|stop breathing|sleep forever|go to sleep forever|not be alive anymore|end the pain forever",
    ),
    // Ways of saying "to kill myself", intended.
    (
        "ACT",
        "end it|end it all|end it tonight|end things|ending it|ending it all|ending things|ending my life|killing myself|end everything|end my life|end my own life|end mine|end this life|end my existence|take my life|take my own life|kill myself|off myself|top myself|do myself in|unalive myself|unalive|commit suicide|hang myself|overdose|od|check out early|check out for good|check out permanently|self delete|selfdelete|delete myself|rope|ctb|kms|go through with it|finally do it|do it tonight|do it this time|act on it|act on the thoughts|act on my thoughts|take the easy way out|take the coward s way out|yeet myself|yeeting myself|uninstall myself|game end myself|log off permanently|log off for good|log off forever|an hero|final exit|sewerslide|end my lyfe|take all my pills|take all the pills|swallow all",
    ),
    // Ways of acting on oneself that kill.
    (
        "KILLVERB",
        "kill|killing|uninstall|uninstalling|yeet|yeeting|hang|hanging|shoot|shooting|drown|drowning|poison|poisoning|gas|gassing|suffocate|suffocating|strangle|strangling|off|offing|unalive|unaliving|neck|necking|rope|roping|delete|deleting|erase|overdose|overdosing|od|end|ending|finish|finishing|stab|stabbing|electrocute|starve|starving|bleed|smother|suicide",
    ),
    // Ways of injuring oneself.
    (
        "HARMVERB",
        "cut|cutting|burn|burning|burned|burnt|scratched|punched|banged|bit|hit|hitting|punch|punching|scratch|scratching|hurt|hurting|harm|harming|bang|banging|bite|biting|carve|carving|slice|slicing|bruise|bruising|pinch|pinching|choke|choking|whip|whipping|scald|scalding|mutilate|mutilating|punish|punishing|injure|injuring",
    ),
    // Means: what an attempt uses.
    (
        "PILLS",
        "pills|pill|tablets|tablet|meds|medication|medications|medicine|sleeping pills|painkillers|paracetamol|tylenol|acetaminophen|ibuprofen|advil|aspirin|benzos|xanax|valium|diazepam|lorazepam|klonopin|oxy|oxycodone|opioids|fentanyl|heroin|insulin|lithium|antidepressants|sertraline|zoloft|prozac|fluoxetine|citalopram|quetiapine|seroquel|amitriptyline|codeine|morphine|tramadol|propranolol|antifreeze|bleach|rat poison|poison|capsules|caps|prescription|prescriptions|drugs|sleepers|stash",
    ),
    (
        "WEAPON",
        "gun|guns|pistol|handgun|revolver|rifle|shotgun|firearm|glock|ar15|bullet|bullets|ammo|knife|knives|blade|blades|machete|axe|hammer|bat|baseball bat|crowbar|bomb|explosives|weapon|weapons|gasoline|petrol|lighter fluid",
    ),
    (
        "HEIGHT",
        "bridge|ledge|roof|rooftop|cliff|edge|overpass|balcony|railing|tracks|train tracks|platform|tower|car park|parking garage|building|window|motorway|highway|freeway|dam|quarry",
    ),
    // A person other than the writer, as the target of harm.
    (
        "PERSON",
        "him|her|them|you|you all|that dude|this dude|the dude|that bloke|that lad|that bitch|the lady|that lady|the driver|the owner|those girls|those boys|those guys|the people|someone|somebody|anyone|anybody|everyone|everybody|people|every one of them|all of them|each of them|that guy|that girl|that man|that woman|this guy|him and her|(?:my|that|the|those|his|her|their|our|this) (?:boss|dad|father|mom|mum|mother|wife|husband|ex|exs|brother|sister|neighbor|neighbour|neighbors|neighbours|partner|coworker|coworkers|co workers|colleague|colleagues|boyfriend|girlfriend|son|daughter|teacher|teachers|family|kids|children|landlord|manager|roommate|flatmate|stepdad|stepmom|stepfather|stepmother|class|classmates|bully|bullies|supervisor|uncle|aunt|cousin|guy|girl|man|woman|people|lot|prick|bastard|bitch|idiot|abuser|rapist|ex husband|ex wife|exboyfriend|exgirlfriend|team|office|customers|students|staff|manager|stepbrother|stepsister|stepmum|mother in law|father in law|brother in law|sister in law|teammates|bosses|lecturer|coach|pastor|priest|doctor|therapist|nurse|cop|cops|police)",
    ),
    (
        "VIOLENCE",
        "kill|killing|murder|murdering|stab|stabbing|shoot|shooting|strangle|strangling|choke|choking|hurt|hurting|poison|poisoning|attack|attacking|beat up|beating up|beat the shit out of|bash|bashing|smash|smashing|slit|slitting|torture|torturing|burn|burning|run over|running over|run|ram|punch|punching|harm|harming|gut|slash|cut|knife|shank|blow up|bomb|throw acid on|acid",
    ),
    (
        "SOON",
        "tonight|today|tomorrow|this weekend|this week|right now|now|soon|this evening|this afternoon|this morning|after (?:the )?session|before (?:the )?session|after work|after school|after everyone|when everyone|in an hour|in a few hours|friday|saturday|sunday|monday|tuesday|wednesday|thursday|next week|at midnight|by morning|this time|later|the date|the day",
    ),
];

/// How a frame's match is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Speaks for the writer by its own words ("myself", "I"): other
    /// people nearby do not make it someone else's.
    Explicit,
    /// Has no subject of its own: the nearest subject decides.
    Subject,
    /// Harm aimed at other people.
    Others,
}

pub struct FrameSpec {
    pub category: Category,
    pub risk: Risk,
    pub scope: Scope,
    /// Context that makes it talk about risk rather than risk (fiction,
    /// prevention work, news) does not apply: the words are too direct.
    pub strong: bool,
    pub pattern: &'static str,
}

pub(super) const fn f(
    category: Category,
    risk: Risk,
    scope: Scope,
    strong: bool,
    pattern: &'static str,
) -> FrameSpec {
    FrameSpec {
        category,
        risk,
        scope,
        strong,
        pattern,
    }
}

/// The built-in frames, by theme. Order does not matter; the highest
/// level found wins.
pub fn frames() -> impl Iterator<Item = &'static FrameSpec> {
    ideation::FRAMES
        .iter()
        .chain(acts::FRAMES)
        .chain(others::FRAMES)
        .chain(broad::FRAMES)
}

pub fn bigram(a: &str, b: &str) -> Option<&'static str> {
    BIGRAMS
        .iter()
        .find(|e| e.0 == a && e.1 == b && !e.2.is_empty())
        .map(|e| e.2)
}

pub fn slang_exact(tok: &str) -> Option<&'static str> {
    rewrites().get(tok).copied()
}

/// The canonical words for `word`, or None to keep it as it is.
pub fn rewrite(word: &str, next: Option<&str>, prev: Option<&str>) -> Option<&'static str> {
    if word == "ill" {
        // "I'll" unless it is the adjective ("feel ill", "mentally ill").
        let adjective = prev.is_some_and(|p| {
            matches!(
                p,
                "feel"
                    | "feeling"
                    | "felt"
                    | "am"
                    | "is"
                    | "was"
                    | "be"
                    | "been"
                    | "so"
                    | "very"
                    | "really"
                    | "mentally"
                    | "terminally"
                    | "chronically"
                    | "seriously"
                    | "critically"
                    | "gravely"
                    | "are"
                    | "were"
                    | "get"
                    | "got"
                    | "getting"
                    | "fell"
                    | "falling"
                    | "quite"
                    | "too"
            )
        });
        let adjective = adjective || next.is_some_and(|n| matches!(n, "and" | "with" | "from"));
        return if adjective { None } else { Some("i will") };
    }
    if word == "od" {
        return Some("od");
    }
    // "an" for "and" in hurried typing: never an article before these.
    if word == "an" && next.is_some_and(|n| matches!(n, "the" | "my" | "i" | "then" | "now")) {
        return Some("and");
    }
    rewrites().get(word).copied()
}

fn rewrites() -> &'static HashMap<&'static str, &'static str> {
    static M: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    M.get_or_init(|| REWRITES.iter().copied().collect())
}

/// Every word the lexicon uses: a word outside it is not corrected towards it.
pub fn is_known(word: &str) -> bool {
    static S: OnceLock<HashSet<String>> = OnceLock::new();
    S.get_or_init(|| {
        let mut s = HashSet::new();
        let mut add = |text: &str| {
            for w in text.split(|c: char| !c.is_ascii_alphanumeric()) {
                if !w.is_empty() {
                    s.insert(w.to_owned());
                }
            }
        };
        for (_, words) in CLASSES {
            add(words);
        }
        for spec in frames() {
            add(spec.pattern);
        }
        for (from, to) in REWRITES {
            add(from);
            add(to);
        }
        for w in [
            "all", "good", "off", "too", "see", "feel", "will", "need", "sleep", "wall", "three",
            "been", "seen", "free", "keep", "week", "cool", "soon", "look", "book", "really",
            "still", "well", "kill", "till", "bill", "pill", "pills", "hell", "tell", "sorry",
            "happy", "little", "better", "bitter", "letter", "summer", "dinner", "coffee", "meet",
            "agree", "three", "screen", "green", "deep", "sweet", "feet", "teeth", "door", "floor",
            "moon", "food", "mood", "blood", "dizzy", "stuff", "staff", "cross", "class", "grass",
            "glass", "miss", "less", "mess", "stress", "address", "kiss",
        ] {
            s.insert(w.to_owned());
        }
        s
    })
    .contains(word)
}

/// `s*icide` is `suicide`: the asterisks stand for any one letter.
pub fn uncensor(word: &str) -> Option<String> {
    let chars: Vec<char> = word.chars().collect();
    CENSORED
        .iter()
        .find(|c| c.len() == chars.len() && c.chars().zip(&chars).all(|(a, &b)| b == '*' || a == b))
        .map(|c| (*c).to_owned())
}

/// A known misspelling, or one typo away from a long key word.
pub fn correct(word: &str) -> Option<&'static str> {
    if let Some(w) = rewrites().get(word) {
        return Some(w);
    }
    if word.len() < 6 || word.len() > 12 {
        return None;
    }
    FUZZY.iter().copied().find(|k| one_edit(word, k))
}

/// Damerau-Levenshtein distance of exactly one.
fn one_edit(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a == b {
        return false;
    }
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[prefix..], &b[prefix..]);
    match ra.len() as isize - rb.len() as isize {
        0 => {
            ra[1..] == rb[1..]
                || (ra.len() >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && ra[2..] == rb[2..])
        }
        1 => ra[1..] == *rb,
        -1 => *ra == rb[1..],
        _ => false,
    }
}

/// Words whose "'s" is "is" rather than a possessive.
pub fn takes_is(word: &str) -> bool {
    matches!(
        word,
        "it" | "that"
            | "he"
            | "she"
            | "what"
            | "there"
            | "here"
            | "who"
            | "tonight"
            | "today"
            | "tomorrow"
            | "everything"
            | "nothing"
            | "life"
            | "this"
            | "everyone"
            | "nobody"
            | "noone"
            | "where"
            | "how"
            | "knife"
            | "gun"
            | "rope"
            | "plan"
            | "decision"
            | "note"
            | "time"
            | "one"
            | "someone"
            | "somebody"
            | "everybody"
            | "anyone"
    )
}

/// A word of the PERSON class: someone harm could be aimed at.
pub fn is_person(word: &str) -> bool {
    static S: OnceLock<HashSet<&'static str>> = OnceLock::new();
    S.get_or_init(|| {
        CLASSES
            .iter()
            .filter(|(name, _)| *name == "PERSON")
            .flat_map(|(_, words)| words.split(|c: char| !c.is_ascii_alphanumeric()))
            .filter(|w| {
                w.len() > 2
                    && !matches!(
                        *w,
                        "my" | "that"
                            | "the"
                            | "those"
                            | "his"
                            | "her"
                            | "their"
                            | "our"
                            | "this"
                            | "all"
                            | "and"
                            | "lot"
                    )
            })
            .collect()
    })
    .contains(word)
}

/// Expands `{CLASS}` placeholders.
pub fn expand(pattern: &str) -> String {
    let mut out = pattern.to_owned();
    for (name, words) in CLASSES {
        out = out.replace(&format!("{{{name}}}"), words);
    }
    out
}
