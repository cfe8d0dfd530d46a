//! The word lists and patterns that judge a match in its context:
//! negation, whose experience it is, idioms, accidents, benign purposes,
//! the past and recovery, and returning.
use super::Detector;
use regex::{Regex, RegexBuilder};

/// Words that negate what follows them in a clause.
pub(super) const NEGATIONS: &[&str] = &[
    "not", "no", "never", "nobody", "nothing", "neither", "nor", "without", "zero", "none",
    "nicht", "nie", "pas", "asked", "asks", "asking", "ask",
];
impl Detector {
    /// A return cue anywhere in the post that is not negated.
    pub(super) fn returning(&self, text: &str) -> bool {
        self.returning
            .find_iter(text)
            .any(|m| !negated_before(&text[..m.start()]))
    }
}

/// Whether the last few words before a cue negate it: "I won't be coming
/// back" is no plan to return.
pub(super) fn negated_before(text: &str) -> bool {
    text.split_whitespace()
        .rev()
        .take_while(|w| !matches!(*w, "." | "," | "but"))
        .take(5)
        .any(|w| matches!(w, "not" | "never" | "no"))
}

/// Words that end a negation's reach (NegEx terminators).
pub(super) const TERMINATORS: &[&str] = &[
    "but", "however", "although", "though", "yet", "except", "still", "anyway", "and", "because",
];
/// After a negation, these make it affirm: "can not stop thinking".
pub(super) const DOUBLE_NEGATIVE: &[&str] =
    &["stop", "help", "resist", "shake", "get", "wait", "fight"];
