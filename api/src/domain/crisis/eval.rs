//! Scores the detector on a labelled corpus (`level<TAB>category<TAB>text`).
use super::{Detector, Risk};
use std::collections::BTreeMap;

#[derive(Debug, Default, Clone)]
pub struct Counts {
    pub n: u32,
    /// Labelled as risk (URGENT or ELEVATED).
    pub positives: u32,
    /// Found at any level.
    pub found: u32,
    /// Risk labels found at any level.
    pub true_positives: u32,
    /// Labelled URGENT.
    pub urgent: u32,
    /// Labelled URGENT and found URGENT.
    pub urgent_found: u32,
    /// Found at exactly the labelled level.
    pub exact: u32,
}

impl Counts {
    pub fn recall(&self) -> f64 {
        ratio(self.true_positives, self.positives)
    }
    pub fn precision(&self) -> f64 {
        ratio(self.true_positives, self.found)
    }
    pub fn urgent_recall(&self) -> f64 {
        ratio(self.urgent_found, self.urgent)
    }
    /// Share of hard negatives found: false alarms.
    pub fn false_alarm_rate(&self) -> f64 {
        ratio(self.found - self.true_positives, self.n - self.positives)
    }
}

fn ratio(a: u32, b: u32) -> f64 {
    if b == 0 {
        1.0
    } else {
        f64::from(a) / f64::from(b)
    }
}

pub struct Report {
    pub total: Counts,
    pub by_category: BTreeMap<String, Counts>,
    /// (label, found, text) of every disagreement on risk vs none.
    pub errors: Vec<(String, Risk, String)>,
}

pub fn parse_level(s: &str) -> Option<Risk> {
    match s {
        "URGENT" => Some(Risk::Urgent),
        "ELEVATED" => Some(Risk::Elevated),
        "NONE" => Some(Risk::None),
        _ => None,
    }
}

pub fn score(detector: &Detector, corpus: &str) -> Report {
    let mut total = Counts::default();
    let mut by_category: BTreeMap<String, Counts> = BTreeMap::new();
    let mut errors = Vec::new();
    for line in corpus
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let mut parts = line.splitn(3, '\t');
        let (Some(level), Some(category), Some(text)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let Some(label) = parse_level(level) else {
            continue;
        };
        let got = detector.detect(text).risk;
        for c in [
            &mut total,
            by_category.entry(category.to_owned()).or_default(),
        ] {
            c.n += 1;
            c.positives += u32::from(label != Risk::None);
            c.found += u32::from(got != Risk::None);
            c.true_positives += u32::from(label != Risk::None && got != Risk::None);
            c.urgent += u32::from(label == Risk::Urgent);
            c.urgent_found += u32::from(label == Risk::Urgent && got == Risk::Urgent);
            c.exact += u32::from(label == got);
        }
        if (label == Risk::None) != (got == Risk::None) {
            errors.push((format!("{level} {category}"), got, text.to_owned()));
        }
    }
    Report {
        total,
        by_category,
        errors,
    }
}

/// The report as a Markdown table.
pub fn table(report: &Report) -> String {
    let mut out = String::from(
        "| category | n | found (recall or false alarms) | URGENT found as URGENT | exact level |\n|---|---|---|---|---|\n",
    );
    for (name, c) in &report.by_category {
        let found = if c.positives > 0 {
            format!("recall {:.2}", c.recall())
        } else {
            format!("false alarms {:.2}", c.false_alarm_rate())
        };
        let urgent = if c.urgent > 0 {
            format!("{:.2}", c.urgent_recall())
        } else {
            "–".to_owned()
        };
        out.push_str(&format!(
            "| {name} | {} | {found} | {urgent} | {:.2} |\n",
            c.n,
            ratio(c.exact, c.n)
        ));
    }
    let t = &report.total;
    out.push_str(&format!(
        "| **all** | {} | recall {:.3}, precision {:.3} | {:.3} | {:.2} |\n",
        t.n,
        t.recall(),
        t.precision(),
        t.urgent_recall(),
        ratio(t.exact, t.n)
    ));
    out
}
