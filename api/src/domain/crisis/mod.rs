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
pub mod eval;
mod indirect;
mod lexicon;
pub mod model;
mod normalize;
mod signs;

use lexicon::Scope;
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
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

/// What a detection is about; each has a level (see `lexicon::FRAMES`).
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

/// Words that negate what follows them in a clause.
const NEGATIONS: &[&str] = &[
    "not", "no", "never", "nobody", "nothing", "neither", "nor", "without", "zero", "none",
    "nicht", "nie", "pas", "asked", "asks", "asking", "ask",
];
impl Detector {
    /// A return cue anywhere in the post that is not negated.
    fn returning(&self, text: &str) -> bool {
        self.returning
            .find_iter(text)
            .any(|m| !negated_before(&text[..m.start()]))
    }
}

/// Whether the last few words before a cue negate it: "I won't be coming
/// back" is no plan to return.
fn negated_before(text: &str) -> bool {
    text.split_whitespace()
        .rev()
        .take_while(|w| !matches!(*w, "." | "," | "but"))
        .take(5)
        .any(|w| matches!(w, "not" | "never" | "no"))
}

/// Words that end a negation's reach (NegEx terminators).
const TERMINATORS: &[&str] = &[
    "but", "however", "although", "though", "yet", "except", "still", "anyway", "and", "because",
];
/// After a negation, these make it affirm: "can not stop thinking".
const DOUBLE_NEGATIVE: &[&str] = &["stop", "help", "resist", "shake", "get", "wait", "fight"];
/// "We" includes the writer: a pact is the writer's risk.
const SELF_SUBJECTS: &[&str] = &["i", "me", "myself", "my", "we"];
const OTHER_SUBJECTS: &[&str] = &[
    "he",
    "she",
    "they",
    "you",
    "yourself",
    "himself",
    "herself",
    "themselves",
    "someone",
    "somebody",
    "people",
    "friend",
    "friends",
    "brother",
    "sister",
    "mom",
    "mum",
    "dad",
    "mother",
    "father",
    "son",
    "daughter",
    "cousin",
    "wife",
    "husband",
    "partner",
    "boyfriend",
    "girlfriend",
    "bf",
    "gf",
    "client",
    "clients",
    "patient",
    "patients",
    "character",
    "coworker",
    "colleague",
    "niece",
    "nephew",
    "aunt",
    "uncle",
    "grandma",
    "grandpa",
    "grandad",
    "granddad",
    "grandmother",
    "grandfather",
    "nan",
    "nana",
    "kid",
    "kids",
    "student",
    "students",
    "teen",
    "teenager",
    "girl",
    "guy",
    "man",
    "woman",
    "boy",
    "member",
    "members",
    "child",
    "children",
    "parents",
    "ex",
    "roommate",
    "neighbour",
    "neighbor",
    "classmate",
    "bestie",
    "bff",
    "mate",
    "stepdad",
    "stepmom",
    "flatmate",
    "housemate",
    "sponsor",
    "baby",
    "user",
    "poster",
    "op",
    "celebrity",
    "singer",
    "actor",
    "author",
    "narrator",
    "protagonist",
    "villain",
    "hero",
    "soldier",
    "teacher",
    "boss",
];
/// Someone harm could be aimed at.
const VICTIMS: &[&str] = &[
    "him",
    "her",
    "them",
    "his",
    "their",
    "he",
    "she",
    "they",
    "you",
    "your",
    "everyone",
    "everybody",
    "anyone",
    "somebody",
];
/// A person after one of these is an object, not the subject.
const PREPOSITIONS: &[&str] = &[
    "with", "to", "for", "about", "at", "from", "like", "than", "of", "miss", "see", "join",
    "without", "by", "on", "told", "tell", "asked", "ask", "called", "call", "texted",
];
/// Verbs whose object may be a relative's thing: "took my father's gun".
const TAKING: &[&str] = &[
    "took", "take", "taking", "got", "get", "grabbed", "borrowed", "stole", "found", "using",
    "used", "have", "had", "has", "got out",
];
/// Talk about risk rather than risk: media, fiction, prevention work, news.
const CONTEXT_WORDS: &[&str] = &[
    "book",
    "novel",
    "movie",
    "film",
    "films",
    "character",
    "characters",
    "story",
    "episode",
    "series",
    "season",
    "show",
    "song",
    "songs",
    "lyrics",
    "lyric",
    "game",
    "games",
    "gaming",
    "poem",
    "poetry",
    "scene",
    "villain",
    "protagonist",
    "chapter",
    "fanfic",
    "fic",
    "anime",
    "manga",
    "documentary",
    "biography",
    "memoir",
    "autobiography",
    "podcast",
    "article",
    "news",
    "headline",
    "netflix",
    "tv",
    "npc",
    "quest",
    "respawn",
    "level",
    "boss",
    "raid",
    "fortnite",
    "minecraft",
    "dnd",
    "campaign",
    "actor",
    "actress",
    "plot",
    "prevention",
    "awareness",
    "hotline",
    "helpline",
    "lifeline",
    "training",
    "volunteer",
    "volunteering",
    "volunteered",
    "statistics",
    "stats",
    "rates",
    "research",
    "researchers",
    "study",
    "studies",
    "webinar",
    "workshop",
    "seminar",
    "lecture",
    "course",
    "essay",
    "fundraiser",
    "charity",
    "assembly",
    "survey",
    "leaflet",
    "poster",
    "worksheet",
    "screening",
    "questionnaire",
    "album",
    "band",
    "singer",
    "rapper",
    "verse",
    "writing",
    "wrote",
    "write",
    "play",
    "musical",
    "theatre",
    "theater",
    "opera",
    "comic",
    "cartoon",
    "sims",
    "zombie",
    "zombies",
    "dream",
    "dreamt",
    "dreamed",
    "nightmare",
];
/// After "with", words that name or introduce a means.
const MEANS_AFTER_WITH: &[&str] = &[
    "pills",
    "tablets",
    "meds",
    "a",
    "an",
    "the",
    "my",
    "some",
    "rope",
    "knife",
    "gun",
    "razor",
    "insulin",
    "paracetamol",
];
/// Words after a match that make it an idiom or a joke.
const IDIOM_AFTER: &[&str] = &[
    "laughing", "laughter", "lol", "joking", "kidding", "of", "for", "from", "inside", "with",
    "than",
];
/// Words just after a match that say it has ended: "the thoughts went away".
const ENDED_AFTER: &[&str] = &[
    "stopped",
    "gone",
    "away",
    "passed",
    "faded",
    "disappeared",
    "behind",
    "free",
    "clean",
];
/// A farewell that will be followed by a return is not final.
/// The recent past is not history: an attempt last night is urgent.
const RECENT: &str = r"\b(?:last night|this (?:week|morning|evening|afternoon|month|weekend)|yesterday|earlier today|came back|come back|coming back|is back|are back|right now|just now|tonight|an hour ago|hours ago|minutes ago)\b";

