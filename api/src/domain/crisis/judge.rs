//! Judging one match in its bounded window: negation, subject, fiction,
//! idiom, accident, the past and recovery.
use super::words::*;
use super::*;

impl Detector {
    pub(super) fn judge(
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
    pub(super) fn someone_else(
        &self,
        c: &normalize::Canon,
        sent_start: usize,
        s: usize,
        e: usize,
    ) -> bool {
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
