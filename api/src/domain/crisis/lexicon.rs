//! The words: spelling, slang, concept classes and the frames built from them.
//!
//! Frames are regular expressions over the canonical text (see
//! `normalize`), written with `{CLASS}` placeholders that expand to a
//! concept's words. Adding a synonym to a class teaches every frame that
//! uses it.
use super::{Category, Risk};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

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

use Category::*;
use Risk::{Elevated as E, Urgent as U};
use Scope::{Explicit as X, Others as O, Subject as S};

/// The frames. Order does not matter; the highest level found wins.
pub const FRAMES: &[FrameSpec] = &[
    // Active ideation: wanting, meaning or thinking to die by suicide.
    f(Ideation, U, S, true, r"(?:{WANT}) (?:\w+ ){0,2}(?:{DIE})"),
    f(Ideation, U, S, true, r"(?:{INTEND}) (?:\w+ ){0,2}(?:{ACT})"),
    f(Ideation, U, X, true, r"(?:{KILLVERB}) (?:{SELFOBJ})"),
    f(
        Ideation,
        U,
        X,
        true,
        r"(?:end|ending|take|taking|ended) (?:{MY}) (?:life|existence|time here)",
    ),
    f(Ideation, U, X, true, r"(?:kms|ctb|selfdelete)"),
    f(Ideation, U, X, true, r"i (?:\w+ ){0,3}kys"),
    f(
        Ideation,
        U,
        S,
        true,
        r"(?:{INTEND}) (?:\w+ ){0,2}(?:jump|throw myself|leap|step|swan dive|dive|yeet myself) (?:off|from|in front of|into|out of) (?:\w+ ){0,3}(?:{HEIGHT}|train|bus|car|truck|lorry|traffic|river|sea|ocean|lake|water|window|something high|a height)",
    ),
    f(Ideation, U, S, false, r"suicidal"),
    f(
        Ideation,
        U,
        S,
        false,
        r"(?:thought|thoughts|thinking|think|considering|consider|contemplating|contemplate|planning|plan|plans|researching|research|urge|urges|idea|ideas|attempt|attempting|commit|committing|ideation|method|methods|pact|obsessing|fantasizing|fantasising|dreaming|daydreaming|googling|looking up) (?:\w+ ){0,2}(?:of |about |on )?(?:suicide|dying|death|killing myself|ending it|ending my life|ending things|ending it all|taking my life|unaliving|being dead|how to die|ways to die|how to kill myself|jumping|hanging myself|overdosing)",
    ),
    f(
        Ideation,
        U,
        S,
        false,
        r"(?:suicide|dying|death|killing myself|ending it|ending it all|ending my life|being dead) (?:\w+ ){0,3}(?:answer|option|solution|way out|only way|only choice|escape|tempting|calling|calls|appealing|on my mind|in my head|crossed my mind|sounds good|sounds nice|sounds peaceful|sounds like|looks like|seems like|feels like|keeps coming|pulling|pulls|constantly|every day|all the time|lately|again|relief|peace|best|easier)",
    ),
    f(
        Ideation,
        U,
        S,
        true,
        r"(?:want|wanted|need|wish|long|longing|pray|praying) (?:for )?(?:it all|everything|my life|life|this|things|the pain|it) to (?:end|be over|stop|finish)",
    ),
    f(
        Ideation,
        U,
        X,
        true,
        r"i (?:really |just |honestly |seriously )?(?:want|need|wish) to (?:die|be dead)",
    ),
    f(
        Ideation,
        U,
        S,
        true,
        r"(?:do not|no longer|not|never) (?:\w+ )?(?:want|wish) to (?:live|be alive|be here|exist|go on|keep going|keep living|be around|survive|continue)",
    ),
    f(
        Ideation,
        U,
        S,
        true,
        r"(?:no|not any|not a|not one|zero) (?:\w+ )?(?:reason|point|purpose) (?:to|in|for|of) (?:\w+ )?(?:live|living|go on|going on|being alive|being here|staying|stay|continue|continuing|carry on|carrying on|keep going|keep living|existing|life)",
    ),
    f(
        Ideation,
        U,
        S,
        true,
        r"(?:life|living|my life|being alive|it) (?:is not|is no longer|not|is never|isnt|aint) (?:\w+ )?worth (?:it|living|the pain|the effort|anything)",
    ),
    f(
        Ideation,
        U,
        S,
        true,
        r"(?:better off dead|rather be dead|rather die|should just die|should die|should be dead|deserve to die|want out of this life|want out of life|ready to go now|ready to die|ready to leave this)",
    ),
    f(
        Ideation,
        U,
        S,
        false,
        r"(?:can not|could not) (?:(?:go on|keep going|carry on)(?: \.| ,|$| anymore| like this| any longer| living| with (?:life|this|it))|keep living|live like this|do this anymore|do life|take it anymore|take this anymore|cope anymore|keep doing this|handle this anymore|handle life)",
    ),
    f(
        Ideation,
        U,
        S,
        true,
        r"(?:tired|sick|exhausted|done) (?:\w+ ){0,2}(?:of|with) (?:living|being alive|life|existing|this life|breathing|being here|waking up)",
    ),
    // Passive wish: not wanting to be alive, without intent.
    f(
        PassiveWish,
        E,
        S,
        true,
        r"(?:wish|wished|wishing|hope|hoping|pray|praying|prayed) (?:\w+ ){0,4}(?:dead|die|died|not born|never been born|been born|not alive|not here|not exist|existed|disappear|disappeared|vanish|sleep forever|not wake up|never wake up|wake up|gone|cease to exist|stop existing|the one who died|taken me|take me|hit me|hits me|crash|kill me|kills me|end|be over|not have to wake up|fall asleep and)",
    ),
    f(
        PassiveWish,
        E,
        S,
        true,
        r"(?:want|need|like|love) to (?:just )?(?:disappear|vanish|not exist|stop existing|sleep forever|go to sleep forever|sleep and never wake up|fall asleep and not wake up|fall asleep forever|fade away|cease to exist|stop being|not be|be nothing|evaporate|be erased|go away forever)",
    ),
    f(
        PassiveWish,
        E,
        S,
        true,
        r"(?:do not|not|never) (?:\w+ )?(?:want|wish|care) to (?:wake up|be born|be awake|see tomorrow|see another day|see the morning|open my eyes)",
    ),
    f(
        PassiveWish,
        E,
        S,
        true,
        r"(?:hoping|hope|pray|praying|wish) (?:\w+ ){0,3}(?:do not|dont|never|not) (?:wake up|make it|see)",
    ),
    f(
        PassiveWish,
        E,
        S,
        true,
        r"(?:envy|jealous of) (?:the )?(?:dead|people who died|those who died)",
    ),
    f(
        PassiveWish,
        E,
        S,
        true,
        r"(?:would not|would not even|wouldnt) (?:mind|care) (?:\w+ ){0,2}(?:dying|if i died|if i die|not waking up|getting hit|if something happened)",
    ),
    f(
        PassiveWish,
        E,
        S,
        true,
        r"(?:go to sleep|fall asleep|sleep) (?:\w+ ){0,2}(?:forever|for good|permanently|and never wake up|and not wake up|and never come back)",
    ),
    f(
        PassiveWish,
        E,
        S,
        true,
        r"(?:want|need|wish|ready) (?:\w+ ){0,2}to (?:go|be) (?:home|with (?:\w+ ){0,2}(?:again|in heaven|now))",
    ),
    f(
        PassiveWish,
        E,
        S,
        false,
        r"(?:no|not any|lost all|lost my) (?:\w+ )?(?:will|desire|want|reason) to (?:live|go on|keep going)",
    ),
    f(
        PassiveWish,
        E,
        S,
        true,
        r"i (?:am|feel|m) (?:\w+ )?(?:done|finished) with (?:everything|it all|life|all of this|living|this life|being alive|existing|myself|trying)",
    ),
    // Conditional and burden: the world without the writer.
    f(
        Conditional,
        E,
        S,
        true,
        r"(?:nobody|no one|noone|not a soul|none of them|anyone|anybody|who|would anyone|would anybody|nobody) (?:\w+ ){0,2}(?:would|will|even|ever|really|actually|to)? ?(?:care|notice|miss me|miss|cry|come|know|realise|realize|mourn|bother|remember)(?: \w+){0,3} (?:if|when) i (?:\w+ ){0,2}(?:died|die|was gone|were gone|am gone|disappeared|disappear|was dead|were dead|was not here|were not here|did not wake up|did not come back|killed myself|left|vanished|stopped|was not around)",
    ),
    f(
        Conditional,
        E,
        X,
        true,
        r"(?:better off|better|easier|happier|lighter|simpler|easier for everyone|fine) (?:\w+ ){0,2}(?:without me|if i (?:\w+ ){0,2}(?:was|were|am|wasnt|was not|were not|was gone|were gone|died|disappeared|left|gone|dead|never|did not|had not|not))",
    ),
    f(
        Conditional,
        E,
        X,
        true,
        r"(?:i am|i feel|i m|i have become|i am just|i feel like) (?:\w+ ){0,2}(?:a burden|such a burden|the burden|a waste of (?:space|air|oxygen|life)|a waste)",
    ),
    f(
        Conditional,
        E,
        S,
        true,
        r"(?:burden|waste of space) (?:to|on|for) (?:everyone|everybody|my family|them|all of you|the people)",
    ),
    f(
        Conditional,
        E,
        X,
        true,
        r"what if i (?:just )?(?:\w+ )?(?:did not wake up|died|disappeared|was not here|was gone|did not come back|stopped|ended|never came back|drove off|walked into|stepped)",
    ),
    f(
        Conditional,
        E,
        X,
        true,
        r"(?:world|everyone|everybody|family|they|kids|people) (?:\w+ ){0,3}(?:without me|if i was gone|if i were gone|if i was not here|once i am gone|when i am gone|after i am gone)",
    ),
    f(
        Conditional,
        E,
        X,
        true,
        r"(?:if|when|once|after) i (?:am|m|was|were) (?:gone|dead|not around|not here|no longer here|out of the picture)",
    ),
    // Plan, intent and timing.
    f(
        PlanIntent,
        U,
        X,
        true,
        r"(?:made up my mind|my mind is made up|decided|have decided|i decided|made the decision|made my decision|chosen the day|picked a date|picked the date|set a date|set the date|have a date|have a plan|got a plan|have the plan|made a plan|made plans|have it planned|planned it|planned everything|planned out|worked out how|know how i will|know how i am going to|know how im going to|know exactly how|know when and how|know where and how) (?:\w+ ){0,6}(?:die|end|kill|it|do it|suicide|going|myself|tonight|tomorrow|friday|saturday|sunday|monday|tuesday|wednesday|thursday|done|over|this|everything|goodbye)",
    ),
    f(
        PlanIntent,
        U,
        X,
        true,
        r"@(?:tonight|today|tomorrow|this weekend|friday|saturday|sunday) (?:is|will be|s) (?:the night|the day|my last|the end|it|when)",
    ),
    f(
        PlanIntent,
        U,
        X,
        true,
        r"(?:last|final) (?:night|day|week|weekend|sunset|sunrise|time|meal|birthday|christmas|session|group) (?:\w+ ){0,2}(?:alive|on earth|of my life|i will ever|ill ever|i am going to|ever|here)",
    ),
    f(
        PlanIntent,
        U,
        X,
        true,
        r"(?:my|a) (?:suicide )?(?:plan|plans|method) (?:is|are|for|to) (?:\w+ ){0,4}(?:ready|set|tonight|tomorrow|done|sorted|made|going|end|die|myself|it)",
    ),
    f(
        PlanIntent,
        U,
        X,
        true,
        r"(?:planned|planning|plan) (?:my|out my|the) (?:death|suicide|exit|ending|end|last day|goodbye|funeral)",
    ),
    f(
        PlanIntent,
        U,
        X,
        true,
        r"(?:not|will not|wont|never) (?:be )?(?:here|around|alive) (?:\w+ ){0,2}(?:tomorrow|next week|by (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|morning|then|the weekend|next session)|much longer|for the next session|for next session|on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|to see)",
    ),
    f(
        PlanIntent,
        U,
        X,
        true,
        r"(?:this|that) (?:will|is going to|s going to) be (?:my|the) last",
    ),
    // Means and preparation.
    f(
        MeansPreparation,
        U,
        S,
        true,
        r"(?:saving|saved|stockpiling|stockpiled|hoarding|hoarded|collecting|collected|counting|counted|gathering|gathered|stashing|stashed|building up) (?:up )?(?:\w+ ){0,3}(?:{PILLS})",
    ),
    f(
        MeansPreparation,
        U,
        S,
        true,
        r"@(?:keeping|kept|hiding|hidden|lined up|stocked|stocking|buying|bought) (?:up )?(?:\w+ ){0,3}(?:{PILLS})",
    ),
    f(
        MeansPreparation,
        U,
        S,
        true,
        r"(?:{PILLS}) (?:\w+ ){0,4}(?:saved|saved up|stockpiled|hoarded|collected|counted|lined up|ready|waiting|hidden|stashed|set aside|enough to|in a drawer|in my drawer|in the drawer|in a sock|in the wardrobe|under my bed|under the bed)",
    ),
    f(
        MeansPreparation,
        U,
        S,
        true,
        r"(?:how many|how much|enough|lethal dose|lethal amount|fatal dose|lethal|overdose amount|od amount|what dose) (?:\w+ ){0,4}(?:{PILLS}|would kill|to kill|to die|would it take|does it take|to be fatal|is lethal|is fatal|it takes|kill me|to not wake up|be enough)",
    ),
    f(MeansPreparation, U, S, true, r"(?:noose|nooses)"),
    f(
        MeansPreparation,
        U,
        S,
        true,
        r"(?:rope|belt|cord|cable|scarf) (?:\w+ ){0,4}(?:neck|ready|tied|is up|up in|strong enough|beam|ceiling|rafter|rafters|banister|hook|closet|wardrobe|door|garage|attic|tree|holds|hold my weight|test)",
    ),
    f(
        MeansPreparation,
        U,
        S,
        true,
        r"@(?:bought|got|ordered|have|found|tied|tying|made|making|hung|hanging|set up|setting up|test|tested|testing|practiced|practicing|practising) (?:\w+ ){0,2}(?:rope|noose|knot|belt|ligature|hose|tube|charcoal|helium|exit bag|plastic bag|carbon monoxide)",
    ),
    f(
        MeansPreparation,
        U,
        S,
        true,
        r"(?:bought|got|buying|ordered|loaded|load|loading|cleaned|holding|hold|have|found|took|taking|borrowed|borrowing) (?:\w+ ){0,3}(?:gun|pistol|handgun|revolver|rifle|shotgun|firearm|bullets|bullet|ammo) (?:\w+ ){0,6}(?:myself|my head|my mouth|tonight|end|it|use it|to my|done|ready|in my|on me|for me|drawer|car|room|under)",
    ),
    f(
        MeansPreparation,
        U,
        S,
        true,
        r"(?:gun|pistol|barrel|knife|blade) (?:\w+ ){0,2}(?:to|in|against|on) (?:my|myself) (?:head|temple|mouth|throat|wrist|wrists|chest|neck)",
    ),
    f(
        MeansPreparation,
        U,
        S,
        true,
        r"(?:sharpened|sharpening|bought|got|found|hid|hidden|have|keeping|kept|new|fresh|packet of) (?:\w+ ){0,2}(?:razor|razors|blades|blade|box cutter|scalpel)",
    ),
    f(
        MeansPreparation,
        U,
        S,
        true,
        r"(?:suicide|goodbye|farewell|last) (?:note|notes|letter|letters|message|messages|video|email|emails|post)",
    ),
    f(
        MeansPreparation,
        U,
        S,
        true,
        r"(?:wrote|written|writing|write|left|leaving|leave|drafted|drafting|typed|recorded|scheduled|finished|finishing) (?:\w+ ){0,3}(?:note|notes|letter|letters|goodbyes|goodbye|message|messages|video|email) (?:\w+ ){0,4}(?:everyone|family|kids|mum|mom|dad|wife|husband|partner|sister|brother|parents|son|daughter|friends|children|find|found|when i|after i|goodbye|for them|for my|explaining|to say|each)",
    ),
    f(
        MeansPreparation,
        U,
        S,
        true,
        r"(?:giving|gave|give|given|handing|handed|rehoming|rehomed|rehome) (?:away |out )?(?:\w+ ){0,3}(?:all my|my|everything|my stuff|my things|my belongings|my possessions|my cat|my dog|my pets|my guitar|my clothes|my books|my games|my plants|my jewellery|my jewelry) (?:\w+ ){0,6}(?:will not|wont|need them|not going to need|do not need|no longer need|after i|when i am gone|when im gone|so they|so someone|take care|look after|new home|want them to have|have them|anymore)",
    ),
    f(
        MeansPreparation,
        U,
        S,
        true,
        r"@(?:will|testament|affairs|accounts|passwords|bank details|life insurance|funeral|everything) (?:\w+ ){0,3}(?:in order|sorted|written|updated|ready|arranged|planned|paid|so they|for when|for after|so my)",
    ),
    f(
        MeansPreparation,
        U,
        S,
        true,
        r"(?:deleted|deleting|delete|cancelled|canceling|cancelling|cancel|closed|closing|wiped|wiping|paid off|sorted out|tidied|tidying|cleaned) (?:\w+ ){0,3}(?:accounts|account|subscriptions|social media|everything|phone|my debts|my room|my affairs|my stuff|my things|appointments|my therapy) (?:\w+ ){0,5}(?:need|needed|will not|wont|any more|anymore|after|when|so nobody|so no one|so they|last|before i|not going to|for them|for whoever|goodbye)",
    ),
    f(
        MeansPreparation,
        U,
        S,
        true,
        r"(?:researching|researched|research|googling|googled|google|looked up|looking up|searching|searched|reading about|read about|watched videos on|figuring out|figured out|working out|worked out|learning|learned|know) (?:\w+ ){0,3}(?:how to (?:die|kill|hang|overdose|end|od|do it|tie|jump|drown|suffocate|cut deep|bleed out)|ways to (?:die|kill|end|go)|methods|painless|lethal|fatal|quickest way|easiest way|best way|which bridge|how high|how many|how much|height|overdose|od|how long it takes to die|how long it takes)",
    ),
    f(
        MeansPreparation,
        U,
        X,
        true,
        r"(?:have|got|found|picked|picked out|chose|chosen|scouted|know|found out) (?:\w+ ){0,2}(?:the|a|my) (?:\w+ )?(?:spot|place|location|bridge|building|cliff|roof|ledge|tree|method|way)(?: \w+){0,4} (?:die|end|jump|do it|it|myself|go|to use)",
    ),
    f(
        MeansPreparation,
        U,
        X,
        true,
        r"(?:{PILLS}) (?:\w+ ){0,3}(?:and|with) (?:\w+ ){0,2}(?:vodka|wine|alcohol|booze|whiskey|drink|bottle of)",
    ),
    f(
        MeansPreparation,
        U,
        X,
        true,
        r"(?:everything|all) i need (?:\w+ ){0,3}(?:ready|here|in place|sorted|is here)",
    ),
    f(
        MeansPreparation,
        U,
        S,
        true,
        r"(?:drive|driving|crash|crashing|swerve|swerving|steer|steering) (?:\w+ ){0,3}(?:into|off|in front of) (?:\w+ ){0,3}(?:tree|wall|bridge|truck|lorry|cliff|river|lake|traffic|oncoming|barrier)",
    ),
    // An attempt in progress.
    f(
        InProgress,
        U,
        X,
        true,
        r"(?:took|taken|take|swallowed|swallowing|downed|downing|ingested|necked|popped|popping|just took|already took|have taken|just swallowed|took like|took about|took around|taking) (?:\w+ ){0,2}(?:all|every|whole|entire|both|half|\d+|a bunch|a handful|handful|handfuls|loads|a lot|too many|way too many|way more|the rest|a bottle|the bottle|a box|boxes|the box|two boxes|three boxes|strips|packets|a pack|the pack|everything|every single|double|triple|a month|months|a weeks|a week|twice) (?:of )?(?:\w+ ){0,3}(?:{PILLS}|them|it|they|in the cabinet|i had|i could find|i have|supply|stash|prescription)",
    ),
    f(
        InProgress,
        U,
        X,
        true,
        r"(?:took|swallowed|taken|downed|necked|popped) (?:them|them all|it all|the lot|everything)",
    ),
    f(
        InProgress,
        U,
        X,
        true,
        r"(?:i am|i m|am|sitting|standing|stood|sat|here) (?:\w+ ){0,3}(?:on|at|by|near|over|in) (?:the |a |this |my )?(?:edge|ledge|bridge|roof|rooftop|railing|railings|tracks|platform edge|cliff|overpass|balcony edge|window ledge|car park roof|top of|side of the bridge|other side)(?: \w+){0,6} (?:now|right now|looking down|jump|down|water|drop|cars|trains|about to|waiting|cold|wind|it is|its|not sure|scared|typing|goodbye|high)",
    ),
    f(
        InProgress,
        U,
        X,
        true,
        r"(?:engine|car) (?:is |s )?(?:running|on) (?:\w+ ){0,3}(?:garage|closed|shut|door|doors|hose)",
    ),
    f(
        InProgress,
        U,
        X,
        true,
        r"(?:rope|noose|belt) (?:is )?(?:around|round|on) my neck",
    ),
    f(
        InProgress,
        U,
        X,
        true,
        r"(?:bleeding|blood) (?:\w+ ){0,2}(?:a lot|everywhere|will not stop|wont stop|does not stop|not stopping|so much|too much|heavily|through|out)",
    ),
    f(
        InProgress,
        U,
        X,
        true,
        r"(?:cut|cuts|cutting) (?:\w+ ){0,2}(?:too deep|very deep|really deep|so deep|deeper than|deep this time|wont stop bleeding|will not stop bleeding|need stitches)",
    ),
    f(
        InProgress,
        U,
        X,
        true,
        r"(?:feel|feeling|getting|getting really|so|really) (?:\w+ )?(?:dizzy|sleepy|drowsy|numb|sick|woozy|nauseous|heavy|faint|weird|floaty|cold) (?:\w+ ){0,3}(?:from|after|since) (?:\w+ ){0,2}(?:what i took|the pills|the tablets|i took|taking|them|it|the meds|the lot)",
    ),
    f(
        InProgress,
        U,
        X,
        true,
        r"(?:it is|its|it s) (?:done|happening|too late|already done)(?: \w+){0,3}(?: i took| the pills| goodbye| sorry| i love| i cut| tell| bye)",
    ),
    f(
        InProgress,
        U,
        X,
        true,
        r"(?:already|just) (?:started|begun|done it|did it|took|taken|cut|swallowed|jumped|tied|tried|drank)",
    ),
    f(
        InProgress,
        U,
        X,
        true,
        r"(?:heart|chest) (?:is )?(?:racing|pounding|hurts) (?:\w+ ){0,3}(?:from|after) (?:\w+ ){0,2}(?:took|pills|tablets|what i)",
    ),
    // Self-harm now.
    f(SelfHarm, U, X, true, r"(?:{HARMVERB}) (?:{SELFOBJ})"),
    f(
        SelfHarm,
        U,
        S,
        false,
        r"(?:selfharm|selfharming|selfharmed)",
    ),
    f(
        SelfHarm,
        U,
        S,
        true,
        r"(?:urge|urges|itch|craving|cravings|need|want|wanting|needing|desperate|tempted|temptation) (?:\w+ ){0,2}(?:to )?(?:cut|cutting|burn|burning|selfharm|bleed|scratch|hurt myself|hit myself|relapse|feel pain|see blood|punish myself|carve|pick up the blade|use the blade)",
    ),
    f(
        SelfHarm,
        U,
        S,
        true,
        r"(?:cutting|burning|scratching|carving|hitting myself|picking) (?:\w+ ){0,2}(?:again|every night|every day|lately|this week|last night|since|more|deeper|my arms|my legs|my thighs|my wrists|my skin|my stomach)",
    ),
    f(
        SelfHarm,
        U,
        S,
        true,
        r"(?:relapsed|relapse|relapsing|slipped|streak|clean streak|days clean|weeks clean|months clean) (?:\w+ ){0,4}(?:cut|cutting|selfharm|blade|razor|burn|burning|broke|broken|ended|gone|reset|last night|today|tonight|again)",
    ),
    f(
        SelfHarm,
        U,
        S,
        true,
        r"(?:broke|broken|ended|lost|reset) (?:\w+ ){0,2}(?:streak|clean streak|my clean|months clean|days clean|weeks clean)",
    ),
    f(
        SelfHarm,
        U,
        S,
        true,
        r"(?:razor|razors|blade|blades|lighter|scissors|knife|compass|glass|pencil sharpener|sharpener|box cutter|needle|cigarette) (?:\w+ ){0,4}(?:arm|arms|wrist|wrists|thigh|thighs|skin|leg|legs|stomach|hip|hips|ankle|ankles|myself)",
    ),
    f(
        SelfHarm,
        U,
        S,
        true,
        r"(?:fresh|new|deep|open|bleeding|raw) (?:\w+ )?(?:cuts|cut|wounds|burns|scratches|gashes|marks)",
    ),
    f(
        SelfHarm,
        U,
        S,
        true,
        r"(?:arms|wrists|thighs|legs|skin|stomach) (?:\w+ ){0,2}(?:covered|full|shredded|torn|raw|cut up|bleeding|scars|scarred|ruined)",
    ),
    f(
        SelfHarm,
        U,
        S,
        true,
        r"(?:need|want|deserve|deserved|have) to (?:\w+ )?(?:feel|see) (?:the |some |real )?(?:pain|blood|it hurt)",
    ),
    f(
        SelfHarm,
        U,
        S,
        true,
        r"(?:deserve|deserved) (?:\w+ ){0,2}(?:pain|to hurt|to bleed|to suffer|the pain|to be hurt|to be punished)",
    ),
    f(
        SelfHarm,
        U,
        X,
        true,
        r"(?:hide|hiding|cover|covering|cover up) (?:\w+ ){0,3}(?:cuts|scars|marks|burns|arms|wrists)",
    ),
    // Cannot stay safe.
    f(
        CannotStaySafe,
        U,
        X,
        true,
        r"(?:can not|could not|not able to|unable to|do not know if i can|do not think i can|do not know how to|no longer able to|struggling to|hard to) (?:\w+ ){0,2}(?:keep|stay|be) (?:\w+ )?(?:safe|alive|okay|ok)",
    ),
    f(
        CannotStaySafe,
        U,
        X,
        true,
        r"(?:not|never|no longer|un|do not feel|dont feel) (?:\w+ ){0,2}safe (?:with|from|around|by) (?:myself|me)",
    ),
    f(
        CannotStaySafe,
        U,
        X,
        true,
        r"(?:do not|can not|could not|no longer|not) (?:\w+ )?trust (?:myself|me)",
    ),
    f(
        CannotStaySafe,
        U,
        X,
        true,
        r"(?:scared|afraid|frightened|terrified|worried|fear|unsure|not sure|no idea) (?:of |about )?what i (?:might|will|could|am going to|may|would|m going to|am capable|could do|might do|will do)",
    ),
    f(
        CannotStaySafe,
        U,
        X,
        true,
        r"(?:can not|could not|will not|do not think i can) (?:\w+ )?promise (?:\w+ ){0,3}(?:safe|here|alive|make it|be around|tomorrow|not|will not|wont|anything)",
    ),
    f(
        CannotStaySafe,
        U,
        X,
        true,
        r"(?:safety plan|coping skills|crisis plan) (?:\w+ ){0,3}(?:not working|is not working|isnt working|stopped working|failed|useless|not helping|is not helping|do not work|doesnt work|does not work|out the window|nothing)",
    ),
    f(
        CannotStaySafe,
        U,
        X,
        true,
        r"(?:do not|can not|will not) (?:\w+ )?(?:think|know if) i (?:\w+ )?(?:make it|survive|last|get through) (?:\w+ ){0,3}(?:night|tonight|weekend|week|morning|till|until|another day|this time)",
    ),
    f(
        CannotStaySafe,
        U,
        X,
        true,
        r"(?:can not|could not|losing|lost|no) (?:\w+ )?(?:control|fight|resist|hold) (?:\w+ ){0,3}(?:urges|urge|impulses|impulse|myself|it|thoughts|anymore|any longer|much longer|tonight)",
    ),
    f(
        CannotStaySafe,
        U,
        X,
        true,
        r"(?:need|please|someone|somebody) (?:\w+ ){0,3}(?:stop me|watch me|take the|hide the|come get me|call someone|help me now|help me tonight|help right now|emergency|keep me safe)",
    ),
    f(
        CannotStaySafe,
        U,
        X,
        true,
        r"(?:urges|impulses|thoughts|voices|voice) (?:\w+ ){0,2}(?:too strong|so strong|winning|louder|getting worse|telling me to|taking over|unbearable)",
    ),
    f(
        CannotStaySafe,
        U,
        X,
        true,
        r"(?:not|do not feel|dont feel|never felt|do not) (?:\w+ )?safe (?:\w+ ){0,3}(?:tonight|right now|alone|at home alone|by myself|on my own|in my own head|in my head)",
    ),
    // Goodbye messages.
    f(
        Goodbye,
        U,
        X,
        true,
        r"(?:this is|saying|say|said|time to say|here is my|consider this|take this as|wanted to say|want to say|just saying|just wanted to say) (?:my |our |a )?(?:final |last |real |proper |official )?(?:goodbye|goodbyes|farewell)(?: (?:to )?(?:everyone|all|you|you all|guys|group|world|everybody|friends|all of you|forever|for good|for now|\.|and)|$)",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"(?:goodbye|farewell|bye) (?:\w+ ){0,2}(?:forever|for good|for ever|world|cruel world|for the last time|for real this time|everyone forever)",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"(?:will not|wont|never|not going to|no one will|nobody will|you will never|you will not) (?:\w+ ){0,2}(?:hear from me|see me|see my|read my|have to deal with me|be bothered by me|hear my) (?:\w+ ){0,2}(?:again|anymore|any more|after tonight|after this|after today|ever)",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"(?:my (?:last|final) (?:post|message|words|goodbye|text|note|update|entry|check in)|(?:this|it) is (?:my|the) last time (?:you|i|anyone|we))",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"(?:tell|please tell|let) (?:\w+ ){0,2}(?:mum|mom|mother|dad|father|family|kids|children|wife|husband|partner|sister|brother|daughter|son|parents|friends|girlfriend|boyfriend|grandma|nan) (?:\w+ ){0,3}(?:i love|that i love|i loved|it was not|it wasnt|its not|it is not|i am sorry|im sorry|i m sorry|not to blame|not their fault|not her fault|not his fault|i tried|i am not|goodbye)",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"(?:take care of|look after|feed|walk|someone please|please) (?:\w+ ){0,2}(?:my|the) (?:cat|dog|cats|dogs|pets|kids|babies|rabbit|bunny|hamster|fish|plants|children|parrot|bird) (?:\w+ ){0,4}(?:for me|when i|after i|goodbye|love|sorry|forever|please|i will not|i wont|i can not)",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"(?:sorry|forgive me|i apologise|i apologize) (?:\w+ ){0,3}(?:for everything|for what i am about to|for what i m about to|for what im about|for leaving|for doing this|for what i did|for what i have done|this is|for the pain|for what is coming|for hurting you all|to everyone|to leave)",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"(?:by the time|when) (?:you|anyone|someone|somebody) (?:\w+ ){0,2}(?:read|reads|see|sees|find|finds) (?:this|these|it|me)",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"(?:thank you|thanks|thankyou|ty) (?:\w+ ){0,3}(?:for everything|for trying|for all of it|for putting up with me|for being there|for the time|for caring|for being my|for the memories)(?: \w+){0,12} (?:goodbye|bye|farewell|last|sorry|love you all|love you|forever|anymore|any more|i am done|i m done|im done|i tried|it is time|its time|no more|for the last|have to go|going now|go now|it is over|its over|end|never)",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"(?:love you all|i love you all|love you guys|love yall|love u all|i love you guys|love to all|love you everyone)(?: \w+){0,6} (?:goodbye|bye|sorry|forever|last|farewell|tell|no more|never|take care|remember me|i tried|for everything)",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"(?:remember me|do not forget me|dont forget me|do not miss me|do not be sad|dont be sad|do not cry for me|please do not blame|do not blame yourself|it is not your fault|its not your fault|not anyones fault|nobodys fault|no ones fault)",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"(?:going|leaving|go) (?:\w+ ){0,2}(?:for good|forever|and not coming back|and never coming back|to a better place|somewhere better|to be with|home now)",
    ),
    f(
        Goodbye,
        U,
        S,
        true,
        r"(?:going|go|gone|off) to sleep (?:\w+ ){0,3}(?:not|never) (?:\w+ ){0,3}(?:wake up|waking up|coming back)",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"(?:passwords|password|pin|bank|insurance|will|savings|belongings) (?:\w+ ){0,6}(?:should go|goes to|go to|for my|are in|is in|in the|leave|left)(?: \w+){0,6} (?:goodbye|bye|after|when|sister|brother|mum|mom|dad|kids|daughter|son|wife|husband|partner|family|sorry)",
    ),
    // Harm to others.
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:{INTEND}|will|i will|i am going to|i m going to|gonna|going to|am|about to|could|would|should|swear i will|swear i ll|might|may|must|plan to|planning to|ready to|gunna|imma) (?:\w+ ){0,2}(?:{VIOLENCE}) (?:\w+ ){0,1}(?:{PERSON})",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:bring|bringing|take|taking|carry|carrying|brought|have|got|hide|hiding|put|sneak|sneaking|pack|packing|keep|keeping) (?:\w+ ){0,3}(?:{WEAPON}) (?:\w+ ){0,3}(?:to|into|in|at|for) (?:\w+ ){0,2}(?:work|school|college|uni|office|class|church|mosque|synagogue|meeting|party|court|house|his|her|their|place|flat|home|bag|locker|car|hearing|session|shop|store|mall|concert|game)",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:shoot|shooting|blow|blowing|burn|burning|stab|stabbing|smash|smashing|torch|torching) up (?:the |this |that |my |our |his |her |their )?(?:school|office|place|church|building|party|mall|class|work|store|shop|house|car|gym|club)",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:burn|burning|torch|torching|set fire to|setting fire to|blow up|blowing up|smash|trash|wreck|destroy) (?:\w+ ){0,1}(?:his|her|their|the|my (?:ex|boss|neighbour|neighbor|landlord)s?) (?:\w+ )?(?:house|flat|place|car|shop|office|apartment|home)(?: down| up| tonight| with)?",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:make|making|made) (?:\w+ ){0,2}(?:them|him|her|everyone|all of them|you|those people|that bastard|the lot of them) (?:\w+ ){0,2}(?:pay|suffer|bleed|regret|sorry|hurt)",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:know|found out|find out|found|have|got|looked up) (?:\w+ ){0,2}where (?:he|she|they|he s|she s|they re|that|my|the) (?:\w+ ){0,2}(?:lives|live|works|work|parks|sleeps|goes|gets off|drops|walks)",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:poison|spike|spiking|lace|lacing|put something in|put rat poison in|drug|drugging) (?:\w+ ){0,2}(?:his|her|their|the|my (?:\w+ ))?(?:\w+ )?(?:drink|food|coffee|tea|dinner|lunch|meal|water|wine|beer|medicine|soup)",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:run|running|ram|ramming|drive|driving|mow|mowing) (?:\w+ ){0,1}(?:him|her|them|that guy|that woman|my ex|the|people|everyone|someone|those) (?:\w+ ){0,2}(?:over|down|off the road|into)",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:someone|somebody|people|he|she|they|everyone|everybody|you all|you lot|all of them|one of them|my boss|my ex|the kids|my family) (?:\w+ ){0,2}(?:will|gonna|going to|are going to|is going to) (?:\w+ ){0,2}(?:get hurt|gets hurt|get killed|be hurt|be killed|bleed|die|regret|pay|be sorry|be dead|get what|get shot|get stabbed|end up dead|end up hurt|end up in (?:the )?hospital|in a body bag|in pieces)",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:{WEAPON}) (?:\w+ ){0,4}(?:for|on|at|in) (?:him|her|them|my boss|my ex|my dad|my mum|my mom|that guy|those|everyone|the lot of them|people|his face|her face|their faces|his head|her head)",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:hit|hurt|kill|punch|stab|shoot|strangle|attack|beat|smash|bash|choke|slap|ram|run over|destroy|end) (?:\w+ ){0,2}(?:him|her|them|someone|somebody|my boss|my ex|my dad|my mum|my mom|my stepdad|my neighbour|my neighbor|my landlord|that guy|that woman|people) (?:\w+ ){0,3}(?:tonight|tomorrow|this weekend|when he|when she|when they|next time|if he|if she|if they|as soon as|the moment|once|on monday|on friday|at work|at school|after work|in the car park|with a|with my|with the)",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:all|every one|each one|every last one) of (?:them|you|those|these) (?:\w+ ){0,3}(?:dead|pay|bleed|die|will be sorry|going to be sorry|gonna be sorry|deserve)",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:hit list|kill list|list of people|people on my list|they deserve to die|he deserves to die|she deserves to die|deserves to die|deserve to die|deserves a bullet|deserve a bullet)",
    ),
    // Broader forms, each a concept rather than a phrase.
    f(
        Ideation,
        U,
        S,
        false,
        r"(?:thought|thoughts|thinking|think|imagining|imagine|picturing|visualising|visualizing|considering|obsessing|fantasizing|dreaming) (?:\w+ ){0,2}(?:of |about )?(?:my own (?:suicide|death|funeral)|stepping (?:off|in front|into)|jumping (?:off|in front|from)|driving (?:off|into)|walking into|throwing myself|letting go|not waking up|ending (?:it|things|my life|it all)|the (?:final exit|easy way out)|the bridge|the bridges|yeeting myself|unaliving|dying|death|overdosing|hanging myself|how to (?:do it|die|end it))",
    ),
    f(
        Ideation,
        U,
        S,
        false,
        r"(?:suicide|dying|death|the final exit|final exit|the easy way out|easy way out|checking out early|ending it|ending it all|unaliving|not existing|the bridge|sewerslide) (?:is|s|are|keeps|has been|feels|seems|looks|sounds)? ?(?:\w+ ){0,2}(?:looking|sounding|feeling|seeming|starting to (?:look|sound|feel)) (?:\w+ ){0,2}(?:good|better|tempting|nice|appealing|attractive|like an option|like a real option|like the answer|like a plan|peaceful|real)",
    ),
    f(
        Ideation,
        U,
        S,
        true,
        r"i am (?:ending it|ending things|ending my life|ending it all|killing myself|checking out|doing it|going through with it)",
    ),
    f(Ideation, U, S, true, r"(?:going|go|went) through with it"),
    f(
        Ideation,
        U,
        X,
        true,
        r"(?:my|the) kys (?:voice|thoughts|urges|brain|urge)",
    ),
    f(
        Ideation,
        U,
        S,
        true,
        r"(?:sewerslide|selfdelete|unalive myself|uninstall myself|game end myself|yeet myself|yeeting myself) (?:\w+ ){0,3}(?:is|this|tonight|week|rn|right now|now|fr|for real|looking|era)",
    ),
    f(
        Ideation,
        U,
        S,
        false,
        r"(?:suicide|suicidal) (?:\w+ )?(?:thoughts|thinking|urges|ideation|feelings|mood|mode|brain|again|today|tonight|all the time|every day|is all)",
    ),
    f(
        Ideation,
        U,
        X,
        true,
        r"(?:stop|end) (?:my|this) (?:life|existence)",
    ),
    f(
        PassiveWish,
        E,
        S,
        true,
        r"(?:wish|wishing|hope|hoping|pray|praying) (?:\w+ ){0,5}(?:not recover|slip away|slipped away|blink out|fade out|fade away|skip (?:\w+ ){0,2}everything|not have to come back|clip me|run me over|gives out|give out|fell on me|fall on me|pause on life|off switch|never wake|not be here|not be|not exist|disappear|be gone|be over|end)",
    ),
    f(
        PassiveWish,
        E,
        S,
        true,
        r"(?:tired|sick|exhausted) of (?:being (?:a person|human|me|alive|here)|existing|living|life|waking up|trying)",
    ),
    f(
        PassiveWish,
        E,
        S,
        true,
        r"(?:what is|whats|what s|what) the point (?:of|in) (?:\w+ )?(?:being alive|living|life|existing|going on|being here|anything|it all|waking up|carrying on|trying)",
    ),
    f(
        PassiveWish,
        E,
        S,
        true,
        r"(?:want|crave|craving|wish for|long for|need|wanting) (?:\w+ )?(?:oblivion|nothingness|the void|eternal sleep|permanent sleep|to be nothing|be nothing)",
    ),
    f(
        PassiveWish,
        E,
        S,
        true,
        r"(?:why|how) do i (?:have to|need to|keep|still) (?:\w+ )?(?:exist|existing|living|live|be alive|wake up|waking up|go on)",
    ),
    f(
        PassiveWish,
        E,
        X,
        true,
        r"(?:okay|ok|fine|happy|relieved|glad|alright) if i (?:\w+ )?(?:did not wake up|died|never woke up|did not make it|was gone|just died|stopped existing|do not wake up|never wake up)",
    ),
    f(
        PassiveWish,
        E,
        X,
        true,
        r"(?:would not|wouldnt|would not really|do not|dont) (?:mind|care) if (?:\w+ ){0,5}(?:on me|hit me|hits me|killed me|kills me|took me|happened to me|i died|i did not wake up|i never woke up|i was gone|i stopped)",
    ),
    f(
        PassiveWish,
        E,
        S,
        true,
        r"(?:envy|jealous of|jealous) (?:\w+ ){0,2}(?:the dead|dead people|who have died|who ve died|who died|who are dead|people who passed)",
    ),
    f(
        PassiveWish,
        E,
        S,
        true,
        r"(?:want|need|wish|ready|long|longing) (?:\w+ ){0,4}(?:be with|join|see) (?:\w+ ){0,3}(?:again|in heaven|up there|on the other side)",
    ),
    f(
        PassiveWish,
        E,
        X,
        true,
        r"i would (?:happily|gladly|rather) (?:not exist|not be here|not wake up|be dead|be gone|stop existing)",
    ),
    f(
        PassiveWish,
        E,
        S,
        true,
        r"(?:wish|want|wanted) (?:\w+ ){0,3}(?:never woke|not woken|not wake|never wake|not to wake)",
    ),
    f(
        Conditional,
        E,
        X,
        true,
        r"(?:nobody|no one|noone|not a soul|none of them|not one person) (?:\w+ ){0,2}(?:would|will|even|ever|really|actually|will even|would even|would really)? ?(?:\w+ )?(?:miss me|notice i|notice if|notice when|care if i|care when i|care that i|notice (?:\w+ ){0,2}(?:gone|missing|dead)|come to my funeral|mourn me|cry for me)",
    ),
    f(
        Conditional,
        E,
        X,
        true,
        r"if i (?:just )?(?:died|disappeared|was gone|were gone|was dead|were dead|killed myself|did not wake up|stopped existing|was not here|were not here|vanished|ended it)",
    ),
    f(
        Conditional,
        E,
        S,
        true,
        r"(?:dead weight|burdon|burden|a drain|dragging everyone down|holding everyone back|ruining everyone s life|ruin everyone s life)",
    ),
    f(
        Conditional,
        E,
        X,
        true,
        r"(?:minus me|without me in it|without me around|without me here|if i was not around|if i were not around|if i was not here|if i just was not here|if i just wasnt here|if i was gon|if i was gone|if i were gone|if i just was not)",
    ),
    f(
        Conditional,
        E,
        X,
        true,
        r"(?:my|at my|to my|plan my|planning my) funeral",
    ),
    f(
        Conditional,
        E,
        X,
        true,
        r"(?:would|will|does|did) (?:it|anyone|anybody) (?:\w+ ){0,2}(?:matter|care|notice) if i (?:\w+ ){0,2}(?:stopped|died|disappeared|was gone|were gone|vanished|did not)",
    ),
    f(
        PlanIntent,
        U,
        X,
        true,
        r"(?:made|have made|make) my peace(?: with it| with everything| with dying| with my decision| \.|$)",
    ),
    f(
        PlanIntent,
        U,
        X,
        true,
        r"i (?:will|ll|am going to|m going to) be gone (?:\w+ ){0,2}(?:before|by|tomorrow|tonight|soon|when|this|on)",
    ),
    f(
        PlanIntent,
        U,
        X,
        true,
        r"(?:it is|its|it s|this is) (?:\w+ )?happening (?:\w+ )?(?:this week|tonight|tomorrow|today|soon|this weekend|now)",
    ),
    f(
        PlanIntent,
        U,
        S,
        true,
        r"@(?:it is all|its all|it s all|everything is|everythings|everything s|all) (?:\w+ ){0,2}(?:planned|set|ready|sorted|arranged|in place|organised|organized)",
    ),
    f(
        PlanIntent,
        U,
        S,
        true,
        r"@(?:chosen|picked|found|settled on|have|got|set|decided on) (?:\w+ ){0,2}(?:the |a )?(?:spot|date|place|day|time|method|bridge|tree|way|night)",
    ),
    f(
        PlanIntent,
        U,
        S,
        true,
        r"@(?:already |i )?know (?:exactly )?(?:how|where|when) (?:i will|ill|i am going to|i ll|to do it|i d do it|i would do it|it is done|its done)",
    ),
    f(
        PlanIntent,
        U,
        X,
        true,
        r"@(?:made|have made|make|the) (?:up )?(?:my |the )?(?:decision|mind)(?: s| has| is)?(?: been)?(?: made)?(?: \.|$| up)",
    ),
    f(
        PlanIntent,
        U,
        X,
        true,
        r"@(?:before|after|when|until|once|as soon as) i (?:finally )?(?:do it|go through with it|die|end it|kill myself|am gone|m gone|am dead|go for good)",
    ),
    f(
        PlanIntent,
        U,
        X,
        true,
        r"@(?:will not|wont|not going to|never) (?:\w+ )?need (?:them|it|this|these|anything|my \w+) (?:\w+ ){0,2}(?:where i am going|anymore|after|soon|much longer)",
    ),
    f(
        PlanIntent,
        U,
        X,
        true,
        r"(?:where i am going|where i m going)(?: \w+){0,3} (?:need|take|bring|can not)",
    ),
    f(
        PlanIntent,
        U,
        X,
        true,
        r"(?:if|when|once) (?:\w+ ){1,6}i am (?:ending it|done|going to end it|going to do it|killing myself|gone)",
    ),
    f(
        MeansPreparation,
        U,
        S,
        true,
        r"(?:{PILLS}) (?:\w+ ){0,8}(?:save|saving|saved|stockpile|stockpiling|hoard|hoarding|collect|collecting|stash|stashing) (?:them|it|up|the rest)",
    ),
    f(
        MeansPreparation,
        U,
        S,
        true,
        r"(?:{PILLS}|rope|noose|gun|pistol|knife|blade|razor|belt) (?:\w+ ){0,4}(?:in my hand|in my hands|in front of me|on the table|on my desk|in my pocket|next to me|beside me|lined up|counted out|on my lap)",
    ),
    f(
        MeansPreparation,
        U,
        S,
        true,
        r"@(?:took|taken|stole|stolen|got|bought|buying|have|hid|hidden|picked up|holding|loaded|ordered|getting|cleaned|cleaning|loading) (?:\w+ ){0,4}(?:gun|handgun|pistol|revolver|rifle|shotgun|firearm)",
    ),
    f(
        MeansPreparation,
        U,
        S,
        true,
        r"@(?:written|wrote|writing|finished|left|posted|drafted|typed) (?:\w+ ){0,2}(?:my |the |a )?(?:note|letters|letter|cards|goodbyes)",
    ),
    f(
        MeansPreparation,
        U,
        S,
        true,
        r"(?:my|the) note (?:is|s) (?:\w+ ){0,3}(?:written|on|in|under|ready|done|finished)",
    ),
    f(
        MeansPreparation,
        U,
        S,
        true,
        r"(?:plastic bag|exit bag|helium|charcoal|hose|tubing) (?:\w+ ){0,6}(?:drawer|ready|know how|tonight|car|room|bought|ordered)",
    ),
    f(
        MeansPreparation,
        U,
        X,
        true,
        r"(?:tied|tie|tying) (?:\w+ ){0,3}(?:to|around|from) (?:the |a |my )?(?:beam|banister|rafter|rafters|hook|ceiling|tree|railing|door frame|loft hatch|pipe)",
    ),
    f(
        MeansPreparation,
        U,
        X,
        true,
        r"@(?:practice run|practised|practiced|test run|tested it|trial run|rehearsed)",
    ),
    f(
        MeansPreparation,
        U,
        S,
        true,
        r"(?:looked up|looking up|researched|researching|googled|googling|checked|checking|found) (?:\w+ ){0,3}(?:which|how high|how tall|how deep|least cctv|the height|when it is empty|what time it is empty|lethal dose)",
    ),
    f(
        MeansPreparation,
        U,
        X,
        true,
        r"(?:whoever|who ever|the person who|the people who|whoever it is that|who) (?:will )?(?:finds|find|found|discovers|discover) me",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"(?:said|saying|say) (?:\w+ ){0,2}goodbyes",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"@(?:take care of|look after) (?:each other|yourselves|urselves|yourself|everyone|one another)",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"(?:will not|wont|not going to) be (?:waking up|coming back|comin back|back|around (?:\w+ )?(?:anymore|at all|for much longer|much longer)|here (?:\w+ )?(?:anymore|much longer|tomorrow))",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"(?:will not|wont|not going to) be (?:at|in) (?:\w+ ){0,3}(?:or any|ever again|any (?:\w+ ){0,2}after|anymore|again)",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"(?:this is|it is|its|it s) the end (?:for me|of me|of the road|of my road)",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"(?:it was|its been|it has been|was) (?:\w+ )?(?:nice|good|lovely|an honour|a pleasure) knowing (?:you|all|everyone|you all|all of you|yall)",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"(?:when|once|after) (?:\w+ ){1,2}(?:read|reads|find|finds|see|sees|gets) (?:this|my message|my post)",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"@(?:it will|it ll|itll|it would) (?:\w+ )?be (?:over|done|finished)",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"@(?:look after|take care of|feed|walk) (?:\w+ ){1,3}for me",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"(?:my last wish|my final wish|my dying wish|last request)",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"(?:say|said|saying|to say) (?:thank you|thanks|goodbye|bye|sorry) (?:\w+ ){0,3}before i (?:go|leave|die|do it)",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"@(?:i am going now|i m going now|going now|i have to go now|time for me to go|my time to go|time to go now)",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"(?:do not|dont|nobody|no one) (?:\w+ )?(?:feel guilty|blame yourselves|blame yourself|blame anyone|feel bad|be sad)",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"(?:this was|this is) my (?:choice|decision)",
    ),
    f(
        InProgress,
        U,
        X,
        true,
        r"(?:standing|stood|sitting|sat|lying|i am|here|up|climbed|climbing|hanging onto|holding onto|on top of|on the edge of|at the edge of|on|at) (?:\w+ ){0,4}(?:{HEIGHT}|train tracks|tracks|railing|barrier|quarry|top floor|multistorey|multi storey)(?: \w+){0,8} (?:now|right now|looking down|can hear|coming|this is it|nobody knows|no one knows|windy|slipping|one hand|about to|drop|down there|below|underneath|goodbye|jump|climbed over|water)",
    ),
    f(
        InProgress,
        U,
        X,
        true,
        r"(?:climbed|climbing|gone|went|stepped|stepping) over (?:the |a )?(?:barrier|railing|railings|fence|balcony|edge|wall)",
    ),
    f(
        InProgress,
        U,
        X,
        true,
        r"(?:exhaust|hose|charcoal|fumes|carbon monoxide) (?:\w+ ){0,4}(?:piped|in the window|lit|running|in here|foggy|taped|smell|on)",
    ),
    f(
        InProgress,
        U,
        X,
        true,
        r"(?:drank|swallowed|drinking|downed|drunk|ingested) (?:\w+ ){0,2}(?:bleach|antifreeze|poison|weedkiller|rat poison|paraquat|pesticide)",
    ),
    f(
        InProgress,
        U,
        X,
        true,
        r"(?:took|tooks|taken|swallowed|downed|necked) (?:\w+ ){0,3}(?:{PILLS}) (?:\w+ ){0,2}(?:all|every|the lot|too many|on purpose)",
    ),
    f(
        InProgress,
        U,
        X,
        true,
        r"(?:took|taken|swallowed|cut|burned|burnt|hurt|hit|punched|banged|slammed|did it|drank|scratched|overdosed|od|done it) (?:\w+ ){0,6}(?:on purpose|deliberately|intentionally)",
    ),
    f(
        InProgress,
        U,
        X,
        true,
        r"(?:pills|tablets|meds|they|what i took|the stuff) (?:are|is|have|has|s|re) (?:\w+ )?(?:kicking in|taking effect|hitting me)",
    ),
    f(
        InProgress,
        U,
        X,
        true,
        r"@(?:i (?:\w+ )?did it (?:this time|for real|finally)|no going back now|no turning back now|no going back)",
    ),
    f(
        InProgress,
        U,
        X,
        true,
        r"(?:bleeding|blood) (?:thru|through) (?:the |my )?(?:towel|bandage|bandages|clothes|sleeve)",
    ),
    f(
        SelfHarm,
        U,
        X,
        true,
        r"(?:slit|slitting|slice|slicing|cut|cutting|open|opening) (?:my|both my|open my) (?:wrists|wrist|throat|veins|arms)",
    ),
    f(
        SelfHarm,
        U,
        X,
        true,
        r"(?:till|until|til) (?:\w+ ){0,2}(?:bleed|bled|bleeds|bleeding|bruised|broke|split|burned|blistered)",
    ),
    f(
        SelfHarm,
        U,
        X,
        true,
        r"(?:wanted|want|need|needed|wanting) (?:it|myself) to (?:hurt|bleed|sting)",
    ),
    f(
        SelfHarm,
        U,
        X,
        true,
        r"(?:reopened|opened up|re opened|picked open|scratched open|tore open) (?:\w+ ){0,3}(?:scars|cuts|wounds|scabs)",
    ),
    f(
        SelfHarm,
        U,
        S,
        true,
        r"(?:cut|cuts|cutting|selfharm|burned|burnt|burning|relapsed) (?:again|deeper|tonight|last night|this morning|today|instead)",
    ),
    f(
        SelfHarm,
        U,
        X,
        true,
        r"(?:stop|stopping|stopped) (?:me )?(?:from )?(?:cutting|selfharm|burning myself|hurting myself)",
    ),
    f(
        SelfHarm,
        U,
        S,
        true,
        r"(?:relapsed|relapse) (?:on|with|into) (?:cutting|selfharm|burning|blades|the blade|razors)",
    ),
    f(
        SelfHarm,
        U,
        S,
        true,
        r"(?:thinking about|think about|keep thinking about|staring at|grabbed|picked up|holding|used|get out|got out|hidden) (?:\w+ ){0,2}(?:the |my |a )?(?:blade|blades|razor|razors|scissors|box cutter|sharpener)",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:{INTEND}|will|i will|am going|going|gonna|coming back|come back|be waiting|waiting|wait) (?:\w+ ){0,6}(?:with|carrying|bringing) (?:a |the |my |his |her |their |\w+s )?(?:\w+ )?(?:{WEAPON})",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:{VIOLENCE}) (?:\w+ ){0,4}with (?:a |the |my |his |her )?(?:\w+ )?(?:{WEAPON})",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:{INTEND}|will|i will|am going to|gonna|going to|swear i will|ill|i ll) (?:\w+ ){0,4}(?:{VIOLENCE}) (?:\w+ ){0,2}(?:{PERSON})",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:slit|cut|slash|stab|shoot|strangle|choke|bash|smash|cave) (?:his|her|their|your) (?:throat|face|head|neck|skull|chest)",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:kill|murder|stab|shoot|strangle|poison) (?:{PERSON})",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:list|names) (?:\w+ ){0,6}(?:going to pay|will pay|are going to pay|deserve it|deserve to die|die|dead|starting with)",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:watching|know|learned|memorised|memorized|studied|tracking) (?:\w+ ){0,2}(?:his|her|their|my \w+s|the) (?:\w+ )?(?:routine|schedule|movements|shifts|gym schedule)",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:where|which room|what time|when) (?:he|she|they|my \w+) (?:\w+ ){0,2}(?:lives|sleeps|parks|works|goes|gets home|leaves)",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:crushed|crushing|spiked|spiking|lacing|laced) (?:up )?(?:\w+ ){0,3}(?:{PILLS}|drink|tea|coffee|food)",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:shoot|blow|burn) up (?:my|the|our|that) (?:old )?(?:school|office|workplace|church|college|uni|club|work|mall|concert|station|mosque|synagogue|temple|party|supermarket)",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:{PERSON}|those|they|he|she) (?:\w+ ){0,2}(?:are|is|will|s|re) (?:going to|gonna) (?:get|have|be) (?:\w+ ){0,2}(?:thrown|hurt|killed|shot|stabbed|burned|acid)",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:practising|practicing|practice|training) (?:\w+ ){0,4}(?:shooting|range|aim) (?:\w+ ){0,6}(?:go after|get them|get him|get her|for when|people who)",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:gun|knife|petrol|gasoline|bat|hammer|machete|axe|acid) (?:\w+ ){0,4}(?:under my|in my|is ready|ready for|for him|for her|for them|loaded|sharpened)",
    ),
    f(
        Ideation,
        U,
        S,
        true,
        r"(?:going to|gonna|want to|about to|will|ready to|plan to|planning to|decided to|need to) suicide(?: \.| ,|$| this| tonight| tomorrow| today| soon| now| for real| right now)",
    ),
    f(
        InProgress,
        U,
        X,
        true,
        r"(?:garage|closed garage|locked garage) (?:\w+ ){0,4}(?:engine|motor|car) (?:is |s )?(?:running|on)",
    ),
    f(
        CannotStaySafe,
        U,
        X,
        true,
        r"(?:i am |still |feeling |feel )?not safe(?: \.| ,)? (?:help|please|someone|anymore|right now|i am not ok|i am not okay)",
    ),
    f(
        CannotStaySafe,
        U,
        X,
        true,
        r"(?:will|going to|might|gonna|about to|scared i will|afraid i will|swear i will|i will) do (?:something|somthing) (?:stupid|drastic|bad|i will regret|dangerous|permanent)",
    ),
    f(
        CannotStaySafe,
        U,
        X,
        true,
        r"(?:do not|dont) know what i (?:am going to|will|might|m going to) do(?: \.| ,|$| if| tonight| anymore| to myself| now| right now)",
    ),
    f(
        CannotStaySafe,
        U,
        X,
        true,
        r"(?:not sure|do not know|dont know|no idea|unsure) (?:if |whether )?i (?:will|would|can|am going to) (?:still )?(?:be alive|be here|make it|wake up|survive|last|stop myself|let myself|keep myself|keep going)",
    ),
    f(
        CannotStaySafe,
        U,
        X,
        true,
        r"(?:can not|could not|do not know if i can|not able to) (?:\w+ )?stop myself(?: \.| ,|$| this time| tonight| anymore| much longer)",
    ),
    f(
        CannotStaySafe,
        U,
        X,
        true,
        r"(?:can not|could not) be trusted (?:with|alone|on my own)",
    ),
    f(
        SelfHarm,
        U,
        X,
        true,
        r"(?:and|then|so i|i just|just) (?:\w+ )?(?:cut|burned|burnt|cut again)(?: \.| ,|$| again| deep| deeper| tonight| myself)",
    ),
    f(
        SelfHarm,
        U,
        X,
        true,
        r"(?:scratched|cut|picked|tore|dug) (?:through|open|into) (?:\w+ ){0,2}(?:scars|cuts|wounds|skin)",
    ),
    f(
        SelfHarm,
        U,
        X,
        true,
        r"(?:scars|cuts|wounds) (?:\w+ ){0,5}(?:reopened|opened up|open again|opened them)",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"last time (?:you|anyone|u|you all|any of you) (?:\w+ ){0,2}(?:hear|see|read) (?:from )?me",
    ),
    f(
        PlanIntent,
        U,
        X,
        true,
        r"@(?:going to|will|gonna|am going to|i will) do it (?:\w+ ){0,3}(?:tonight|tomorrow|after|before|when|this weekend|on|soon|today|this time)",
    ),
    f(
        ThreatToOthers,
        U,
        O,
        true,
        r"(?:{PERSON}|he|she|they) (?:is|are|s|will be) (?:so )?dead (?:tonight|tomorrow|when|if|once|after|meat)",
    ),
    f(
        SelfHarm,
        U,
        X,
        true,
        r"@(?:started|starting|doing it|done it|did it|at it) again(?: \.| ,|$| tonight| today| last night| this morning| and)",
    ),
    f(
        SelfHarm,
        U,
        X,
        true,
        r"(?:used|using|use|grabbed|got out|picked up) (?:the |a |my )?(?:razor|blade|blades|glass|scissors|lighter|compass|sharpener)(?: \.| ,|$| again| tonight| on)",
    ),
    f(
        Goodbye,
        U,
        X,
        true,
        r"(?:i am|i m) (?:\w+ )?going now(?: \.|$| ,| bye| goodbye| love| sorry)",
    ),
    f(
        PlanIntent,
        U,
        X,
        true,
        r"(?:will not|wont|not going to) need (?:them|it|this|these|anything) where i am going",
    ),
];