/// An accident told around an injury: bleeding after a fall is not an attempt.
const ACCIDENT_CONTEXT: &str = r"\b(?:fell (?:off|of|down|over|from|on)|fall (?:off|of|down|from)|fallen|tripped|slipped|crashed|crash|accident|accidentally|accidently|mandoline|skateboard|skateboarding|bike|bicycle|scooter|ladder|stove|oven|kettle|cooking|chopping|onion|onions|claws|scratched me|bit me|football|rugby|hockey|climbing|hiking|gardening|shaving|paper cut|boiling water)\b";

/// An everyday purpose for what could be preparation: letters for a time
/// capsule, affairs put in order with the accountant.
const BENIGN_PURPOSE: &str = r"\b(?:accountant|tax|taxes|tax return|time capsule|school project|homework|assignment|christmas cards|thank you cards|thank you notes|pen pal|penpal|cover letter|job application|house move|moving house|renovation|allotment|the vet|shopping list|recipe|car boot|garage sale|yard sale|rope swing|tow rope|skipping rope|jump rope|climbing rope|lawnmower|mower|hedge trimmer|hunting|the range|shooting range|clay pigeon|nail gun|glue gun|staple gun|heat gun|water gun|nerf|craft knife|exacto|cosplay|students|pupils|end of term|last day of term|classroom)\b";

/// Death, harm or farewell anywhere in a post.
const DARK: &str = r"\b(?:die|died|dead|death|dying|suicide|suicidal|kill|killing|kms|ctb|unalive|end it|end it all|end my life|overdose|od|noose|hang myself|not wake up|alive|goodbye|farewell|forever|hurt myself|harm|selfharm|cut|cutting|blade|blades|razor|gun|shotgun|rifle|pistol|bridge|jump|gone|burden|better off|can not do this|can not go on|no point|pointless|hopeless|funeral|letters|final|last time|made up my mind|decided|my decision|no going back|ready to go|sorry for everything|goodbyes|affairs|my will|the end)\b";
const RETURN_CUES: &str = r"\b(?:last day (?:at|of)|leaving (?:do|party|drinks)|farewell (?:party|do|drinks|lunch)|goodbye (?:party|lunch|drinks)|one way ticket|abroad|my notice|resign\w*|new role|emigrat\w*|relocat\w*|see you|see yall|see u|catch you|talk soon|speak soon|next (?:week|month|monday|tuesday|wednesday|thursday|friday|saturday|sunday|session|time)|back (?:on|in|next|soon|after)|be back|coming back|moving|new job|new flat|new house|offline|detox|move|moved|new chapter|raise|interview|exam|camping|tent|hammock|holiday|vacation|trip|alumni|programme|program|graduat\w*|retir\w*|team|colleagues|company|email|car|mot|horse|dog|cat|pet|flat|house|apartment|job|chapter|summer|for now|for a bit|for a while|for the weekend|till|until|tomorrow at|later)\b";
/// Words after a self-harm verb that make it an accident.
const ACCIDENT_AFTER: &[&str] = &[
    "shaving",
    "on",
    "while",
    "by",
    "accidentally",
    "cooking",
    "at",
    "playing",
    "lifting",
    "running",
    "falling",
    "opening",
    "chopping",
    "slicing",
    "making",
    "ironing",
    "baking",
    "in",
    "during",
    "trying",
    "doing",
    "when",
    "with",
    "badly",
    "again",
    "getting",
    "taking",
    "out",
    "cutting",
    "lol",
    "working",
    "moving",
    "climbing",
    "skating",
    "a",
    "the",
];
const ACCIDENT_BEFORE: &[&str] = &[
    "accidentally",
    "accidently",
    "accident",
    "nearly",
    "almost",
    "clumsy",
    "literally",
];
/// Recurrence or the present: cancels a past marker.
const RECURRENCE: &[&str] = &[
    "again",
    "still",
    "lately",
    "recently",
    "currently",
    "anymore",
    "relapsed",
    "relapse",
    "returning",
    "returned",
    "rn",
];
/// Past-tense verbs that, just before a match, tell it as history.
const PAST_LEAD: &[&str] = &[
    "wanted",
    "tried",
    "attempted",
    "felt",
    "planned",
    "wished",
    "survived",
    "considered",
    "overdosed",
    "had",
    "was",
    "were",
    "researched",
];
const PERFECT: &[&str] = &["have", "has", "been"];