/// "We" includes the writer: a pact is the writer's risk.
pub(super) const SELF_SUBJECTS: &[&str] = &["i", "me", "myself", "my", "we"];
pub(super) const OTHER_SUBJECTS: &[&str] = &[
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
pub(super) const VICTIMS: &[&str] = &[
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
pub(super) const PREPOSITIONS: &[&str] = &[
    "with", "to", "for", "about", "at", "from", "like", "than", "of", "miss", "see", "join",
    "without", "by", "on", "told", "tell", "asked", "ask", "called", "call", "texted",
];
/// Verbs whose object may be a relative's thing: "took my father's gun".
pub(super) const TAKING: &[&str] = &[
    "took", "take", "taking", "got", "get", "grabbed", "borrowed", "stole", "found", "using",
    "used", "have", "had", "has", "got out",
];
/// Talk about risk rather than risk: media, fiction, prevention work, news.
pub(super) const CONTEXT_WORDS: &[&str] = &[
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
pub(super) const MEANS_AFTER_WITH: &[&str] = &[
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
pub(super) const IDIOM_AFTER: &[&str] = &[
    "laughing", "laughter", "lol", "joking", "kidding", "of", "for", "from", "inside", "with",
    "than",
];
/// Words just after a match that say it has ended: "the thoughts went away".
pub(super) const ENDED_AFTER: &[&str] = &[
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
pub(super) const RECENT: &str = r"\b(?:last night|this (?:week|morning|evening|afternoon|month|weekend)|yesterday|earlier today|came back|come back|coming back|is back|are back|right now|just now|tonight|an hour ago|hours ago|minutes ago)\b";

/// An accident told around an injury: bleeding after a fall is not an attempt.
pub(super) const ACCIDENT_CONTEXT: &str = r"\b(?:fell (?:off|of|down|over|from|on)|fall (?:off|of|down|from)|fallen|tripped|slipped|crashed|crash|accident|accidentally|accidently|mandoline|skateboard|skateboarding|bike|bicycle|scooter|ladder|stove|oven|kettle|cooking|chopping|onion|onions|claws|scratched me|bit me|football|rugby|hockey|climbing|hiking|gardening|shaving|paper cut|boiling water)\b";

/// An everyday purpose for what could be preparation: letters for a time
/// capsule, affairs put in order with the accountant.
pub(super) const BENIGN_PURPOSE: &str = r"\b(?:accountant|tax|taxes|tax return|time capsule|school project|homework|assignment|christmas cards|thank you cards|thank you notes|pen pal|penpal|cover letter|job application|house move|moving house|renovation|allotment|the vet|shopping list|recipe|car boot|garage sale|yard sale|rope swing|tow rope|skipping rope|jump rope|climbing rope|lawnmower|mower|hedge trimmer|hunting|the range|shooting range|clay pigeon|nail gun|glue gun|staple gun|heat gun|water gun|nerf|craft knife|exacto|cosplay|students|pupils|end of term|last day of term|classroom)\b";

/// Death, harm or farewell anywhere in a post.
pub(super) const DARK: &str = r"\b(?:die|died|dead|death|dying|suicide|suicidal|kill|killing|kms|ctb|unalive|end it|end it all|end my life|overdose|od|noose|hang myself|not wake up|alive|goodbye|farewell|forever|hurt myself|harm|selfharm|cut|cutting|blade|blades|razor|gun|shotgun|rifle|pistol|bridge|jump|gone|burden|better off|can not do this|can not go on|no point|pointless|hopeless|funeral|letters|final|last time|made up my mind|decided|my decision|no going back|ready to go|sorry for everything|goodbyes|affairs|my will|the end)\b";
pub(super) const RETURN_CUES: &str = r"\b(?:last day (?:at|of)|leaving (?:do|party|drinks)|farewell (?:party|do|drinks|lunch)|goodbye (?:party|lunch|drinks)|one way ticket|abroad|my notice|resign\w*|new role|emigrat\w*|relocat\w*|see you|see yall|see u|catch you|talk soon|speak soon|next (?:week|month|monday|tuesday|wednesday|thursday|friday|saturday|sunday|session|time)|back (?:on|in|next|soon|after)|be back|coming back|moving|new job|new flat|new house|offline|detox|move|moved|new chapter|raise|interview|exam|camping|tent|hammock|holiday|vacation|trip|alumni|programme|program|graduat\w*|retir\w*|team|colleagues|company|email|car|mot|horse|dog|cat|pet|flat|house|apartment|job|chapter|summer|for now|for a bit|for a while|for the weekend|till|until|tomorrow at|later)\b";
/// Words after a self-harm verb that make it an accident.
pub(super) const ACCIDENT_AFTER: &[&str] = &[
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
pub(super) const ACCIDENT_BEFORE: &[&str] = &[
    "accidentally",
    "accidently",
    "accident",
    "nearly",
    "almost",
    "clumsy",
    "literally",
];
/// Recurrence or the present: cancels a past marker.
pub(super) const RECURRENCE: &[&str] = &[
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
pub(super) const PAST_LEAD: &[&str] = &[
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
pub(super) const PERFECT: &[&str] = &["have", "has", "been"];

pub(super) const PAST_MARKERS: &str = r"\b(?:last (?:year|month|summer|winter|spring|autumn|fall|decade|christmas|easter|time)|(?:years|months|decades|a year|a decade|weeks) ago|ago|used to|back (?:then|when|in)|when i was|in the past|as a (?:teen|teenager|kid|child|student)|at (?:that|the) time|a long time ago|in (?:19|20)\d\d|(?:in|through|during|at|since) (?:most of |all of )?(?:high school|secondary school|college|uni|university|my teens|my twenties|my 20s|school)|growing up|since my attempt|after my attempt|my attempt|history of|once upon|previous|previously|before i (?:started|got|found|met)|survivor|survived|there was a time|back in the day|the year i|old scars)\b";

pub(super) const RESOLVED_MARKERS: &str = r"\b(?:(?:am|feel|feeling|doing|be|m|is|are|things are|life is|it is|its) (?:\w+ ){0,2}(?:better|okay|ok|good|fine|safe|well|great|stable|happier|happy|grateful|glad|thankful|different now|in a good place|in a better place)|(?:good|better|great) (?:place|headspace|space)|been fine|i (?:have )?stopped|i quit|grateful (?:to be|i am|that i|i m|for) |glad (?:i am|i m|to be|i|that i) (?:\w+ )?(?:alive|here|survived|still here|did not|failed)|(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|many|several|a few) (?:\w+ )?(?:days|weeks|months|years) (?:clean|free|sober|without)|clean (?:for|since)|recovered|recovery|in remission|(?:went|go|gone) away|been gone|(?:are|is|have|has|were|was) (?:all |completely |totally |finally |mostly |long |pretty much |now |since |been )?(?:gone|stopped|over)|(?:years|months|decades) later|changed everything|since i was|behind me|no longer|not anymore|do not feel that way|do not feel like that|have not (?:felt|had|thought|cut|self)|got help|getting help|get help|with help|therapy helped|meds helped|medication helped|kept me alive|proud of|made it through|made it out|survived it|that is over|it is over now|never again|not who i am now|these days i|now i (?:am|have|know|can|help|talk|volunteer|work|share|run)|today i (?:am|have|know|can|feel)|i am alive|still alive and|clean from|old scars|chapter is closed|glad i am still here|glad i stayed|feel grateful|part of my story|faded|free of it|long over|barely noticed|living proof|living well|the life i have now|replaced it|(?:years|months) free|have not in|do not miss it|i made it|she made it|he made it|want to hug|is closed now|part of my life is (?:closed|over|behind me)|these days my|i celebrate|celebrating|far from that|a different person|do not feel the pull|not in that place)\b";

/// The canonical text is ASCII, so the frames are compiled without
/// Unicode classes, which keeps them small enough to build at start-up.
pub(super) fn ascii_regex(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
}

pub(super) const REGEX_SIZE_LIMIT: usize = 64 << 20;
/// Room for each frame set's lazy DFA, per detection thread (see
/// `service::safety`). Measured by `bench detector-memory` on varied posts:
/// 8 MiB levels off near 130 MiB resident for the process at about 2,800
/// posts/s on two threads; 32 MiB near 310 MiB at 4,800/s. A post costs
/// well under a millisecond either way, and memory is the scarcer.
pub(super) const DFA_CACHE: usize = 8 << 20;
pub(super) const FRAME_SETS: usize = 4;

/// The statistical layer's probability at which a post the rules found
/// nothing in is ELEVATED. Chosen by cross-validation on the development
/// corpus: the highest recall whose precision is at least 0.89 (README).
pub(super) const MODEL_THRESHOLD: f64 = 0.45;
pub(super) const MODEL_MIN_WORDS: usize = 4;
