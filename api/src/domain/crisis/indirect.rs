//! Indirect forms of the categories: death as going to God, a plan told as
//! a date the writer will not see, harm in everyday verbs (hitting,
//! punching, smothering), threats told as a visit with a weapon, and past
//! attempts named as nouns. Judged like every other frame.
use super::lexicon::Scope::{Explicit as X, Others as O, Subject as S};
use super::lexicon::{f, FrameSpec};
use super::{Category::*, Risk};

const U: Risk = Risk::Urgent;
const E: Risk = Risk::Elevated;

pub const FRAMES: &[FrameSpec] = &[
    // Dying as a religious homecoming or a reunion with the dead.
    f(
        Ideation,
        U,
        S,
        true,
        r"(?:going|coming|go|come|went) home (?:early )?to (?:god|jesus|the lord|heaven|my maker|my father in heaven)",
    ),
    f(
        Ideation,
        U,
        S,
        true,
        r"(?:god|the lord|jesus) (?:\w+ ){0,4}(?:i am|i m|i will be|i ll be) (?:coming|going) home",
    ),
    f(Ideation, U, S, true, r"(?:meet|meeting) my maker"),
    f(
        Ideation,
        U,
        S,
        true,
        r"(?:join|joining|be with) (?:my )?(?:late )?(?:wife|husband|mum|mom|mother|dad|father|son|daughter|brother|sister|baby|partner|nan|grandma|grandad) (?:soon|again soon|in heaven|on the other side|up there)",
    ),
    // A date the writer says they will not live to see, a method chosen.
    f(
        PlanIntent,
        U,
        S,
        true,
        r"(?:will|shall) not (?:see|live to see|be here for|be around for|be alive for|make it to) (?:the |another |this |my next |next )?(?:new year|christmas|birthday|spring|summer|winter|autumn|weekend|morning|tomorrow|year|sunrise)",
    ),
    f(
        PlanIntent,
        U,
        X,
        true,
        r"i (?:have |ve |already )?(?:chosen|picked|decided|worked out|figured out) (?:how|when|the method|the way|when and how|how and when)(?: \.| ,|$| and| i)",
    ),
    // Not trusting oneself.
    f(
        CannotStaySafe,
        U,
        X,
        true,
        r"i (?:think )?(?:will|ll|might|may|am going to|could|am gonna) (?:end up )?(?:do|doing) something (?:bad|stupid|dangerous|drastic|terrible|permanent|i will regret|i can not take back)",
    ),
    f(
        CannotStaySafe,
        U,
        X,
        true,
        r"(?:afraid|scared|frightened|terrified) of (?:my own hands|my hands|what my hands|my own head|my own mind|my head|my mind|myself)",
    ),
    // On a height, not coming down.
    f(
        InProgress,
        U,
        X,
        true,
        r"(?:i am|i m|i) not coming (?:back )?down(?: again)?(?: \.| ,|$| from| this)",
    ),
    // Harm in everyday verbs, with how far it goes.
    f(
        SelfHarm,
        U,
        X,
        true,
        r"(?:hitting|punching|slapping|banging|biting|scratching|hit|punch|slap|bang|bite|scratch) (?:myself|my own \w+|my (?:head|face|arm|arms|leg|legs|thigh|thighs|wrist|wrists|stomach|skin|hand|hands)) (?:\w+ ){0,4}(?:until|till|til|whenever|so hard|hard enough|purple|bruised|bruises|bleed|bled|bleeds|marks)",
    ),
    f(
        SelfHarm,
        U,
        X,
        true,
        r"(?:been|keep|kept|started|start) (?:hitting|punching|slapping|banging|biting|scratching) (?:myself|my own \w+|my head)",
    ),
    f(
        SelfHarm,
        U,
        X,
        true,
        r"(?:cut|cutting|burned|burnt|burn|burning|scratched|carved) (?:my|my own) (?:arms|arm|wrists|wrist|thighs|thigh|legs|stomach|skin|hips) (?:with|using) (?:a |the |my )?(?:cigarettes|cigarette|lighter|razor|razors|blade|blades|glass|knife|scissors|compass|sharpener)",
    ),
    // A past attempt or self-harm named as such; the judge raises it when it
    // is said to be back.
    f(
        Past,
        E,
        X,
        false,
        r"(?:my|my first|my second|my third|my last|my previous|my failed|i had an|i made an|i made a|survived my|since my|after my) (?:suicide )?(?:attempt|attempts|overdose)",
    ),
    f(
        Past,
        E,
        X,
        false,
        r"i used to (?:cut|burn|harm myself|hurt myself|selfharm|self harm|starve myself|hit myself)",
    ),
    f(
        PassiveWish,
        E,
        X,
        true,
        r"(?:mad|angry|upset|disappointed|sad|sorry|annoyed) (?:\w+ ){0,2}(?:it|that it) (?:did not|never|had not) work",
    ),
    f(
        PassiveWish,
        E,
        X,
        true,
        r"disappointed (?:that |when )?i (?:woke|wake|still wake|still woke|keep waking) up",
    ),
    // Threats told as a visit, a weapon taken to someone, smothering.
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:{WEAPON}) (?:\w+ ){0,6}(?:pay|paying) (?:\w+ )?a visit",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:take|taking|took) (?:a|the|my|his|her|dad s|my dad s) (?:{WEAPON}) to (?:him|her|them|his (?:face|head|car)|her (?:face|head|car)|that (?:bastard|prick|bitch|man|woman))(?: \.| ,|$| and| if| when| tonight| tomorrow| god)",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:smother|smothering|smothered|suffocate|suffocating|stood over|standing over) (?:{PERSON})",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:will|ll|going to|gonna|want to) (?:break|smash|bash|cave|kick) (?:his|her|their|your) (?:face|head|skull|neck|jaw|legs|teeth)",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:he|she|they) (?:is |are |s )?(?:going to |gonna |will )regret (?:what (?:he|she|they) did|crossing me|messing with me|the day)",
    ),
    // Harm with household heat and tools, and picking until it bleeds.
    f(
        SelfHarm,
        U,
        X,
        true,
        r"(?:used|put|pressed|held|holding|pressing) (?:the |a |my )?(?:hot )?(?:iron|lighter|straightener|straighteners|cigarette|hot spoon|blade|razor|knife) (?:on|to|against|into) my (?:arm|arms|skin|wrist|wrists|thigh|thighs|leg|legs|stomach|hand|hip)",
    ),
    f(
        SelfHarm,
        U,
        X,
        true,
        r"(?:put|held|pressed|hold|holding) my (?:hand|arm|fingers|wrist) (?:\w+ ){0,3}(?:on|against|under|in) (?:the )?(?:hob|stove|iron|kettle|radiator|flame|fire|boiling|hot) (?:\w+ ){0,3}(?:deliberately|on purpose|to feel|to punish)",
    ),
    f(
        SelfHarm,
        U,
        S,
        true,
        r"(?:pick|picking|picked|scratch|scratching|scratched) (?:at )?(?:\w+ ){0,2}(?:scars|scabs|skin|wounds) (?:\w+ ){0,3}(?:until|till|til) (?:they |it )?(?:bleed|bled|bleeds|bleeding)",
    ),
    f(
        SelfHarm,
        U,
        X,
        true,
        r"(?:went looking for|looking for|reached for|went for|hunting for) (?:the |my |a )?(?:scissors|razor|razors|blade|blades|sharpener|compass|lighter)",
    ),
    f(
        SelfHarm,
        U,
        S,
        true,
        r"(?:arms|forearms|forearm|wrists|thighs|legs|skin|stomach|hips) (?:are |is )?(?:covered|full) (?:in|of|with) (?:fresh |new |red |deep )?(?:lines|cuts|marks|burns|scratches)",
    ),
    // The inner voice that orders it.
    f(
        Ideation,
        U,
        X,
        true,
        r"(?:my brain|my head|my mind|the voice|the voices|a voice|everything in me|something in me) (?:\w+ ){0,2}(?:says|say|keeps saying|is saying|saying|tells me|telling me|is telling me|told me) (?:\w+ ){0,3}(?:to )?(?:kys|kill myself|kill yourself|die|do it|end it|you must die|do something (?:really )?bad)",
    ),
    f(
        Ideation,
        U,
        X,
        true,
        r"(?:kys|kill yourself) (?:is )?(?:\w+ ){0,3}(?:my brain|my head|the voice|the voices|my mind) (?:says|say|tells)",
    ),
    f(Ideation, U, S, true, r"time to (?:{ACT})"),
    f(
        Ideation,
        U,
        X,
        true,
        r"(?:too tired|too exhausted|too worn out|too weary) to (?:stay|keep going|go on|carry on|keep fighting|fight|keep living|be here)",
    ),
    f(
        Ideation,
        U,
        X,
        true,
        r"(?:sewerslide|permanently log off|log off for good)",
    ),
    f(
        PassiveWish,
        E,
        S,
        true,
        r"(?:universe|god|world|someone) (?:\w+ ){0,2}(?:uninstalls|deletes|unalives|takes|erases) me",
    ),
    f(
        PlanIntent,
        U,
        S,
        true,
        r"(?:end it|ending it|end it all|ending it all|end things|ending things|end my life|ending my life) (?:on |this |next )?(?:{SOON})",
    ),
    // Not safe, and the plan that no longer holds.
    f(
        CannotStaySafe,
        U,
        X,
        true,
        r"safety plan (?:\w+ ){0,5}(?:is not|isnt|not|stopped) (?:working|helping|enough)",
    ),
    f(
        CannotStaySafe,
        U,
        X,
        true,
        r"(?:do not think|not sure|not certain) i (?:am safe|will stop myself|can stop myself|could stop myself|will be able to stop)",
    ),
    f(
        CannotStaySafe,
        U,
        X,
        true,
        r"(?:how much longer|how long) i can (?:fight|hold on|keep fighting|resist|hold out)",
    ),
    // Burden and absence, hypothetically.
    f(
        Conditional,
        E,
        S,
        true,
        r"(?:would not|does not|would it|will not) (?:even |really )?matter if i (?:was|were|am|died|disappeared|was not|were not)",
    ),
    f(
        Conditional,
        E,
        S,
        true,
        r"who would (?:even |actually |really )?(?:miss|notice|care about|mourn) me",
    ),
    f(
        Conditional,
        E,
        S,
        true,
        r"(?:people|everyone|they|nobody|no one|my family) would (?:get over|forget about|forget|move on from|barely notice|not even notice|not notice) me",
    ),
    f(
        Conditional,
        E,
        S,
        true,
        r"if i (?:stopped existing|was gone|were gone|was not here|were not here|disappeared for good|was dead|were dead)",
    ),
    f(
        Ideation,
        U,
        S,
        true,
        r"(?:do not|can not|could not|no longer) see (?:a|any|the|much) (?:reason|point) (?:to|in|of) (?:\w+ )?(?:live|living|go on|going on|keep going|keep living|carry on|carrying on|stay|staying|being here|being alive)",
    ),
    // A past attempt told without its name.
    f(
        Past,
        E,
        S,
        true,
        r"(?:overdose|fall|crash|fell|accident|jump) (?:\w+ ){0,3}(?:was not|wasnt|was never|were not) (?:an |a |really an |really a )?(?:accident|fall|accidental)",
    ),
    f(
        Past,
        E,
        S,
        true,
        r"(?:found me|find me) (?:\w+ ){0,3}(?:that night|unconscious|in the bath|on the floor|in the garage|not breathing|after i)",
    ),
    f(
        Past,
        E,
        X,
        true,
        r"survived (?:the|my) (?:jump|fall|overdose|attempt|hanging|crash)",
    ),
    f(Past, E, X, true, r"scars (?:on my \w+ )?(?:are|were) from"),
    f(
        Past,
        E,
        X,
        true,
        r"i tried (?:once|twice|again|before|when|the (?:week|night|day|year|month) (?:before|after))",
    ),
];