const PAST_MARKERS: &str = r"\b(?:last (?:year|month|summer|winter|spring|autumn|fall|decade|christmas|easter|time)|(?:years|months|decades|a year|a decade|weeks) ago|ago|used to|back (?:then|when|in)|when i was|in the past|as a (?:teen|teenager|kid|child|student)|at (?:that|the) time|a long time ago|in (?:19|20)\d\d|(?:in|through|during|at|since) (?:most of |all of )?(?:high school|secondary school|college|uni|university|my teens|my twenties|my 20s|school)|growing up|since my attempt|after my attempt|my attempt|history of|once upon|previous|previously|before i (?:started|got|found|met)|survivor|survived|there was a time|back in the day|the year i|old scars)\b";

const RESOLVED_MARKERS: &str = r"\b(?:(?:am|feel|feeling|doing|be|m|is|are|things are|life is|it is|its) (?:\w+ ){0,2}(?:better|okay|ok|good|fine|safe|well|great|stable|happier|happy|grateful|glad|thankful|different now|in a good place|in a better place)|(?:good|better|great) (?:place|headspace|space)|been fine|i (?:have )?stopped|i quit|grateful (?:to be|i am|that i|i m|for) |glad (?:i am|i m|to be|i|that i) (?:\w+ )?(?:alive|here|survived|still here|did not|failed)|(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|many|several|a few) (?:\w+ )?(?:days|weeks|months|years) (?:clean|free|sober|without)|clean (?:for|since)|recovered|recovery|in remission|(?:went|go|gone) away|been gone|(?:are|is|have|has|were|was) (?:all |completely |totally |finally |mostly |long |pretty much |now |since |been )?(?:gone|stopped|over)|(?:years|months|decades) later|changed everything|since i was|behind me|no longer|not anymore|do not feel that way|do not feel like that|have not (?:felt|had|thought|cut|self)|got help|getting help|get help|with help|therapy helped|meds helped|medication helped|kept me alive|proud of|made it through|made it out|survived it|that is over|it is over now|never again|not who i am now|these days i|now i (?:am|have|know|can|help|talk|volunteer|work|share|run)|today i (?:am|have|know|can|feel)|i am alive|still alive and|clean from|old scars|chapter is closed|glad i am still here|glad i stayed|feel grateful|part of my story|faded|free of it|long over|barely noticed|living proof|living well|the life i have now|replaced it|(?:years|months) free|have not in|do not miss it|i made it|she made it|he made it|want to hug|is closed now|part of my life is (?:closed|over|behind me)|these days my|i celebrate|celebrating|far from that|a different person|do not feel the pull|not in that place)\b";

/// The canonical text is ASCII, so the frames are compiled without
/// Unicode classes, which keeps them small enough to build at start-up.
fn ascii_regex(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
}

const REGEX_SIZE_LIMIT: usize = 64 << 20;
/// Room for the frame set's lazy DFA, so that the one pass over a post stays
/// a DFA scan rather than falling back to the slower NFA. It is a ceiling
/// per concurrent detection (see `service::safety`), not an allocation.
const DFA_CACHE: usize = 32 << 20;
const FRAME_SETS: usize = 4;

/// The statistical layer's probability at which a post the rules found
/// nothing in is ELEVATED. Chosen by cross-validation on the development
/// corpus: the highest recall whose precision is at least 0.89 (README).
const MODEL_THRESHOLD: f64 = 0.45;
const MODEL_MIN_WORDS: usize = 4;