/// Slang, texting spellings and contractions, to canonical words.
const REWRITES: &[(&str, &str)] = &[
    ("im", "i am"),
    ("ive", "i have"),
    ("id", "i would"),
    ("youre", "you are"),
    ("hes", "he is"),
    ("shes", "she is"),
    ("theyre", "they are"),
    ("dont", "do not"),
    ("doesnt", "does not"),
    ("didnt", "did not"),
    ("cant", "can not"),
    ("cannot", "can not"),
    ("wont", "will not"),
    ("wouldnt", "would not"),
    ("couldnt", "could not"),
    ("shouldnt", "should not"),
    ("isnt", "is not"),
    ("arent", "are not"),
    ("wasnt", "was not"),
    ("werent", "were not"),
    ("havent", "have not"),
    ("hasnt", "has not"),
    ("hadnt", "had not"),
    ("aint", "am not"),
    ("idont", "i do not"),
    ("icant", "i can not"),
    ("iwant", "i want"),
    ("wanna", "want to"),
    ("wana", "want to"),
    ("gonna", "going to"),
    ("gona", "going to"),
    ("gunna", "going to"),
    ("gotta", "got to"),
    ("imma", "i am going to"),
    ("ima", "i am going to"),
    ("finna", "going to"),
    ("tryna", "trying to"),
    ("u", "you"),
    ("ur", "your"),
    ("r", "are"),
    ("ya", "you"),
    ("yall", "you all"),
    ("rn", "right now"),
    ("atm", "right now"),
    ("tn", "tonight"),
    ("tonite", "tonight"),
    ("tonigt", "tonight"),
    ("tonihgt", "tonight"),
    ("2nite", "tonight"),
    ("2night", "tonight"),
    ("tmrw", "tomorrow"),
    ("tmr", "tomorrow"),
    ("tmw", "tomorrow"),
    ("tomoz", "tomorrow"),
    ("2moro", "tomorrow"),
    ("2morrow", "tomorrow"),
    ("tomorow", "tomorrow"),
    ("tommorow", "tomorrow"),
    ("tommorrow", "tomorrow"),
    ("2day", "today"),
    ("idk", "i do not know"),
    ("ik", "i know"),
    ("idc", "i do not care"),
    ("ppl", "people"),
    ("ppls", "people"),
    ("sb", "somebody"),
    ("smth", "something"),
    ("sth", "something"),
    ("bc", "because"),
    ("cuz", "because"),
    ("coz", "because"),
    ("bcs", "because"),
    ("tho", "though"),
    ("fr", "for real"),
    ("ngl", "honestly"),
    ("tbh", "honestly"),
    ("tbf", "honestly"),
    ("lmao", "lol"),
    ("lmfao", "lol"),
    ("rofl", "lol"),
    ("haha", "lol"),
    ("hahaha", "lol"),
    ("lolol", "lol"),
    ("xd", "lol"),
    ("jk", "joking"),
    ("jking", "joking"),
    ("ded", "dead"),
    ("dieing", "dying"),
    ("lyf", "life"),
    ("pils", "pills"),
    ("skool", "school"),
    ("sumone", "someone"),
    ("sum1", "someone"),
    ("some1", "someone"),
    ("every1", "everyone"),
    ("evry1", "everyone"),
    ("no1", "no one"),
    ("noone", "no one"),
    ("any1", "anyone"),
    ("kno", "know"),
    ("knw", "know"),
    ("wnat", "want"),
    ("wamt", "want"),
    ("wnt", "want"),
    ("wan", "want"),
    ("whant", "want"),
    ("myslef", "myself"),
    ("myelf", "myself"),
    ("mysefl", "myself"),
    ("myseld", "myself"),
    ("mysel", "myself"),
    ("mself", "myself"),
    ("myslf", "myself"),
    ("mysef", "myself"),
    ("meself", "myself"),
    ("kil", "kill"),
    ("kll", "kill"),
    ("kiil", "kill"),
    ("sucide", "suicide"),
    ("suicde", "suicide"),
    ("suiside", "suicide"),
    ("suicid", "suicide"),
    ("sucicide", "suicide"),
    ("suacide", "suicide"),
    ("suecide", "suicide"),
    ("suiscide", "suicide"),
    ("suside", "suicide"),
    ("suicidee", "suicide"),
    ("sewerslide", "suicide"),
    ("sewerside", "suicide"),
    ("suey", "suicide"),
    ("sui", "suicide"),
    ("sucidal", "suicidal"),
    ("suicdal", "suicidal"),
    ("suisidal", "suicidal"),
    ("suicidle", "suicidal"),
    ("sucidial", "suicidal"),
    ("suicidial", "suicidal"),
    ("suicial", "suicidal"),
    ("suicidel", "suicidal"),
    ("sucidle", "suicidal"),
    ("overdoes", "overdose"),
    ("overdos", "overdose"),
    ("overdosed", "overdose"),
    ("oding", "overdosing"),
    ("unalive", "unalive"),
    ("unalived", "unalive"),
    ("unaliving", "unaliving"),
    ("selfharm", "selfharm"),
    ("selfharming", "selfharm"),
    ("sh", "selfharm"),
    ("selfdelete", "selfdelete"),
    ("anymor", "anymore"),
    ("anymoree", "anymore"),
    ("tierd", "tired"),
    ("alredy", "already"),
    ("allready", "already"),
    ("pilss", "pills"),
    ("tabs", "tablets"),
    ("goodbyee", "goodbye"),
    ("gudbye", "goodbye"),
    ("goodby", "goodbye"),
    ("byee", "bye"),
    ("everyon", "everyone"),
    ("evryone", "everyone"),
    ("evryday", "every day"),
    ("wanted", "wanted"),
    ("dissapear", "disappear"),
    ("disapear", "disappear"),
    ("dissappear", "disappear"),
    ("existin", "existing"),
    ("livin", "living"),
    ("nothin", "nothing"),
    ("somethin", "something"),
    ("feelin", "feeling"),
    ("thinkin", "thinking"),
    ("tryin", "trying"),
    ("goin", "going"),
    ("cuttin", "cutting"),
    ("killin", "killing"),
    ("dyin", "dying"),
    ("kms", "kms"),
    ("kys", "kys"),
    ("ctb", "ctb"),
    ("iam", "i am"),
    ("i", "i"),
    ("m", "am"),
    ("lyfe", "life"),
    ("slep", "sleep"),
    ("forevr", "forever"),
    ("foreva", "forever"),
    ("nevr", "never"),
    ("neva", "never"),
    ("coud", "could"),
    ("cud", "could"),
    ("wud", "would"),
    ("hapier", "happier"),
    ("burdon", "burden"),
    ("poimt", "point"),
    ("rite", "right"),
    ("agian", "again"),
    ("agan", "again"),
    ("thinkng", "thinking"),
    ("thiking", "thinking"),
    ("abot", "about"),
    ("abt", "about"),
    ("bout", "about"),
    ("rists", "wrists"),
    ("rist", "wrist"),
    ("frm", "from"),
    ("pls", "please"),
    ("plz", "please"),
    ("somthing", "something"),
    ("smthing", "something"),
    ("alot", "a lot"),
    ("yr", "year"),
    ("wen", "when"),
    ("dnt", "do not"),
    ("cnt", "can not"),
    ("wat", "what"),
    ("wut", "what"),
    ("everythin", "everything"),
    ("comin", "coming"),
    ("cuting", "cutting"),
    ("colecting", "collecting"),
    ("prescripton", "prescription"),
    ("enugh", "enough"),
    ("finaly", "finally"),
    ("shd", "selfharm"),
    ("sewerslided", "suicide"),
    ("unal1ve", "unalive"),
    ("famly", "family"),
    ("evry", "every"),
    ("wurse", "worse"),
    ("nobodys", "nobodys"),
    ("4ever", "forever"),
    ("tak", "take"),
    ("enuf", "enough"),
    ("agen", "again"),
    ("morfine", "morphine"),
    ("relapsd", "relapsed"),
    ("4eva", "forever"),
    ("l8r", "later"),
    ("b4", "before"),
];

