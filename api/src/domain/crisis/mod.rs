//! Crisis-language detection.
//!
//! An aid to the facilitator, not a clinical judgement: it looks for
//! statements of risk to self or others so that a human can reach the
//! person quickly. It never hides a post. The method, the categories and
//! their levels are documented in the README ("Crisis detection").
//!
//! 1. `normalize` turns the text into canonical words in one pass: case,
//!    accents, leetspeak, censoring, repeated letters, misspellings, slang
//!    and contractions; quotations are dropped.
//! 2. `lexicon` holds concept classes (wanting, dying, acts, means, time,
//!    people) and the frames built from them, each with a category and a
//!    level. One `RegexSet` pass finds which frames occur at all.
//! 3. Each occurrence is judged in a bounded window around it: negation
//!    before it, whose experience it is (the nearest subject), fiction,
//!    prevention work and news, idioms after it, and the past. The past
//!    lowers a match to ELEVATED, and to nothing when the post says it is
//!    over.
//!
//! Every step is linear in the text: the windows have a fixed size.
mod build;
pub mod eval;
mod indirect;
mod judge;
mod lexicon;
pub mod model;
mod normalize;
mod signs;
#[cfg(test)]
mod tests;
mod words;

use lexicon::Scope;
use regex::{Regex, RegexSet};
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
    serde_json::from_str(include_str!("../../../resources/support_resources.json"))
        .unwrap_or_default()
}

/// Extra lexicon from deployment config: frames are regular expressions
/// over the canonical text (lower case, one space between words, `.` at
/// sentence ends, contractions spelled out: "do not", "i am").
#[derive(Debug, Default, Deserialize)]
pub struct ExtraLexicon {
    /// URGENT risk to self.
    #[serde(default, rename = "self")]
    pub selves: Vec<String>,
    /// URGENT risk to others.
    #[serde(default)]
    pub others: Vec<String>,
    /// ELEVATED risk to self (passive wishes, local euphemisms).
    #[serde(default)]
    pub elevated: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Risk {
    None,
    Elevated,
    Urgent,
}

impl Risk {
    /// How a post keeps it: None for no risk.
    pub fn stored(self) -> Option<String> {
        match self {
            Risk::None => None,
            Risk::Elevated => Some("elevated".into()),
            Risk::Urgent => Some("urgent".into()),
        }
    }

    pub fn from_stored(s: Option<&str>) -> Risk {
        match s {
            Some("urgent") => Risk::Urgent,
            Some("elevated") => Risk::Elevated,
            _ => Risk::None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    SelfHarm,
    Others,
}

/// What a detection is about; each has a level (see `lexicon::frames`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Wanting or thinking to die by suicide, now. URGENT.
    Ideation,
    /// Wishing not to be alive, without intent. ELEVATED.
    PassiveWish,
    /// Burden and "if I were gone". ELEVATED.
    Conditional,
    /// A decision, a plan or a time. URGENT.
    PlanIntent,
    /// Gathering means, notes, giving things away. URGENT.
    MeansPreparation,
    /// An attempt under way. URGENT.
    InProgress,
    /// Hurting oneself now, or the urge to. URGENT.
    SelfHarm,
    /// Cannot keep oneself safe. URGENT.
    CannotStaySafe,
    /// A farewell that reads as final. URGENT.
    Goodbye,
    /// Harm to other people. URGENT.
    ThreatToOthers,
    /// Any of the above, told as past and not said to be over. ELEVATED.
    Past,
}

impl Category {
    /// Words for the facilitator's flag note.
    pub fn describe(self) -> &'static str {
        match self {
            Category::Ideation => "suicidal thoughts",
            Category::PassiveWish => "a wish not to be alive",
            Category::Conditional => "feeling a burden, or that others are better off",
            Category::PlanIntent => "a plan, decision or time to act",
            Category::MeansPreparation => "means or preparation",
            Category::InProgress => "an attempt that may be under way",
            Category::SelfHarm => "self-harm",
            Category::CannotStaySafe => "cannot keep safe",
            Category::Goodbye => "a goodbye that reads as final",
            Category::ThreatToOthers => "a threat to other people",
            Category::Past => "past suicidal thoughts, attempt or self-harm",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detection {
    pub risk: Risk,
    pub target: Option<Target>,
    pub category: Option<Category>,
}

impl Detection {
    const NONE: Detection = Detection {
        risk: Risk::None,
        target: None,
        category: None,
    };
}

struct Frame {
    re: Regex,
    category: Category,
    risk: Risk,
    scope: Scope,
    strong: bool,
    /// The frame spells out a negation itself ("no reason to live").
    negates: bool,
    /// Ordinary words ("it's all planned") that count only in a post that
    /// speaks of death, harm or farewell somewhere.
    needs_dark: bool,
    /// A threat frame that names neither a person nor a place: someone
    /// must be named nearby.
    needs_victim: bool,
    /// A warning sign (see `signs`): counts only with another.
    sign: bool,
}

pub struct Detector {
    frames: Vec<Frame>,
    /// The frames in a few sets, each scanned once: one set of them all
    /// needs a lazy DFA too large to stay cached.
    sets: Vec<(usize, RegexSet)>,
    past: Regex,
    resolved: Regex,
    returning: Regex,
    dark: Regex,
    recent: Regex,
    accident: Regex,
    benign: Regex,
    model: Option<model::Model>,
    threshold: f64,
}

/// What the whole post says, beside any one match.
#[derive(Clone, Copy)]
struct Post {
    /// It says the risk is over ("clean for three years").
    resolved: bool,
    /// It says the writer will be back ("see you Tuesday").
    returning: bool,
}
