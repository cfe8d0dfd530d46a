//! Warning signs, and indirect forms of the urgent categories.
//!
//! Preparation rarely names death: people give the cat to a neighbour,
//! finish the letters, check the roof door, pick a day. Each such sign is
//! common in ordinary life, so a sign alone raises nothing. Two signs of
//! different kinds in one post (a decision and a preparation, a farewell
//! and a time), or one sign beside risk language the frames found, make the
//! post URGENT. Signs are judged like frames (negation, someone else's,
//! fiction, the past), and marked with a leading `%`.
use super::lexicon::FrameSpec;
use super::{Category::*, Risk::Urgent as U};
use crate::domain::crisis::lexicon::Scope::{Explicit as X, Others as O, Subject as S};

const fn f(
    category: super::Category,
    scope: super::lexicon::Scope,
    strong: bool,
    pattern: &'static str,
) -> FrameSpec {
    FrameSpec {
        category,
        risk: U,
        scope,
        strong,
        pattern,
    }
}

/// Direct enough to stand alone.
pub const FRAMES: &[FrameSpec] = &[
    // Plans with a time or a place and the plain "do it".
    f(
        PlanIntent,
        S,
        true,
        r"@(?:going to|gonna|will|i ll|am doing|m doing|do) it (?:\w+ ){0,4}(?:{SOON})",
    ),
    f(
        PlanIntent,
        S,
        true,
        r"(?:{SOON}) (?:\w+ ){0,3}i (?:will|am going to|ll) do it",
    ),
    f(
        PlanIntent,
        S,
        true,
        r"(?:{SOON}) (?:is|will be) (?:it|the night|the day)(?: \.|$| ,)",
    ),
    f(
        PlanIntent,
        S,
        true,
        r"(?:talk|talking|stop|stopping) me (?:out of it|this time)",
    ),
    f(
        PlanIntent,
        S,
        true,
        r"(?:driving|drive|walking|walk|going|go|heading|head) (?:out )?(?:up )?to (?:the )?(?:{HEIGHT}|cliffs|quarry|lake|river|sea|woods) (?:\w+ ){0,3}(?:and jump|and jumping|and that ll be it|that will be it|and that is it|to jump|this is goodbye|goodbye)",
    ),
    f(
        PlanIntent,
        S,
        true,
        r"(?:walk|walking|going to walk) into (?:the )?(?:lake|river|sea|ocean|water|traffic)",
    ),
    f(
        PlanIntent,
        S,
        true,
        r"(?:going|go|heading) (?:up )?to the (?:roof|bridge|cliffs|tracks) (?:\w+ ){0,2}(?:tonight|now|after|once|when)",
    ),
    f(
        PlanIntent,
        S,
        true,
        r"once i (?:hit send|post this|send this)",
    ),
    // An attempt named; the judge lowers it when told as past.
    f(
        Ideation,
        S,
        true,
        r"(?:tried|attempted|tried to|attempt to|attempted to) (?:to )?(?:{ACT}|die|jump|hang myself)",
    ),
    // Attempts under way, in places.
    f(
        InProgress,
        S,
        true,
        r"(?:standing|stood|sitting|sat|lying|lay|waiting) (?:on|at|by) (?:the )?(?:edge of the )?(?:train )?(?:tracks|platform|rails|ledge|railing)",
    ),
    f(
        InProgress,
        S,
        true,
        r"(?:past|beyond) where i (?:can|could) stand",
    ),
    f(
        InProgress,
        S,
        true,
        r"(?:the )?(?:current|water|waves|tide) (?:is )?(?:pulling|dragging|taking) me",
    ),
    f(
        InProgress,
        S,
        true,
        r"(?:i can hear|hear|see) (?:it|the train) coming",
    ),
    f(
        InProgress,
        S,
        true,
        r"(?:rope|noose|belt) is (?:up|tied|ready) (?:and|,) i am (?:standing|on)",
    ),
    // Self-harm in everyday words.
    f(
        SelfHarm,
        S,
        true,
        r"(?:^|\. |, |and |i |then |so )cut(?: \.|$| ,| again| deep| deeper| tonight| for the first time| myself| last night| this morning| today)",
    ),
    f(
        SelfHarm,
        S,
        true,
        r"(?:used|use|using|grabbed|took out|got out|reached for) (?:\w+ ){0,3}(?:razor|razors|blade|blades|the glass|broken glass|sharpener|lighter on)",
    ),
    f(
        SelfHarm,
        S,
        true,
        r"(?:urge|urges|itch|itching|craving) (?:\w+ ){0,4}(?:arms|wrists|thighs|skin|blades|razor|to cut|to burn)",
    ),
    f(
        SelfHarm,
        S,
        true,
        r"(?:did it|done it) (?:again )?(?:this morning|last night|tonight|today|again)",
    ),
    // Cannot stay safe.
    f(
        CannotStaySafe,
        S,
        true,
        r"(?:do not|dont) know what i (?:am|m) (?:going to|gonna) do(?: \.|$| ,| to myself| tonight| if)",
    ),
    f(
        CannotStaySafe,
        S,
        true,
        r"(?:can not|could not|cannot|will not) (?:be trusted|trust myself|stop (?:it|myself)|hold on|hang on|promise|say yes|wait that long)",
    ),
    f(
        CannotStaySafe,
        S,
        true,
        r"(?:losing|lost) the (?:argument|battle|fight) (?:\w+ ){0,2}(?:tonight|now|with (?:myself|my brain|my head))",
    ),
    f(
        CannotStaySafe,
        S,
        true,
        r"something bad (?:is going to|will|is gonna) happen",
    ),
    f(
        CannotStaySafe,
        S,
        true,
        r"safety plan (?:\w+ ){0,6}(?:not working|does not work|is not working|ripped|useless|failed|nothing on it)",
    ),
    // Slang.
    f(
        Ideation,
        X,
        true,
        r"(?:uninstall|uninstalling|delete|deleting) myself",
    ),
    f(
        Ideation,
        S,
        true,
        r"(?:log|logging|sign|signing) off (?:\. |, )?(?:\w+ ){0,2}(?:permanently|for good|forever|for real|irl)",
    ),
    f(
        Ideation,
        S,
        true,
        r"(?:swan dive|dive|jump|leap) (?:off|from) (?:the |a )?(?:multistorey|multi storey|car park|parking garage|overpass|flyover)",
    ),
    f(
        Ideation,
        S,
        true,
        r"unalive (?:era|mode|arc|hours|vibes|time)",
    ),
    // Threats in everyday words.
    f(
        ThreatToOthers,
        O,
        true,
        r"(?:going to|gonna|will|i ll|i am going to) (?:\w+ ){0,2}(?:track down|go after|get back at|run (?:him|her|them) down|throw acid|poison)",
    ),
    f(
        ThreatToOthers,
        O,
        true,
        r"(?:acid|petrol|gasoline) (?:\w+ ){0,4}(?:their|his|her) (?:faces|face|flat|house|car|door)",
    ),
    f(
        ThreatToOthers,
        O,
        true,
        r"(?:filled|fill|filling) (?:\w+ ){0,3}with (?:petrol|gasoline)",
    ),
    f(
        ThreatToOthers,
        O,
        true,
        r"(?:practising|practicing|practice) at the (?:shooting )?range (?:\w+ ){0,6}(?:go after|people|them|him|her)",
    ),
    f(
        ThreatToOthers,
        O,
        true,
        r"(?:{PERSON}) (?:\w+ ){0,2}(?:will not|wont|is not going to) wake up (?:tomorrow|again)",
    ),
    f(
        ThreatToOthers,
        O,
        true,
        r"(?:{WEAPON}) to (?:the )?(?:club|school|office|party|church|mosque|meeting|game|match|awards|work)",
    ),
    f(
        ThreatToOthers,
        O,
        true,
        r"(?:fist|knife|blade|bat) (?:through|into|in) (?:\w+ ){0,2}(?:skull|face|head|chest|neck)",
    ),
    f(
        ThreatToOthers,
        O,
        true,
        r"(?:poison|rat poison|pills crushed|crushed up) (?:\w+ ){0,6}(?:tea|coffee|drink|food|dinner)",
    ),
];