/// Two raw words that are one canonical word.
const BIGRAMS: &[(&str, &str, &str)] = &[
    ("self", "harm", "selfharm"),
    ("self", "harming", "selfharm"),
    ("self", "harmed", "selfharm"),
    ("self", "injury", "selfharm"),
    ("self", "injure", "selfharm"),
    ("self", "injuring", "selfharm"),
    ("self", "mutilation", "selfharm"),
    ("self", "delete", "selfdelete"),
    ("self", "deleting", "selfdelete"),
    ("sewer", "slide", "suicide"),
    ("s", "h", "selfharm"),
    ("s", "i", "suicidal"),
    ("sewer", "side", "suicide"),
    ("s", "word", "suicide"),
    ("un", "alive", "unalive"),
    ("my", "self", "myself"),
];

/// Words an asterisk may censor.
const CENSORED: &[&str] = &[
    "suicide", "suicidal", "kill", "killing", "die", "dead", "death", "self", "harm", "myself",
    "overdose", "cutting", "cut", "selfharm",
];

/// Long words worth correcting by one typo.
const FUZZY: &[&str] = &[
    "suicide",
    "suicidal",
    "myself",
    "overdose",
    "overdosing",
    "anymore",
    "tonight",
    "goodbye",
    "disappear",
    "existing",
    "everyone",
    "tomorrow",
    "thinking",
    "cutting",
    "forever",
    "thoughts",
    "yourself",
    "everything",
    "somebody",
];

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
        for spec in FRAMES {
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