/// Warning signs told indirectly: a cover story, accounts closed, money
/// moved, a moment waited for. Like every sign, one alone raises nothing.
pub const SIGNS: &[FrameSpec] = &[
    // A cover story, then the truth: "told her it was the new lease. It isn't."
    f(
        PlanIntent,
        U,
        S,
        false,
        r"%(?:it is not|it isnt|it s not|it was not|it wasnt|that is not true|it is not true)(?: really| true)? \.",
    ),
    f(
        PlanIntent,
        U,
        S,
        false,
        r"%(?:when|while) (?:everyone|everybody|they|he|she|people|my \w+) (?:thinks|think) i am (?:at|in|asleep|out|with|fine|okay|ok)",
    ),
    f(
        PlanIntent,
        U,
        S,
        false,
        r"%once (?:the kids|everyone|everybody|he|she|they|my \w+) (?:are|is|have|has) (?:at|asleep|gone|out|away|in bed|left)",
    ),
    f(PlanIntent, U, S, false, r"%(?:that is|that s) it for me"),
    f(
        PlanIntent,
        U,
        S,
        false,
        r"%(?:not saying why|you can guess|you can probably guess|you know why|i know (?:exactly|precisely) why)",
    ),
    // Means gathered quietly.
    f(
        MeansPreparation,
        U,
        S,
        false,
        r"%(?:saved|saving|kept|keeping|keep|hoarding|holding|held) (?:back )?(?:my |the |some of my )?(?:{PILLS}|methadone|scripts|doses)(?: \w+){0,3} (?:instead of taking|rather than taking|not taking)",
    ),
    f(
        MeansPreparation,
        U,
        S,
        false,
        r"%(?:nobody|no one|they do not|the pharmacist does not|he does not|she does not) notices? how many",
    ),
    f(
        MeansPreparation,
        U,
        S,
        false,
        r"%told (?:the )?(?:pharmacy|pharmacist|doctor|gp|chemist) (?:i had|i would|that i had|i have) lost",
    ),
    f(
        MeansPreparation,
        U,
        S,
        false,
        r"%(?:months|weeks) worth (?:\w+ ){0,4}(?:hidden|in a|under|shoebox|drawer|stashed|saved)",
    ),
    f(
        MeansPreparation,
        U,
        S,
        false,
        r"%(?:checked|check|checking) (?:\w+ ){0,2}(?:still there|still in|is loaded|was loaded|where (?:he|she|they|dad|my \w+) keeps)",
    ),
    f(
        MeansPreparation,
        U,
        S,
        false,
        r"%(?:express trains|trains|train) (?:\w+ ){0,4}(?:do not|that do not|which do not) stop",
    ),
    f(
        MeansPreparation,
        U,
        S,
        false,
        r"%(?:how long|how many days) (?:\w+ ){0,3}before (?:someone|somebody|a body|anyone|i) (?:gets|is|would be|get) found",
    ),
    // Affairs settled for after.
    f(
        MeansPreparation,
        U,
        S,
        false,
        r"%(?:moved|transferred|put) (?:all )?my (?:savings|money) (?:into|to|in) (?:\w+ ){0,3}(?:account|name)",
    ),
    f(
        MeansPreparation,
        U,
        S,
        false,
        r"%(?:deleting|deleted|closing|closed|wiping|wiped) (?:all )?my (?:socials|accounts|social media|instagram|facebook|tiktok|twitter)",
    ),
    f(
        MeansPreparation,
        U,
        S,
        false,
        r"%(?:less for|so) (?:people|them|everyone|he|she|nobody|no one|the kids) (?:\w+ ){0,3}(?:to deal with|have to deal with|have to think about|have to sort) (?:\w+ ){0,2}after",
    ),
    f(
        MeansPreparation,
        U,
        S,
        false,
        r"%(?:be|become|to be) (?:the )?(?:guardian|godparent|legal guardian) (?:for|of|to) (?:the|my)",
    ),
    // Leaving for good.
    f(Goodbye, U, X, false, r"%(?:i am|i m|am) not coming back"),
    f(
        Goodbye,
        U,
        S,
        false,
        r"%nothing (?:left )?hanging over (?:anyone|anybody|them|you)",
    ),
    f(
        Goodbye,
        U,
        S,
        false,
        r"%(?:vanish|disappear|go|leave) without (?:anyone|anybody|someone|people) (?:knowing|noticing)",
    ),
];
