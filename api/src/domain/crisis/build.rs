//! Building the detector and the one pass over a post.
use super::words::*;
use super::*;
use regex::RegexSetBuilder;

impl Detector {
    /// The built-in lexicon plus deployment-specific frames.
    pub fn with_lexicon(extra: &ExtraLexicon) -> Result<Self, regex::Error> {
        let builtin: Vec<&lexicon::FrameSpec> = lexicon::frames()
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
    pub(super) fn matching(&self, text: &str) -> Vec<usize> {
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
}
