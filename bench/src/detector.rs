//! `bench detector`: the crisis detector's accuracy on the held-out corpus,
//! its throughput, and its worst case on hostile bodies.
//! `bench detector-train`: rebuilds the statistical layer's table.
use api::domain::crisis::{eval, model, Detector, ExtraLexicon, Risk};
use std::time::{Duration, Instant};

const DEV: &str = include_str!("../../tests/crisis/dev.tsv");
const HOLDOUT: &str = include_str!("../../tests/crisis/holdout.tsv");

pub fn train(out: &str) -> anyhow::Result<()> {
    let table = Detector::train(DEV);
    std::fs::write(out, &table)?;
    println!(
        "wrote {out}: {} weights from tests/crisis/dev.tsv",
        table.lines().filter(|l| !l.starts_with('#')).count()
    );
    Ok(())
}

/// Five folds of the development corpus through the whole detector, to
/// choose the statistical layer's penalty and threshold without looking at
/// the held-out corpus.
pub fn cross_validate() -> anyhow::Result<()> {
    let dev: Vec<&str> = DEV
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect();
    for l2 in [1e-3, 3e-3, 1e-2] {
        let tables: Vec<String> = (0..5)
            .map(|fold| {
                let train: String = dev
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| i % 5 != fold)
                    .map(|(_, l)| format!("{l}\n"))
                    .collect();
                Detector::train_with(&train, l2)
            })
            .collect();
        for threshold in [0.4, 0.45, 0.5, 0.55, 0.6, 0.7] {
            let (mut tp, mut fp, mut pos) = (0u32, 0u32, 0u32);
            for (fold, table) in tables.iter().enumerate() {
                let d = Detector::with_lexicon(&ExtraLexicon::default())?
                    .with_model(model::Model::parse(table), threshold);
                for (_, l) in dev.iter().enumerate().filter(|(i, _)| i % 5 == fold) {
                    let mut p = l.splitn(3, '\t');
                    let label = p.next().and_then(eval::parse_level).unwrap_or(Risk::None);
                    let found = d.detect(p.nth(1).unwrap_or("")).risk != Risk::None;
                    pos += u32::from(label != Risk::None);
                    tp += u32::from(found && label != Risk::None);
                    fp += u32::from(found && label == Risk::None);
                }
            }
            println!(
                "l2 {l2} threshold {threshold}: recall {:.3} precision {:.3}",
                f64::from(tp) / f64::from(pos.max(1)),
                f64::from(tp) / f64::from((tp + fp).max(1))
            );
        }
    }
    Ok(())
}

/// Scores any labelled file in the corpus format (a set written elsewhere).
pub fn score(path: &str, errors: bool) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path)?;
    let report = eval::score(Detector::builtin(), &text);
    if errors {
        for (label, got, text) in &report.errors {
            println!("{label}\t{got:?}\t{text}");
        }
    }
    println!("{path}:\n{}", eval::table(&report));
    Ok(())
}

pub fn run(rounds: usize) -> anyhow::Result<()> {
    let d = Detector::builtin();
    let report = eval::score(d, HOLDOUT);
    println!(
        "held-out corpus (tests/crisis/holdout.tsv):\n{}",
        eval::table(&report)
    );

    let sentences: Vec<&str> = DEV
        .lines()
        .chain(HOLDOUT.lines())
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.splitn(3, '\t').nth(2))
        .collect();
    let started = Instant::now();
    for _ in 0..rounds {
        for s in &sentences {
            std::hint::black_box(d.detect(s));
        }
    }
    let n = sentences.len() * rounds;
    println!(
        "throughput: {n} sentences in {:.2?}, {:.0} sentences/s on one core",
        started.elapsed(),
        n as f64 / started.elapsed().as_secs_f64()
    );

    let ordinary = repeat_to(
        "Had a long week but the group helped a lot, thank you all. ",
        20_000,
    );
    let bodies = [
        ("ordinary text", ordinary),
        ("od od od", repeat_to("od ", 20_000)),
        ("kill myself kill myself", repeat_to("kill myself ", 20_000)),
        ("i want to i want to", repeat_to("i want to ", 20_000)),
        (
            "no punctuation risk words",
            repeat_to("i want to die tonight pills rope bridge goodbye ", 20_000),
        ),
        ("single letters", repeat_to("s ", 20_000)),
        ("one long word", "a".repeat(20_000)),
        ("quotes", repeat_to("\"i want to die\" ", 20_000)),
    ];
    let mut base = Duration::ZERO;
    println!("| 20,000-character body | median of 15 | × ordinary |\n|---|---|---|");
    for (name, body) in &bodies {
        let mut times: Vec<Duration> = (0..15)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(d.detect(body));
                t.elapsed()
            })
            .collect();
        times.sort();
        let median = times[times.len() / 2];
        if base.is_zero() {
            base = median;
        }
        println!(
            "| {name} | {:.2} ms | {:.1} |",
            median.as_secs_f64() * 1e3,
            median.as_secs_f64() / base.as_secs_f64()
        );
    }
    Ok(())
}

/// Posts drawn from the corpora and the seeding vocabulary, checked on the
/// server's detection threads, printing the process's anonymous
/// resident memory as it goes: the detector's matching caches grow with the
/// variety of text they see, and must level off.
pub async fn memory(posts: usize) -> anyhow::Result<()> {
    use rand::{seq::IndexedRandom, Rng};
    let d = Detector::builtin();
    let corpus: Vec<&str> = DEV
        .lines()
        .chain(HOLDOUT.lines())
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.splitn(3, '\t').nth(2))
        .collect();
    println!("posts\tRssAnon MiB\tposts/s");
    println!("0\t{:.1}\t-", crate::rss_anon_mib().unwrap_or(0.0));
    let started = Instant::now();
    let step = (posts / 20).max(1);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..posts {
        let text = {
            let mut rng = rand::rng();
            let words = rng.random_range(5..120);
            let mut t = crate::vocab::sentence(&mut rng, words);
            for _ in 0..rng.random_range(0..3) {
                t.push(' ');
                t.push_str(corpus.choose(&mut rng).copied().unwrap_or(""));
            }
            t
        };
        // As many in flight as the server's detection threads take.
        if tasks.len() >= 2 * std::thread::available_parallelism().map_or(2, |n| n.get()) {
            tasks.join_next().await;
        }
        tasks.spawn(api::service::safety::on_detection_thread(move || {
            std::hint::black_box(d.detect(&text));
        }));
        if (i + 1) % step == 0 {
            println!(
                "{}\t{:.1}\t{:.0}",
                i + 1,
                crate::rss_anon_mib().unwrap_or(0.0),
                (i + 1) as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    while tasks.join_next().await.is_some() {}
    Ok(())
}

fn repeat_to(unit: &str, len: usize) -> String {
    unit.chars().cycle().take(len).collect()
}