/// Warning signs: silent alone.
pub const SIGNS: &[FrameSpec] = &[
    // Preparation: means.
    f(
        MeansPreparation,
        S,
        false,
        r"%(?:bought|buying|buy|got|getting|ordered|ordering|collected|saved|saving|stockpiled|stockpiling|hoarded|hoarding|hid|hidden|hiding|stashed|stashing|picked up|have) (?:\w+ ){0,4}(?:rope|cord|belt|pills|tablets|paracetamol|tylenol|meds|medication|sleeping pills|painkillers|blades|razor|razors|gun|handgun|shotgun|rifle|pistol|charcoal|helium|plastic bag|tape|poison|bleach|antifreeze)",
    ),
    f(
        MeansPreparation,
        S,
        false,
        r"%(?:lethal|fatal|deadly|toxic) (?:dose|amount)",
    ),
    f(
        MeansPreparation,
        S,
        false,
        r"%how many (?:\w+ ){0,4}(?:it would take|would take|to take|would kill|it takes)",
    ),
    f(
        MeansPreparation,
        S,
        false,
        r"%(?:picked|chosen|chose|choose) which (?:one|knife|blade|bridge|pills)",
    ),
    f(
        MeansPreparation,
        S,
        false,
        r"%(?:practice run|test run|trial run|dry run)",
    ),
    // Preparation: affairs.
    f(
        MeansPreparation,
        S,
        false,
        r"%(?:wrote|written|writing|drafted|drafting|finished|finish|left|leaving|posted|sealed|addressed) (?:\w+ ){0,3}(?:letters|letter|note|notes|cards)",
    ),
    f(
        MeansPreparation,
        S,
        false,
        r"%(?:updated|wrote|written|made|did|done|sorted|signed) (?:\w+ ){0,2}(?:my )?will",
    ),
    f(
        MeansPreparation,
        S,
        false,
        r"%(?:will|passwords|bank stuff|bank details|finances|financial stuff|paperwork|accounts) (?:\w+ ){0,4}(?:done|sorted|folder|notebook|in order|labelled|labeled|written down|on top)",
    ),
    f(
        MeansPreparation,
        S,
        false,
        r"%(?:affairs in order|loose ends|tying up|tie up|tied up|put my affairs|getting my affairs)",
    ),
    f(
        MeansPreparation,
        S,
        false,
        r"%(?:look after|take care of|take|have|keep|rehome|rehoming|adopt|handing|hand|handed|gave|giving|give|leave|left|going to|rehomed) (?:\w+ ){0,3}(?:my|the|our) (?:cat|cats|dog|dogs|fish|rabbit|rabbits|hamster|pets|pet|bird|birds|kitten|puppy)(?: away| to| with| for good| forever| \.| ,|$| and| if| when| after| once)",
    ),
    f(
        MeansPreparation,
        S,
        false,
        r"%my (?:cat|cats|dog|dogs|fish|rabbit|rabbits|hamster|pets|pet|bird|birds) (?:is going|goes|should go|will go|to go) to",
    ),
    f(
        MeansPreparation,
        S,
        false,
        r"%(?:gave|giving|give|given|handing|handed|donated|donating) (?:away )?(?:\w+ ){0,2}my (?:\w+ ){0,3}(?:to|away)",
    ),
    f(
        MeansPreparation,
        S,
        false,
        r"%(?:deleting|deleted|delete|wiping|wiped|clearing|cleared) (?:\w+ ){0,3}(?:photos|messages|accounts|history|chats|browser|search history)",
    ),
    f(
        MeansPreparation,
        S,
        false,
        r"%(?:cancelled|canceled|cancelling|canceling|cancel) (?:\w+ ){0,3}(?:sessions|appointments|therapy|gym|subscriptions|plans)",
    ),
    f(
        MeansPreparation,
        S,
        false,
        r"%(?:guardian|godmother|godfather) (?:\w+ ){0,6}(?:if anything happens|when i am gone|after i am gone)",
    ),
    // Preparation: places.
    f(
        MeansPreparation,
        S,
        false,
        r"%(?:checked|checking|check|found|finding|scouted|scouting|looked at|looking at|went to see|walked|walking|visited|timed|time) (?:\w+ ){0,4}(?:roof access|the roof|the drop|the route|the fence|high enough|how high|the bridge|bridges|the cliffs|the cliff|the quarry|the tracks|train line|the ledge)",
    ),
    f(
        MeansPreparation,
        S,
        false,
        r"%(?:roof|door|access|fence|railing) (?:\w+ ){0,5}(?:not locked|unlocked|no railing|easy to get past|way in)",
    ),
    // Finality.
    f(
        Goodbye,
        S,
        false,
        r"%(?:will not|wont|not going to|not gonna) (?:\w+ ){0,2}(?:be around|be here|be back|be coming back|come back|be at (?:\w+ ){0,4}(?:again|any)|need (?:it|them|this|these|anything)|see (?:you|any of you|another))",
    ),
    f(
        Goodbye,
        S,
        false,
        r"%(?:for the last time|one last time|one more time|my last post|my last message|last thing i)",
    ),
    f(
        Goodbye,
        S,
        false,
        r"%(?:goodbye|farewell|bye) (?:everyone|all|guys|group|friends|you lot|lovely people)",
    ),
    f(
        Goodbye,
        S,
        false,
        r"%(?:this is goodbye|saying goodbye|say goodbye|said goodbye|my goodbyes|goodbye properly)",
    ),
    f(
        Goodbye,
        S,
        false,
        r"%(?:where i am going|after i am gone|once i am gone|when i am gone|before i go|while i still can|i was happy at the end|at the end)",
    ),
    f(Goodbye, S, false, r"%(?:made|making|make) (?:my )?peace"),
    f(
        Goodbye,
        S,
        false,
        r"%(?:thank|thanks|thank you) (?:\w+ ){0,3}for everything",
    ),
    f(Goodbye, S, false, r"%(?:it is not|its not|not) for a while"),
    f(
        Goodbye,
        S,
        false,
        r"%(?:everything is|everythings|everything s|all) (?:ready|done|sorted|set|in place)",
    ),
    f(Goodbye, S, false, r"%(?:got|have) everything i need"),
    f(
        Goodbye,
        S,
        false,
        r"%(?:then|and) (?:that is|that s|thats) it(?: \.|$| ,)",
    ),
    f(Goodbye, S, false, r"%(?:that will|that ll|thatll) be it"),
    // Decision and time.
    f(
        PlanIntent,
        S,
        false,
        r"%(?:made up|make up|making up) my mind",
    ),
    f(
        PlanIntent,
        S,
        false,
        r"%(?:i have |i )?(?:decided|made my decision|made the decision)",
    ),
    f(
        PlanIntent,
        S,
        false,
        r"%(?:decision|mind) (?:is|has been|s been|is been|was) (?:made|final|set)",
    ),
    f(
        PlanIntent,
        S,
        false,
        r"%(?:set|picked|chosen|chose|choose|pick) (?:a|the) (?:date|day|spot|place|night|time)",
    ),
    f(
        PlanIntent,
        S,
        false,
        r"%(?:the )?(?:date|day) is (?:set|chosen|picked)",
    ),
    f(
        PlanIntent,
        S,
        false,
        r"%(?:that is the|thats the|that s the|it is all|its all|it s all|all) (?:plan|planned)",
    ),
    f(
        PlanIntent,
        S,
        false,
        r"%i know (?:how|when|where) (?:and|,)? ?(?:i know )?(?:how|when|where)",
    ),
    f(PlanIntent, S, false, r"%(?:gave|give|giving) myself until"),
    f(
        PlanIntent,
        S,
        false,
        r"%(?:wait|waiting) (?:until|till|for) (?:everyone|the house|everybody) (?:is |to be )?(?:asleep|empty|gone|out)",
    ),
    f(
        PlanIntent,
        S,
        false,
        r"%(?:while|when) the house (?:is )?empty",
    ),
    f(
        PlanIntent,
        S,
        false,
        r"%just need (?:to do )?the (?:last bit|right night|right time|right moment)",
    ),
];