impl Detector {
    /// The built-in lexicon plus deployment-specific frames.
    pub fn with_lexicon(extra: &ExtraLexicon) -> Result<Self, regex::Error> {
        let builtin: Vec<&lexicon::FrameSpec> = lexicon::FRAMES
            .iter()
            .chain(signs::FRAMES)
            .chain(indirect::FRAMES)
            .chain(signs::SIGNS)
            .chain(indirect::SIGNS)
            .collect();
        let mut specs: Vec<(String, Category, Risk, Scope, bool)> = builtin
            .iter()
            .map(|f| {
                (
                    lexicon::expand(f.pattern.trim_start_matches(['@', '%'])),
                    f.category,
                    f.risk,
                    f.scope,
                    f.strong,
                )
            })
            .collect();
        for p in &extra.selves {
            specs.push((
                p.clone(),
                Category::Ideation,
                Risk::Urgent,
                Scope::Subject,
                true,
            ));
        }
        for p in &extra.elevated {
            specs.push((
                p.clone(),
                Category::PassiveWish,
                Risk::Elevated,
                Scope::Subject,
                true,
            ));
        }
        for p in &extra.others {
            specs.push((
                p.clone(),
                Category::ThreatToOthers,
                Risk::Urgent,
                Scope::Others,
                true,
            ));
        }
        let dark_frames: Vec<bool> = builtin.iter().map(|f| f.pattern.starts_with('@')).collect();
        let cues: Vec<bool> = builtin.iter().map(|f| f.pattern.starts_with('%')).collect();
        let victim_named: Vec<bool> = builtin
            .iter()
            .map(|f| f.pattern.contains("{PERSON}") || f.pattern.contains("school"))
            .collect();
        // A pattern may end in punctuation (" \."), after which the text
        // has a space or ends: no word boundary there.
        let wrapped: Vec<String> = specs
            .iter()
            .map(|s| format!(r"\b(?:{})(?:\b|$| )", s.0))
            .collect();
        let chunk = wrapped.len().div_ceil(FRAME_SETS).max(1);
        let sets = wrapped
            .chunks(chunk)
            .enumerate()
            .map(|(k, part)| {
                RegexSetBuilder::new(part)
                    .unicode(false)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .dfa_size_limit(DFA_CACHE)
                    .build()
                    .map(|set| (k * chunk, set))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let negator = Regex::new(r"\b(?:not|no|never|nobody|no one|noone|nothing|none|zero)\b")?;
        let raw_negates: Vec<bool> = builtin
            .iter()
            .map(|f| negator.is_match(f.pattern))
            .chain(
                specs
                    .iter()
                    .skip(builtin.len())
                    .map(|s| negator.is_match(&s.0)),
            )
            .collect();
        let frames = specs
            .iter()
            .zip(&wrapped)
            .enumerate()
            .map(|(i, (s, w))| {
                Ok(Frame {
                    re: ascii_regex(w)?,
                    category: s.1,
                    risk: s.2,
                    scope: s.3,
                    strong: s.4,
                    negates: raw_negates.get(i).copied().unwrap_or(true),
                    needs_dark: dark_frames.get(i).copied().unwrap_or(false),
                    sign: cues.get(i).copied().unwrap_or(false),
                    needs_victim: !victim_named.get(i).copied().unwrap_or(true),
                })
            })
            .collect::<Result<_, regex::Error>>()?;
        Ok(Detector {
            frames,
            sets,
            past: ascii_regex(PAST_MARKERS)?,
            resolved: ascii_regex(RESOLVED_MARKERS)?,
            returning: ascii_regex(RETURN_CUES)?,
            dark: ascii_regex(DARK)?,
            recent: ascii_regex(RECENT)?,
            accident: ascii_regex(ACCIDENT_CONTEXT)?,
            benign: ascii_regex(BENIGN_PURPOSE)?,
            model: Some(model::Model::builtin()),
            threshold: MODEL_THRESHOLD,
        })
    }

    /// The built-in lexicon.
    pub fn builtin() -> &'static Detector {
        static D: OnceLock<Detector> = OnceLock::new();
        D.get_or_init(|| {
            Detector::with_lexicon(&ExtraLexicon::default())
                .unwrap_or_else(|e| panic!("built-in lexicon: {e}"))
        })
    }

    pub fn detect(&self, text: &str) -> Detection {
        let canon = normalize::canonical(text);
        if canon.len() == 0 {
            return Detection::NONE;
        }
        // Whole-post cues, read once: judging a match never rescans the post.
        let post = Post {
            resolved: self.resolved.is_match(&canon.text),
            returning: self.returning(&canon.text),
        };
        let dark = self.dark.is_match(&canon.text);
        let mut best = Detection::NONE;
        let mut dismissed = false;
        // The kinds of warning sign found, each judged like a frame, and
        // how many different farewells.
        let mut signs: Vec<Category> = Vec::new();
        let mut farewells: Vec<usize> = Vec::new();
        let found = self.matching(&canon.text);
        for i in found {
            let frame = &self.frames[i];
            if frame.needs_dark && !dark {
                continue;
            }
            for m in frame.re.find_iter(&canon.text) {
                let d = self.judge(&canon, frame, m.start(), m.end(), post);
                // A sign judged not the writer's says nothing about the
                // rest of the post: it does not hold the statistical layer.
                if frame.sign {
                    if d.risk == Risk::Urgent {
                        if !signs.contains(&frame.category) {
                            signs.push(frame.category);
                        }
                        if frame.category == Category::Goodbye && !farewells.contains(&i) {
                            farewells.push(i);
                        }
                    }
                    continue;
                }
                dismissed |= d.risk == Risk::None;
                if d.risk > best.risk {
                    best = d;
                }
                if best.risk == Risk::Urgent {
                    return best;
                }
            }
        }
        // Two kinds of warning sign, or one beside risk language: urgent.
        if let Some(first) = signs.first() {
            let beside_risk = best.risk == Risk::Elevated
                && best.target == Some(Target::SelfHarm)
                && best.category != Some(Category::Past);
            if signs.len() >= 2 || farewells.len() >= 2 || beside_risk {
                return Detection {
                    risk: Risk::Urgent,
                    target: Some(Target::SelfHarm),
                    category: Some(*first),
                };
            }
        }
        // The statistical layer covers phrasings the rules lack, never ones
        // they judged and dismissed (negated, someone else's, fiction, over).
        // A title of a word or two is too little evidence for it.
        let words = (0..canon.len())
            .filter(|&i| canon.token(i).bytes().any(|b| b.is_ascii_alphanumeric()))
            .count();
        if best.risk == Risk::None && !dismissed && words >= MODEL_MIN_WORDS {
            if let Some(m) = &self.model {
                if m.probability(&canon) >= self.threshold {
                    best = Detection {
                        risk: if signs.is_empty() {
                            Risk::Elevated
                        } else {
                            Risk::Urgent
                        },
                        target: Some(Target::SelfHarm),
                        category: signs.first().copied(),
                    };
                }
            }
        }
        best
    }

    /// Which frames occur in the canonical text, in frame order.
    fn matching(&self, text: &str) -> Vec<usize> {
        self.sets
            .iter()
            .flat_map(|(offset, set)| set.matches(text).into_iter().map(move |i| offset + i))
            .collect()
    }

    /// Without the statistical layer: the rules alone (for training it).
    pub fn rules_only(mut self) -> Self {
        self.model = None;
        self
    }

    /// With another statistical layer and threshold.
    pub fn with_model(mut self, model: model::Model, threshold: f64) -> Self {
        self.model = Some(model);
        self.threshold = threshold;
        self
    }

    /// Trains the statistical layer on a labelled corpus; returns its table.
    pub fn train(corpus: &str) -> String {
        Self::train_with(corpus, model::L2)
    }

    pub fn train_with(corpus: &str, l2: f64) -> String {
        let examples: Vec<(normalize::Canon, bool)> = corpus
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .filter_map(|l| {
                let mut p = l.splitn(3, '\t');
                let level = eval::parse_level(p.next()?)?;
                p.next()?;
                Some((normalize::canonical(p.next()?), level != Risk::None))
            })
            .collect();
        model::train_with(&examples, l2)
    }

    fn judge(
        &self,
        c: &normalize::Canon,
        frame: &Frame,
        start: usize,
        end: usize,
        post: Post,
    ) -> Detection {
        let resolved = post.resolved;
        const REACH: usize = 12;
        let s = c.token_at(start);
        let e = c.token_at(end.saturating_sub(1)) + 1;
        let mut sent_start = s;
        while sent_start > 0 && s - sent_start < REACH && c.token(sent_start - 1) != "." {
            sent_start -= 1;
        }
        let mut sent_end = e;
        while sent_end < c.len() && sent_end - e < REACH && c.token(sent_end) != "." {
            sent_end += 1;
        }
        let tok = |i: usize| c.token(i);
        let in_match = |words: &[&str]| (s..e).any(|i| words.contains(&tok(i)));
        let in_sentence = |words: &[&str]| (sent_start..sent_end).any(|i| words.contains(&tok(i)));
        let none = Detection::NONE;

        // Negation in the clause just before: "I would never hurt myself".
        if (s.saturating_sub(9).max(sent_start)..s)
            .any(|i| matches!(tok(i), "asked" | "asks" | "asking" | "questionnaire"))
        {
            return none;
        }
        let mut i = s;
        while i > sent_start && s - i < 5 {
            i -= 1;
            let w = tok(i);
            if w == "," || TERMINATORS.contains(&w) {
                break;
            }
            let next = if i + 1 < c.len() { tok(i + 1) } else { "" };
            let next2 = if i + 2 < c.len() { tok(i + 2) } else { "" };
            // "If nobody answers, I'll do something": the condition's
            // negation does not reach the consequence.
            let conditional = i > 0 && matches!(tok(i - 1), "if" | "unless" | "when");
            // "Can't do this no more, taking them tonight": "no more"
            // looks back at what the writer can bear, not forward.
            let no_more = w == "no" && next == "more";
            if NEGATIONS.contains(&w)
                && !no_more
                && !conditional
                && !DOUBLE_NEGATIVE.contains(&next)
                && !DOUBLE_NEGATIVE.contains(&next2)
            {
                return none;
            }
        }
        // Negation inside a frame that does not spell one out: "suicide is
        // not the answer".
        if !frame.negates && in_match(NEGATIONS) {
            return none;
        }
        // "Killing myself is not an option."
        if e + 1 < sent_end
            && matches!(tok(e), "is" | "was" | "will" | "would" | "s")
            && NEGATIONS.contains(&tok(e + 1))
        {
            return none;
        }
        // "Thoughts of killing myself? No." and "the urges went away".
        let after = (e..(e + 3).min(c.len()))
            .map(tok)
            .take_while(|w| !matches!(*w, "." | "," | "but" | "though" | "however" | "and"));
        if e + 1 < c.len()
            && matches!(tok(e), "." | ",")
            && matches!(tok(e + 1), "no" | "nope" | "never")
            && (e + 2 == c.len() || matches!(tok(e + 2), "." | ","))
        {
            return none;
        }
        if after.clone().any(|w| ENDED_AFTER.contains(&w)) && frame.category != Category::InProgress
        {
            return none;
        }
        let farewell_words =
            (s..e).any(|i| matches!(tok(i), "last" | "goodbye" | "farewell" | "bye"));
        if (frame.category == Category::Goodbye || farewell_words || frame.needs_dark)
            && post.returning
        {
            return none;
        }
        // Whose experience: the nearest subject before the frame's end.
        let subject_end = if frame.scope == Scope::Others { s } else { e };
        // A threat that names its own subject: "I will burn him", "she is
        // going to regret what she did".
        let own_subject = frame.scope == Scope::Others && (tok(s) == "i" || in_match(&["regret"]));
        if frame.scope != Scope::Explicit
            && !own_subject
            && self.someone_else(c, sent_start, s, subject_end)
        {
            return none;
        }
        let self_ref = in_sentence(&["i", "me", "my", "myself"]);
        // "The whole show" is life, not television.
        let context = (sent_start..sent_end).any(|i| {
            CONTEXT_WORDS.contains(&tok(i))
                && !(i > 0
                    && (tok(i - 1) == "whole"
                        || (tok(i) == "boss"
                            && matches!(tok(i - 1), "my" | "our" | "his" | "her"))))
        });
        if (!frame.strong || !self_ref) && context {
            return none;
        }
        if frame.scope == Scope::Others && context {
            return none;
        }
        let next = if e < c.len() { tok(e) } else { "" };
        let last = tok(e - 1);
        // "With pills" names a means; "with him", "with laughter" do not.
        let with_means = |i: usize| {
            i + 1 < c.len() && tok(i) == "with" && MEANS_AFTER_WITH.contains(&tok(i + 1))
        };
        let means_next = with_means(e);
        if next == "with"
            && !means_next
            && matches!(last, "it" | "things" | "everything" | "this" | "all")
        {
            return none;
        }
        if last == "dead"
            && matches!(
                next,
                "set"
                    | "on"
                    | "tired"
                    | "serious"
                    | "wrong"
                    | "right"
                    | "ringer"
                    | "end"
                    | "heat"
                    | "last"
                    | "air"
                    | "silence"
                    | "funny"
                    | "beat"
                    | "weight"
                    | "inside"
            )
        {
            return none;
        }
        let jokey = matches!(next, "lol" | "joking" | "kidding" | "laughing" | "laughter");
        // An inner voice's "kill yourself" is the writer's.
        let voice = in_match(&["says", "say", "saying", "tells", "telling", "told"]);
        if frame.scope != Scope::Others
            && !voice
            && in_match(&["himself", "herself", "themselves", "yourself", "themself"])
        {
            return none;
        }
        let before = if s > sent_start { tok(s - 1) } else { "" };
        // "We practised", "my son keeps saying kms": the group's doing, or
        // someone else's words reported.
        let reported = matches!(
            before,
            "saying"
                | "says"
                | "said"
                | "say"
                | "typing"
                | "types"
                | "typed"
                | "posts"
                | "posted"
                | "disclosed"
                | "mentioned"
                | "admitted"
        );
        if frame.scope != Scope::Others && reported && self.someone_else(c, sent_start, s, s) {
            return none;
        }
        // "At my last post", "since my last post worried you": an earlier
        // post, not a final one.
        // Only "since" and "after" look back past "my": "in my last
        // message I will tell them" is a final message.
        let referring = matches!(
            before,
            "at" | "in" | "about" | "from" | "since" | "after" | "on"
        ) || (s >= 2
            && matches!(before, "my" | "our")
            && matches!(tok(s - 2), "since" | "after"));
        if in_match(&["post", "message"]) && referring {
            return none;
        }
        // "End it with him tonight" is a break-up.
        if (s..e.saturating_sub(2)).any(|i| {
            matches!(tok(i), "end" | "ending")
                && matches!(tok(i + 1), "it" | "things")
                && tok(i + 2) == "with"
                && !with_means(i + 2)
        }) {
            return none;
        }
        // "A song about wanting to die": the words are the work's subject.
        if (s.saturating_sub(3).max(sent_start)..s)
            .any(|i| tok(i) == "about" && i > 0 && CONTEXT_WORDS.contains(&tok(i - 1)))
        {
            return none;
        }
        let window = || {
            &c.text[c.starts[sent_start]
                ..c.starts
                    .get(sent_end)
                    .map_or(c.text.len(), |&x| x.saturating_sub(1))]
        };
        if matches!(frame.category, Category::SelfHarm | Category::InProgress)
            && self.accident.is_match(window())
            && !in_sentence(&["purpose", "deliberately", "intentionally", "myself"])
        {
            return none;
        }
        let near = &c.text[start
            ..c.starts
                .get(e + 4)
                .map_or(c.text.len(), |&x| x.saturating_sub(1))];
        if frame.category == Category::MeansPreparation && self.benign.is_match(near) {
            return none;
        }
        // "Set a place for her", "my first attempt at a souffle".
        if (tok(s) == "set" && last == "place" && next == "for")
            || (matches!(last, "attempt" | "attempts") && matches!(next, "at" | "to"))
        {
            return none;
        }
        match frame.category {
            Category::SelfHarm => {
                let cut_idiom = matches!(last, "cut" | "cutting")
                    && matches!(
                        next,
                        "the"
                            | "off"
                            | "out"
                            | "back"
                            | "down"
                            | "ties"
                            | "costs"
                            | "corners"
                            | "hair"
                            | "loose"
                            | "it"
                            | "class"
                            | "school"
                            | "through"
                            | "across"
                            | "in"
                            | "a"
                            | "my"
                            | "them"
                            | "him"
                            | "her"
                            | "contact"
                            | "carbs"
                            | "sugar"
                            | "up"
                    );
                let cut_object = in_match(&[
                    "carbs",
                    "sugar",
                    "bread",
                    "gluten",
                    "dairy",
                    "meat",
                    "calories",
                    "caffeine",
                    "alcohol",
                    "coffee",
                    "hair",
                    "grass",
                    "hedge",
                    "wood",
                    "paper",
                    "fabric",
                    "onion",
                    "onions",
                    "vegetables",
                    "cake",
                    "coupons",
                    "costs",
                    "hours",
                ]);
                if cut_idiom || cut_object {
                    return none;
                }
                let before = &[s.saturating_sub(3).max(sent_start), s];
                let tool_after = (e..(e + 4).min(c.len())).any(|i| {
                    matches!(
                        tok(i),
                        "cigarette"
                            | "lighter"
                            | "razor"
                            | "razors"
                            | "blade"
                            | "blades"
                            | "glass"
                            | "compass"
                            | "scissors"
                            | "sharpener"
                            | "lighters"
                            | "match"
                            | "matches"
                            | "straightener"
                            | "straighteners"
                            | "iron"
                            | "candle"
                    )
                });
                let amount = next == "a"
                    && matches!(
                        if e + 1 < c.len() { tok(e + 1) } else { "" },
                        "lot" | "few" | "couple" | "bunch"
                    );
                let struck = (s..e).any(|i| {
                    matches!(
                        tok(i),
                        "hit" | "hitting" | "punch" | "punching" | "bang" | "banging" | "slap"
                    )
                }) && matches!(next, "in" | "on" | "again");
                if last == "myself"
                    && !tool_after
                    && !amount
                    && !struck
                    && ACCIDENT_AFTER.contains(&next)
                    && (!matches!(next, "again" | "badly") || in_sentence(&["accidentally"]))
                    || (before[0]..before[1]).any(|i| ACCIDENT_BEFORE.contains(&tok(i)))
                    || in_match(ACCIDENT_BEFORE)
                {
                    return none;
                }
            }
            Category::Ideation | Category::PassiveWish | Category::ThreatToOthers => {
                let last = tok(e - 1);
                let idiom_prone = matches!(
                    last,
                    "die" | "dead" | "dying" | "death" | "myself" | "him" | "her" | "them" | "you"
                );
                // "Killed myself laughing", but not "kill myself with pills".
                if idiom_prone && IDIOM_AFTER.contains(&next) && !means_next || jokey {
                    return none;
                }
            }
            _ => {
                if jokey {
                    return none;
                }
            }
        }
        let target = if frame.scope == Scope::Others {
            Target::Others
        } else {
            Target::SelfHarm
        };
        let hit = |risk, category| Detection {
            risk,
            target: Some(target),
            category: Some(category),
        };
        if frame.scope == Scope::Others {
            if frame.needs_victim && !in_sentence(VICTIMS) {
                let named = (sent_start..sent_end).any(|i| {
                    let w = tok(i);
                    let w = w
                        .strip_suffix('s')
                        .filter(|x| lexicon::is_person(x))
                        .unwrap_or(w);
                    OTHER_SUBJECTS.contains(&w) || lexicon::is_person(w)
                });
                if !named {
                    return none;
                }
            }
            let lead = (s.saturating_sub(4).max(sent_start)..e).map(tok);
            let hedged = lead
                .clone()
                .any(|w| matches!(w, "could" | "might" | "may" | "would"));
            return hit(
                if hedged { Risk::Elevated } else { frame.risk },
                frame.category,
            );
        }
        // The past lowers a match; "over now" lowers it to nothing.
        if !matches!(
            frame.category,
            Category::InProgress | Category::CannotStaySafe | Category::Goodbye
        ) {
            let lead_from = s.saturating_sub(5).max(sent_start);
            let perfect = (lead_from..s).any(|i| PERFECT.contains(&tok(i)));
            let past_verb = !perfect
                && frame.category != Category::SelfHarm
                && (lead_from..(s + 1).min(e)).any(|i| PAST_LEAD.contains(&tok(i)));
            let window = &c.text[c.starts[sent_start]
                ..c.starts
                    .get(sent_end)
                    .map_or(c.text.len(), |&x| x.saturating_sub(1))];
            let past = (past_verb || self.past.is_match(window))
                && !in_sentence(RECURRENCE)
                && !self.recent.is_match(window);
            if past {
                return if resolved {
                    none
                } else {
                    hit(Risk::Elevated, Category::Past)
                };
            }
        }
        hit(frame.risk, frame.category)
    }

    /// True when the nearest subject before the frame's end is someone
    /// other than the writer ("my friend wants to die").
    fn someone_else(&self, c: &normalize::Canon, sent_start: usize, s: usize, e: usize) -> bool {
        let from = s.saturating_sub(8).max(sent_start);
        let mut i = e;
        while i > from {
            i -= 1;
            let w = c.token(i);
            if w == "," {
                continue;
            }
            let object = |j: usize| {
                j > from && {
                    let p = c.token(j - 1);
                    PREPOSITIONS.contains(&p)
                        || (matches!(p, "my" | "his" | "her" | "their" | "a" | "the" | "our")
                            && j > from + 1
                            && (PREPOSITIONS.contains(&c.token(j - 2))
                                || TAKING.contains(&c.token(j - 2))))
                }
            };
            if SELF_SUBJECTS.contains(&w) {
                if w == "my" {
                    continue;
                }
                return false;
            }
            let other = OTHER_SUBJECTS.contains(&w)
                || w.strip_suffix('s')
                    .is_some_and(|stem| OTHER_SUBJECTS.contains(&stem));
            if other && !object(i) {
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn risk(s: &str) -> Risk {
        Detector::builtin().detect(s).risk
    }

    #[test]
    fn the_basic_cases() {
        assert_eq!(risk("I want to kill myself"), Risk::Urgent);
        assert_eq!(risk("this commute is killing me"), Risk::None);
        assert_eq!(risk("I'd never hurt myself"), Risk::None);
        assert_eq!(risk("my character dies in the book"), Risk::None);
        assert_eq!(
            risk("last year I wanted to die, today I feel better"),
            Risk::None
        );
        assert_eq!(risk("last year I wanted to die"), Risk::Elevated);
        assert_eq!(risk("wish I could sleep forever"), Risk::Elevated);
        assert_eq!(risk("i took all my pills an hour ago"), Risk::Urgent);
        assert_eq!(risk("going to kill him when he gets home"), Risk::Urgent);
        // A benign purpose near the means must not clear a cover story.
        assert_eq!(
            risk("I took the pistol out of the gun safe tonight."),
            Risk::Urgent
        );
        assert_eq!(
            risk("Bought a rifle and ammo today, told my wife it's for opening day. It isn't."),
            Risk::Urgent
        );
        assert_eq!(risk("I bought a new razor, not to shave."), Risk::Urgent);
        // A last message still to be written is a final one.
        assert_eq!(
            risk("In my last message I'll tell my kids it wasn't their fault."),
            Risk::Urgent
        );
        assert_eq!(
            risk("since my last post worried a few of you: I'm not suicidal."),
            Risk::None
        );
        assert_eq!(risk("i wont be coming back. love you all"), Risk::Urgent);
    }

    /// The held-out corpus was frozen before tuning and is never tuned on.
    #[test]
    fn held_out_corpus() {
        // The goals: a change that brings either below fails here.
        frozen_corpus(
            "held-out",
            include_str!("../../../../tests/crisis/holdout.tsv"),
            600,
            HELD_OUT_RECALL_FLOOR,
            HELD_OUT_PRECISION_FLOOR,
        );
    }

    /// Scores a frozen corpus and holds it to its floors.
    fn frozen_corpus(name: &str, corpus: &str, n: u32, recall: f64, precision: f64) {
        let report = eval::score(Detector::builtin(), corpus);
        println!("{}", eval::table(&report));
        let t = &report.total;
        assert!(t.n >= n, "the {name} corpus has {} sentences", t.n);
        assert!(t.recall() >= recall, "{name} recall {:.3}", t.recall());
        assert!(
            t.precision() >= precision,
            "{name} precision {:.3}",
            t.precision()
        );
    }

    /// Written apart from the lexicon and the other corpora; frozen, never
    /// tuned on.
    #[test]
    fn external_corpus() {
        frozen_corpus(
            "external",
            include_str!("../../../../tests/crisis/external.tsv"),
            250,
            0.95,
            0.90,
        );
    }

    #[test]
    fn development_corpus() {
        let report = eval::score(
            Detector::builtin(),
            include_str!("../../../../tests/crisis/dev.tsv"),
        );
        for (label, got, text) in &report.errors {
            println!("{label} -> {got:?}: {text}");
        }
        println!("{}", eval::table(&report));
        let t = &report.total;
        assert!(t.recall() >= 0.95, "development recall {:.3}", t.recall());
        assert!(
            t.precision() >= 0.95,
            "development precision {:.3}",
            t.precision()
        );
    }

    /// The rules alone, without the statistical layer, on the corpus they
    /// were written against.
    #[test]
    fn development_corpus_rules_only() {
        let rules = Detector::with_lexicon(&ExtraLexicon::default())
            .map(Detector::rules_only)
            .unwrap_or_else(|e| panic!("{e}"));
        let report = eval::score(&rules, include_str!("../../../../tests/crisis/dev.tsv"));
        let t = &report.total;
        println!(
            "rules only: recall {:.3}, precision {:.3}",
            t.recall(),
            t.precision()
        );
        assert!(t.recall() >= 0.65, "rules-only recall {:.3}", t.recall());
        assert!(
            t.precision() >= 0.92,
            "rules-only precision {:.3}",
            t.precision()
        );
    }

    const HELD_OUT_RECALL_FLOOR: f64 = 0.90;
    const HELD_OUT_PRECISION_FLOOR: f64 = 0.85;
}

#[cfg(test)]
mod probe {
    /// `CRISIS_PROBE=file cargo test -p api --lib crisis::probe -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn probe() {
        let path = std::env::var("CRISIS_PROBE").unwrap_or_default();
        let text = std::fs::read_to_string(path).unwrap_or_default();
        for line in text.lines() {
            let c = super::normalize::canonical(line);
            let d = super::Detector::builtin();
            println!("{:?} | {}", d.detect(line), c.text);
            for i in d.matching(&c.text) {
                for m in d.frames[i].re.find_iter(&c.text) {
                    let post = super::Post {
                        resolved: d.resolved.is_match(&c.text),
                        returning: d.returning(&c.text),
                    };
                    let j = d.judge(&c, &d.frames[i], m.start(), m.end(), post);
                    println!(
                        "    frame {i} {:?} {:?} -> {:?}",
                        d.frames[i].category,
                        m.as_str(),
                        j.risk
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod urgent_misses {
    use super::*;

    /// `cargo test -p api --lib crisis::urgent_misses -- --ignored --nocapture`:
    /// development sentences labelled URGENT that the rules do not find
    /// URGENT, and hard negatives they flag.
    #[test]
    #[ignore]
    fn list() {
        let rules = Detector::with_lexicon(&ExtraLexicon::default())
            .map(Detector::rules_only)
            .unwrap_or_else(|e| panic!("{e}"));
        for l in include_str!("../../../../tests/crisis/dev.tsv")
            .lines()
            .skip(1)
        {
            let mut p = l.splitn(3, '\t');
            let (Some(level), Some(cat), Some(text)) = (p.next(), p.next(), p.next()) else {
                continue;
            };
            let got = rules.detect(text).risk;
            if (level == "URGENT" && got != Risk::Urgent) || (level == "NONE" && got != Risk::None)
            {
                println!("{level}\t{cat}\t{got:?}\t{text}");
            }
        }
    }
}
