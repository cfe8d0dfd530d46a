//! The detector's floors on the labelled corpora, and two tools for
//! reading its decisions.
mod unit {
    use super::super::*;

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

mod probe {
    /// `CRISIS_PROBE=file cargo test -p api --lib crisis::tests::probe -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn probe() {
        let path = std::env::var("CRISIS_PROBE").unwrap_or_default();
        let text = std::fs::read_to_string(path).unwrap_or_default();
        for line in text.lines() {
            let c = super::super::normalize::canonical(line);
            let d = super::super::Detector::builtin();
            println!("{:?} | {}", d.detect(line), c.text);
            for i in d.matching(&c.text) {
                for m in d.frames[i].re.find_iter(&c.text) {
                    let post = super::super::Post {
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

mod urgent_misses {
    use super::super::*;

    /// `cargo test -p api --lib crisis::tests::urgent_misses -- --ignored --nocapture`:
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
