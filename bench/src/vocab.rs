//! Words for seeded posts, drawn with Zipf's law (the r-th most common word
//! is about 1/r as frequent as the first), as in real text: a few words in
//! most posts, most words in few. Forum-of-a-support-group vocabulary after
//! the most common English words.
use rand::Rng;
use std::sync::LazyLock;

const TEXT: &str = "the i and to a of it was my that in is me for but this have so not with be on just you feel like about what all at we do as can when or really been had had if out one how they no up get know time more some because think would there from today also am day week now much then still even back things other very going people by them work things make want good only need well our could made try help said something better year first night last tired family again being over sleep felt talk right never thought friend every little anxious long home most another thank sharing hard days group sometimes feeling morning since mind while around before same better bad body life next started find better mother father sister brother partner kids job boss anxiety panic attack attacks breathing exercise helped tuesday thursday session therapy therapist journal journaling evening calm angry sad proud steps progress setback kind gentle remember listen walk outside talked feelings hope small win wins grateful gratitude medication appointment doctor insomnia nightmare nightmares meditation mindfulness boundaries boundary triggered trigger triggers overwhelmed overwhelming lonely loneliness grief grieving loss anniversary holiday holidays birthday christmas weekend vacation weather rain sunshine garden cooking dinner breakfast lunch coffee tea running yoga swimming cycling hiking dog cat puppy kitten neighbour neighbours apartment moving house rent money bills budget debt paycheck interview promotion coworker colleague meeting deadline email school university exam exams homework teacher class grades relapse sober sobriety craving cravings drinking alcohol smoking quit quitting recovery sponsor meeting meetings step twelve patience forgiveness forgive resentment guilt shame worth confidence therapy homework worksheet reflection reframe reframing catastrophizing thought thoughts pattern patterns cycle habit habits routine routines schedule structure energy motivation procrastination focus attention concentration memory headache stomach appetite weight eating exercise gym stretching posture tension shoulders jaw chest heartbeat dizzy shaking sweating crying tears laughter smile hug hugs support supportive listening understood heard seen validated validation acceptance change changes changing growth healing healed safe safety trust trusting vulnerable vulnerability honest honesty open opening courage brave scared fear fears worried worry worries nervous uneasy restless irritable frustrated frustration disappointed hopeless hopeful optimistic peaceful relaxed content happy joy joyful excited relieved thankful appreciate appreciated encouragement encouraging reminder remind milestone anniversary month months year years yesterday tomorrow tonight afternoon lately recently finally slowly quickly suddenly gradually";

pub struct Zipf {
    words: Vec<&'static str>,
    cumulative: Vec<f64>,
}

pub static VOCAB: LazyLock<Zipf> = LazyLock::new(|| {
    let mut seen = std::collections::HashSet::new();
    let words: Vec<&str> = TEXT
        .split_whitespace()
        .filter(|w| seen.insert(*w))
        .collect();
    let mut total = 0.0;
    let cumulative = (1..=words.len())
        .map(|r| {
            total += 1.0 / r as f64;
            total
        })
        .collect();
    Zipf { words, cumulative }
});

impl Zipf {
    pub fn word(&self, rng: &mut impl Rng) -> &'static str {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let x = rng.random_range(0.0..total);
        let i = self.cumulative.partition_point(|&c| c < x);
        self.words[i.min(self.words.len() - 1)]
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// The word of rank `r` (0 = most common).
    pub fn rank(&self, r: usize) -> &'static str {
        self.words[r.min(self.words.len() - 1)]
    }
}

/// A sentence-cased post of `words` words, with a full stop every 6-14.
pub fn sentence(rng: &mut impl Rng, words: usize) -> String {
    let mut out = String::new();
    let mut left_in_sentence = 0usize;
    for i in 0..words {
        let w = VOCAB.word(rng);
        if left_in_sentence == 0 {
            if i > 0 {
                out.push_str(". ");
            }
            left_in_sentence = rng.random_range(6..15);
            let mut c = w.chars();
            if let Some(f) = c.next() {
                out.extend(f.to_uppercase());
                out.push_str(c.as_str());
            }
        } else {
            out.push(' ');
            out.push_str(w);
        }
        left_in_sentence -= 1;
    }
    out.push('.');
    out
}
