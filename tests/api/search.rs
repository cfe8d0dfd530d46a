//! The search conformance suite: every scenario runs against the embedded
//! index on SQLite and on Postgres, and against Meilisearch when
//! `MEILISEARCH_URL` is set.
use crate::backend_tests;
use crate::helpers::TestApp;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const SEARCH: &str = "query($q: String!, $f: PostSearchFilter, $n: Int, $a: String) { searchPosts(query: $q, filter: $f, first: $n, after: $a) { totalCount nodes { highlight score post { id body state } } edges { cursor } pageInfo { hasNextPage hasPreviousPage endCursor } } }";

fn bodies(d: &Value) -> Vec<String> {
    d["searchPosts"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["post"]["body"].as_str().unwrap_or("").to_owned())
        .collect()
}

async fn find(app: &TestApp, token: &str, q: &str, filter: Value) -> Vec<String> {
    bodies(
        &app.ok(Some(token), SEARCH, json!({"q": q, "f": filter}))
            .await,
    )
}

const SHORT_PANIC: &str = "Panic attacks again, panic at night.";
const LONG_PANIC: &str = "Long week. Work was loud, the bus was late, my sister called about the holidays and I felt a little panic before dinner, then it passed while we cooked and talked about nothing much at all.";
const PANICKY: &str = "Felt panicky on the train.";
const CAFE: &str = "Met Zoë at the Café on Tuesday.";
const MEDICATION: &str = "My medication changes this week.";

async fn relevance_typos_prefixes_and_folding(app: TestApp) {
    let (f, g) = app.group_with_facilitator("conf-f").await;
    let m = app.member_of(&f, &g, "conf-m").await;
    let (t, _) = app.thread(&m.token, &g, "Week").await;
    for body in [PANICKY, LONG_PANIC, SHORT_PANIC, CAFE, MEDICATION] {
        app.post(&m.token, &t, body).await;
    }
    app.wait_indexed().await;
    let tok = &m.token;

    // Relevance: the exact word before a prefix match ("panicky"), by
    // score; on the embedded index (BM25) two mentions in a short post also
    // beat one in a long post, where Meilisearch's rules see a tie.
    let d = app.ok(Some(tok), SEARCH, json!({"q": "panic"})).await;
    let got = bodies(&d);
    assert_eq!(got.len(), 3, "[{}] {got:?}", app.backend);
    assert_eq!(got[2], PANICKY, "[{}] {got:?}", app.backend);
    let scores: Vec<f64> = d["searchPosts"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["score"].as_f64().unwrap())
        .collect();
    assert!(scores[1] > scores[2], "[{}] {scores:?}", app.backend);
    if app.state.search.name() == "tantivy" {
        assert_eq!(got[..2], [SHORT_PANIC, LONG_PANIC]);
        assert!(scores[0] > scores[1], "{scores:?}");
    }
    assert_eq!(d["searchPosts"]["totalCount"], 3);

    // Every word must match.
    assert_eq!(
        find(&app, tok, "panic night", json!(null)).await,
        [SHORT_PANIC]
    );
    assert!(find(&app, tok, "panic tuesday", json!(null))
        .await
        .is_empty());

    // One typo in words of 5-8 letters (substitution, transposition)...
    for q in ["panik", "pnaic", "medicatoin"] {
        assert!(
            !find(&app, tok, q, json!(null)).await.is_empty(),
            "[{}] {q}",
            app.backend
        );
    }
    // ...two from 9 letters, none below 5, never two in a 5-8 letter word.
    assert_eq!(
        find(&app, tok, "medikasion", json!(null)).await,
        [MEDICATION]
    );
    assert!(
        find(&app, tok, "pamik", json!(null)).await.is_empty(),
        "[{}]",
        app.backend
    );
    assert!(
        find(&app, tok, "wook", json!(null)).await.is_empty(),
        "[{}]",
        app.backend
    );

    // The last word is a prefix, as the user types; earlier words are not.
    assert_eq!(find(&app, tok, "medic", json!(null)).await, [MEDICATION]);
    assert_eq!(
        find(&app, tok, "week medic", json!(null)).await,
        [MEDICATION]
    );
    assert!(find(&app, tok, "medic changes", json!(null))
        .await
        .is_empty());

    // Case and diacritics fold both ways.
    assert_eq!(find(&app, tok, "CAFE zoe", json!(null)).await, [CAFE]);
    assert_eq!(find(&app, tok, "café ZOË", json!(null)).await, [CAFE]);

    // The highlight marks the words that matched, typo or not.
    let d = app.ok(Some(tok), SEARCH, json!({"q": "panik nigh"})).await;
    let h = d["searchPosts"]["nodes"][0]["highlight"].as_str().unwrap();
    assert_eq!(
        h,
        "<mark>Panic</mark> attacks again, <mark>panic</mark> at <mark>night</mark>."
    );
}

async fn highlights_escape_html(app: TestApp) {
    let (f, g) = app.group_with_facilitator("esc-f").await;
    let (t, _) = app.thread(&f.token, &g, "Html").await;
    app.post(
        &f.token,
        &t,
        "<script>alert('x')</script> & sleep <b>well</b>",
    )
    .await;
    let long = format!("{} insomnia {}", "filler ".repeat(60), "tail ".repeat(60));
    app.post(&f.token, &t, &long).await;
    app.wait_indexed().await;
    let d = app.ok(Some(&f.token), SEARCH, json!({"q": "sleep"})).await;
    assert_eq!(
        d["searchPosts"]["nodes"][0]["highlight"],
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; <mark>sleep</mark> &lt;b&gt;well&lt;/b&gt;"
    );
    let d = app
        .ok(Some(&f.token), SEARCH, json!({"q": "insomnia"}))
        .await;
    let h = d["searchPosts"]["nodes"][0]["highlight"].as_str().unwrap();
    assert!(
        h.starts_with('…') && h.ends_with('…') && h.contains("<mark>insomnia</mark>"),
        "{h}"
    );
    assert!(h.chars().count() < 240, "{h}");
}

async fn every_filter(app: TestApp) {
    let (f, g) = app.group_with_facilitator("filt-f").await;
    let m = app.member_of(&f, &g, "filt-m").await;
    let (t1, _) = app.thread(&m.token, &g, "One").await;
    let (t2, _) = app.thread(&f.token, &g, "Two").await;
    app.post(&m.token, &t1, "garden walk by member in one")
        .await;
    let middle = chrono::Utc::now();
    tokio::time::sleep(Duration::from_millis(20)).await;
    app.post(&f.token, &t1, "garden walk by facilitator in one")
        .await;
    app.post(&m.token, &t2, "garden walk by member in two")
        .await;
    let (f2, g2) = app.group_with_facilitator("filt-f2").await;
    let m_in_2 = app.member_of(&f2, &g2, "filt-m2").await;
    let code = app.invite(&f2.token, &g2).await;
    app.ok(
        Some(&m.token),
        "mutation($c: String!) { joinGroup(code: $c) { role } }",
        json!({"c": code}),
    )
    .await;
    let (t3, _) = app.thread(&m_in_2.token, &g2, "Three").await;
    app.post(&m_in_2.token, &t3, "garden walk in the second group")
        .await;
    app.wait_indexed().await;
    let tok = &m.token;
    let mut all = find(&app, tok, "garden walk", json!(null)).await;
    all.sort();
    assert_eq!(all.len(), 4, "[{}] {all:?}", app.backend);

    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(
        find(&app, tok, "garden", json!({"groupIds": [g2]})).await,
        ["garden walk in the second group"]
    );
    assert_eq!(
        sorted(find(&app, tok, "garden", json!({"threadId": t1})).await),
        [
            "garden walk by facilitator in one",
            "garden walk by member in one"
        ]
    );
    assert_eq!(
        sorted(find(&app, tok, "garden", json!({"authorId": m.id})).await),
        [
            "garden walk by member in one",
            "garden walk by member in two"
        ]
    );
    let since = middle.to_rfc3339();
    assert_eq!(
        sorted(
            find(
                &app,
                tok,
                "garden",
                json!({"since": since, "groupIds": [g]})
            )
            .await
        ),
        [
            "garden walk by facilitator in one",
            "garden walk by member in two"
        ]
    );
    assert_eq!(
        find(
            &app,
            tok,
            "garden",
            json!({"until": since, "groupIds": [g]})
        )
        .await,
        ["garden walk by member in one"]
    );
    // Filters combine.
    assert_eq!(
        find(
            &app,
            tok,
            "garden",
            json!({"threadId": t1, "authorId": f.id})
        )
        .await,
        ["garden walk by facilitator in one"]
    );
    // Another group's thread or author, or the group itself, named in a
    // filter, finds nothing for an outsider.
    let outsider = app.register("filt-out").await;
    for f in [
        json!({"threadId": t1}),
        json!({"authorId": m.id}),
        json!({"groupIds": [g, g2], "states": ["VISIBLE", "HIDDEN"]}),
        json!({"flaggedOnly": true, "groupIds": [g]}),
    ] {
        assert!(
            find(&app, &outsider.token, "garden", f.clone())
                .await
                .is_empty(),
            "[{}] {f}",
            app.backend
        );
    }
}

async fn pagination(app: TestApp) {
    let (f, g) = app.group_with_facilitator("page-f").await;
    let (t, _) = app.thread(&f.token, &g, "Walks").await;
    for i in 0..25 {
        app.post(&f.token, &t, &format!("evening stroll number {i}"))
            .await;
    }
    app.wait_indexed().await;
    let mut seen = std::collections::HashSet::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let d = app
            .ok(
                Some(&f.token),
                SEARCH,
                json!({"q": "stroll", "n": 10, "a": after}),
            )
            .await;
        let c = &d["searchPosts"];
        assert_eq!(c["totalCount"], 25);
        assert_eq!(c["pageInfo"]["hasPreviousPage"], pages > 0);
        for n in c["nodes"].as_array().unwrap() {
            assert!(
                seen.insert(n["post"]["id"].as_str().unwrap().to_owned()),
                "duplicate"
            );
        }
        pages += 1;
        if c["pageInfo"]["hasNextPage"] == false {
            assert_eq!(c["nodes"].as_array().unwrap().len(), 5);
            break;
        }
        assert_eq!(c["nodes"].as_array().unwrap().len(), 10);
        after = c["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!((pages, seen.len()), (3, 25));
    // A page size that changes between pages (the next offset is then not
    // a whole number of pages) still counts and pages exactly.
    let d = app
        .ok(Some(&f.token), SEARCH, json!({"q": "stroll", "n": 10}))
        .await;
    let mut after = d["searchPosts"]["pageInfo"]["endCursor"].clone();
    let mut ids: Vec<String> = d["searchPosts"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["post"]["id"].as_str().unwrap().to_owned())
        .collect();
    for (n, more) in [(7, true), (7, true), (7, false)] {
        let d = app
            .ok(
                Some(&f.token),
                SEARCH,
                json!({"q": "stroll", "n": n, "a": after}),
            )
            .await;
        let c = &d["searchPosts"];
        assert_eq!(c["totalCount"], 25, "[{}]", app.backend);
        assert_eq!(c["pageInfo"]["hasNextPage"], more, "[{}] {c}", app.backend);
        ids.extend(
            c["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["post"]["id"].as_str().unwrap().to_owned()),
        );
        after = c["pageInfo"]["endCursor"].clone();
    }
    let distinct: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!((ids.len(), distinct.len()), (25, 25), "[{}]", app.backend);
    // Equal relevance: newest first, on every backend.
    let mut quiet = Vec::new();
    for _ in 0..3 {
        quiet.push(app.post(&f.token, &t, "quiet harbour morning").await);
    }
    app.wait_indexed().await;
    let d = app
        .ok(Some(&f.token), SEARCH, json!({"q": "harbour"}))
        .await;
    let order: Vec<&str> = d["searchPosts"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["post"]["id"].as_str().unwrap())
        .collect();
    quiet.reverse();
    assert_eq!(order, quiet, "[{}] ties come newest first", app.backend);
    // A cursor from another list, or not a cursor at all.
    let other = app
        .ok(
            Some(&f.token),
            "query($t: ID!) { thread(id: $t) { posts(first: 1) { pageInfo { endCursor } } } }",
            json!({"t": t}),
        )
        .await["thread"]["posts"]["pageInfo"]["endCursor"]
        .clone();
    for a in [other, json!("garbage"), json!("c2VhcmNofC0x"), json!("")] {
        app.fails(
            Some(&f.token),
            SEARCH,
            json!({"q": "stroll", "a": a}),
            "BAD_USER_INPUT",
        )
        .await;
    }
}

/// Both backends see the same words in a post: Hearth's analyser decides
/// for both (markup, diacritics, digits, apostrophes, emoji, CJK, URLs).
async fn words_are_the_same_on_every_backend(app: TestApp) {
    let (f, g) = app.group_with_facilitator("words-f").await;
    let (t, _) = app.thread(&f.token, &g, "Words").await;
    let cases: &[(&str, &[&str])] = &[
        (
            "<script>alert(1)</script> breathing exercises with a <b>timer</b>",
            &["breathing timer", "timer", "script alert"],
        ),
        (
            "Zoë's naïve Café Crème",
            &["zoe", "naive cafe", "CAFÉ crème"],
        ),
        (
            "slept 3h after 2am in room 101",
            &["101", "2am", "3h slept"],
        ),
        ("I don't think it's fair", &["don't", "it's fair", "don t"]),
        (
            "feeling 🙂 better today🌧️drizzle",
            &["better", "drizzle", "today"],
        ),
        ("東京タワー visit", &["東京タワー", "visit"]),
        (
            "see https://example.org/calm-breathing?x=1 later",
            &["example org", "calm breathing", "https"],
        ),
    ];
    let mut ids = Vec::new();
    for (body, _) in cases {
        ids.push(app.post(&f.token, &t, body).await);
    }
    app.wait_indexed().await;
    for ((body, queries), id) in cases.iter().zip(&ids) {
        for q in *queries {
            let d = app.ok(Some(&f.token), SEARCH, json!({"q": q})).await;
            let found: Vec<&str> = d["searchPosts"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["post"]["id"].as_str().unwrap())
                .collect();
            assert!(
                found.contains(&id.as_str()),
                "[{}] {q:?} should find {body:?}: {d}",
                app.backend
            );
        }
    }
    // What the analyser drops is not a word on either backend.
    for q in ["🙂", "<>", "?=&", "🌧️"] {
        let d = app.ok(Some(&f.token), SEARCH, json!({"q": q})).await;
        assert_eq!(d["searchPosts"]["totalCount"], 0, "[{}] {q:?}", app.backend);
    }
}

/// Polls until the index itself (totalCount) reflects a change; returns
/// how long that took.
async fn until_total(app: &TestApp, token: &str, q: &str, filter: Value, want: u64) -> Duration {
    let start = Instant::now();
    loop {
        let d = app
            .ok(Some(token), SEARCH, json!({"q": q, "f": filter}))
            .await;
        if d["searchPosts"]["totalCount"] == want {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "[{}] {q}: {d}",
            app.backend
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn changes_reach_the_index(app: TestApp) {
    let (f, g) = app.group_with_facilitator("chg-f").await;
    let m = app.member_of(&f, &g, "chg-m").await;
    let (t, _) = app.thread(&m.token, &g, "Changes").await;
    let p = app
        .post(&m.token, &t, "thinking about the lighthouse trip")
        .await;
    app.wait_indexed().await;
    assert_eq!(
        find(&app, &m.token, "lighthouse", json!(null)).await.len(),
        1
    );
    // A thread's opening post is indexed with the thread.
    assert_eq!(
        find(&app, &m.token, "opening words", json!({"threadId": t})).await,
        ["Opening words"]
    );

    // Edit: the old words go, the new ones come.
    app.ok(Some(&m.token), "mutation($p: ID!) { editPost(input: {postId: $p, body: \"thinking about the harbour trip\"}) { id } }", json!({"p": p})).await;
    until_total(&app, &m.token, "lighthouse", json!(null), 0).await;
    until_total(&app, &m.token, "harbour", json!(null), 1).await;

    // Hide: gone for members; the facilitator finds it by asking for HIDDEN.
    app.ok(
        Some(&f.token),
        "mutation($p: ID!) { hidePost(postId: $p) { id } }",
        json!({"p": p}),
    )
    .await;
    assert!(find(
        &app,
        &m.token,
        "harbour",
        json!({"states": ["VISIBLE", "HIDDEN"]})
    )
    .await
    .is_empty());
    let hidden = json!({"states": ["HIDDEN"]});
    until_total(&app, &f.token, "harbour", hidden.clone(), 1).await;
    assert!(find(&app, &f.token, "harbour", json!(null))
        .await
        .is_empty());
    // Restore: back for everyone.
    app.ok(
        Some(&f.token),
        "mutation($p: ID!) { restorePost(postId: $p) { id } }",
        json!({"p": p}),
    )
    .await;
    until_total(&app, &m.token, "harbour", json!(null), 1).await;

    // Delete: gone at once from results, and from the index within 2 s.
    app.ok(
        Some(&m.token),
        "mutation($p: ID!) { deletePost(postId: $p) { id } }",
        json!({"p": p}),
    )
    .await;
    assert!(find(
        &app,
        &f.token,
        "harbour",
        json!({"states": ["VISIBLE", "HIDDEN", "DELETED"]})
    )
    .await
    .is_empty());
    let took = until_total(
        &app,
        &f.token,
        "harbour",
        json!({"states": ["VISIBLE", "HIDDEN"]}),
        0,
    )
    .await;
    // The indexer lets changes gather for its linger (1 s) first.
    assert!(
        took < Duration::from_secs(3),
        "[{}] delete took {took:?}",
        app.backend
    );

    // Removal: a removed member finds nothing of the group any more.
    app.post(&f.token, &t, "the lantern festival").await;
    until_total(&app, &m.token, "lantern", json!(null), 1).await;
    app.ok(
        Some(&f.token),
        "mutation($g: ID!, $u: ID!) { removeMember(groupId: $g, userId: $u) }",
        json!({"g": g, "u": m.id}),
    )
    .await;
    let d = app
        .ok(Some(&m.token), SEARCH, json!({"q": "lantern"}))
        .await;
    assert_eq!(d["searchPosts"]["totalCount"], 0);
    let d = app
        .ok(
            Some(&m.token),
            SEARCH,
            json!({"q": "lantern", "f": {"groupIds": [g]}}),
        )
        .await;
    assert_eq!(d["searchPosts"]["totalCount"], 0);
}

async fn permissions_and_hidden_rules(app: TestApp) {
    let (fa, ga) = app.group_with_facilitator("search-fa").await;
    let ma = app.member_of(&fa, &ga, "search-ma").await;
    let (ta, _) = app.thread(&ma.token, &ga, "Sleep").await;
    app.post(&ma.token, &ta, "I could not sleep <again> last night")
        .await;
    let hidden = app
        .post(&ma.token, &ta, "sleep is hard, hidden later")
        .await;
    let deleted = app.post(&ma.token, &ta, "sleep post to delete").await;
    app.ok(
        Some(&fa.token),
        "mutation($p: ID!) { hidePost(postId: $p) { id } }",
        json!({"p": hidden}),
    )
    .await;
    app.ok(
        Some(&ma.token),
        "mutation($p: ID!) { deletePost(postId: $p) { id } }",
        json!({"p": deleted}),
    )
    .await;

    let (fb, gb) = app.group_with_facilitator("search-fb").await;
    let (tb, _) = app.thread(&fb.token, &gb, "Other").await;
    app.post(&fb.token, &tb, "sleep in group B").await;
    // A co-facilitator of A who is only a member of B.
    app.wait_indexed().await;

    // A member of A finds A's visible post only.
    let d = app
        .ok(Some(&ma.token), SEARCH, json!({"q": "SLEEP night"}))
        .await;
    assert_eq!(bodies(&d), ["I could not sleep <again> last night"]);
    assert_eq!(d["searchPosts"]["totalCount"], 1);

    // Asking for hidden or deleted posts, or for group B, yields nothing more.
    let d = app
        .ok(Some(&ma.token), SEARCH, json!({"q": "sleep", "f": {"states": ["HIDDEN", "DELETED", "VISIBLE"], "groupIds": [ga, gb]}}))
        .await;
    assert_eq!(bodies(&d), ["I could not sleep <again> last night"]);
    let d = app
        .ok(
            Some(&ma.token),
            SEARCH,
            json!({"q": "sleep", "f": {"groupIds": [gb]}}),
        )
        .await;
    assert_eq!(d["searchPosts"]["totalCount"], 0);
    assert!(
        find(&app, &ma.token, "sleep", json!({"states": ["HIDDEN"]}))
            .await
            .is_empty()
    );

    // The facilitator may include hidden posts of their group; never
    // deleted ones; and not hidden posts of a group they only belong to.
    let d = app
        .ok(
            Some(&fa.token),
            SEARCH,
            json!({"q": "sleep", "f": {"states": ["VISIBLE", "HIDDEN", "DELETED"]}}),
        )
        .await;
    assert_eq!(d["searchPosts"]["totalCount"], 2);
    let code = app.invite(&fa.token, &ga).await;
    app.ok(
        Some(&fb.token),
        "mutation($c: String!) { joinGroup(code: $c) { role } }",
        json!({"c": code}),
    )
    .await;
    let mut got = find(
        &app,
        &fb.token,
        "sleep",
        json!({"states": ["VISIBLE", "HIDDEN"]}),
    )
    .await;
    got.sort();
    assert_eq!(
        got,
        ["I could not sleep <again> last night", "sleep in group B"]
    );

    // An outsider, and an anonymous client.
    let outsider = app.register("search-out").await;
    let d = app
        .ok(
            Some(&outsider.token),
            SEARCH,
            json!({"q": "sleep", "f": {"groupIds": [ga, gb]}}),
        )
        .await;
    assert_eq!(d["searchPosts"]["totalCount"], 0);
    app.fails(None, SEARCH, json!({"q": "sleep"}), "UNAUTHENTICATED")
        .await;

    // flaggedOnly: flags are the facilitator's business.
    let other = app.member_of(&fa, &ga, "search-mo").await;
    let visible_post = app
        .ok(
            Some(&ma.token),
            "query($t: ID!) { thread(id: $t) { posts(first: 2) { nodes { id } } } }",
            json!({"t": ta}),
        )
        .await["thread"]["posts"]["nodes"][1]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.flag_post(&other.token, &visible_post, "OTHER").await;
    let flagged = json!({"q": "sleep", "f": {"flaggedOnly": true}});
    for who in [&ma, &other] {
        assert_eq!(
            app.ok(Some(&who.token), SEARCH, flagged.clone()).await["searchPosts"]["totalCount"],
            0
        );
    }
    let d = app.ok(Some(&fa.token), SEARCH, flagged.clone()).await;
    assert_eq!(bodies(&d), ["I could not sleep <again> last night"]);

    // A flag on a facilitator's own post goes to the other facilitators,
    // never to them (the same rule as the review queue).
    let cofac = app.co_facilitator(&fa, &ga, "search-cofac").await;
    let own = app.post(&fa.token, &ta, "my own sleep routine").await;
    app.flag_post(&other.token, &own, "OTHER").await;
    app.wait_indexed().await;
    let d = app.ok(Some(&fa.token), SEARCH, flagged.clone()).await;
    assert_eq!(bodies(&d), ["I could not sleep <again> last night"]);
    let d = app.ok(Some(&cofac.token), SEARCH, flagged).await;
    assert_eq!(d["searchPosts"]["totalCount"], 2, "{d}");
}

async fn bad_input(app: TestApp) {
    let (f, g) = app.group_with_facilitator("bad-f").await;
    let (t, _) = app.thread(&f.token, &g, "Syntax").await;
    app.post(
        &f.token,
        &t,
        "sleep and rest: \"quotes\" * (brackets) [more] -minus",
    )
    .await;
    app.wait_indexed().await;
    // Query syntax of either backend is searched as text, never obeyed.
    for q in [
        "\"sleep",
        "sleep AND rest",
        "sleep:rest",
        "sle*",
        "-sleep",
        "[(sleep)]",
        "sleep OR nothing",
        "\"quotes\" minus",
        "NOT sleep",
    ] {
        let d = app.ok(Some(&f.token), SEARCH, json!({"q": q})).await;
        let n = d["searchPosts"]["totalCount"].as_u64().unwrap();
        let expect = u64::from(!q.contains("OR") && !q.contains("NOT"));
        assert_eq!(n, expect, "[{}] {q}: {d}", app.backend);
    }
    for q in ["*", "-", ":", "\"\"", "()[]{}"] {
        let d = app.ok(Some(&f.token), SEARCH, json!({"q": q})).await;
        assert_eq!(d["searchPosts"]["totalCount"], 0, "{q}");
    }
    for q in [
        "",
        "   ",
        "\t\n",
        &"x".repeat(10_000),
        &"sleep ".repeat(2_000),
    ] {
        let r = app
            .fails(Some(&f.token), SEARCH, json!({"q": q}), "BAD_USER_INPUT")
            .await;
        assert!(r["errors"][0]["message"].as_str().unwrap().len() < 200);
    }
    for n in [101, -1] {
        app.fails(
            Some(&f.token),
            SEARCH,
            json!({"q": "sleep", "n": n}),
            "BAD_USER_INPUT",
        )
        .await;
    }
    let d = app
        .ok(Some(&f.token), SEARCH, json!({"q": "sleep", "n": 0}))
        .await;
    assert_eq!(d["searchPosts"]["nodes"], json!([]));
    // Garbage IDs in the filter find nothing rather than failing open.
    let d = app
        .ok(
            Some(&f.token),
            SEARCH,
            json!({"q": "sleep", "f": {"groupIds": ["nope"], "threadId": "x"}}),
        )
        .await;
    assert_eq!(d["searchPosts"]["totalCount"], 0);
    // Many words: the first ten distinct ones count.
    app.post(
        &f.token,
        &t,
        "one two three four five six seven eight nine ten",
    )
    .await;
    app.wait_indexed().await;
    let ten = "one two three four five six seven eight nine ten";
    let d = app
        .ok(
            Some(&f.token),
            SEARCH,
            json!({"q": format!("{ten} eleven twelve")}),
        )
        .await;
    assert_eq!(d["searchPosts"]["totalCount"], 1, "[{}]", app.backend);
    let d = app
        .ok(
            Some(&f.token),
            SEARCH,
            json!({"q": format!("eleven {ten}")}),
        )
        .await;
    assert_eq!(d["searchPosts"]["totalCount"], 0, "[{}]", app.backend);
    let d = app
        .ok(Some(&f.token), SEARCH, json!({"q": format!("{ten} {ten}")}))
        .await;
    assert_eq!(d["searchPosts"]["totalCount"], 1, "[{}]", app.backend);
}

async fn spawn_lingering(backend: crate::helpers::Backend) -> TestApp {
    crate::helpers::spawn_on_with(backend, |c| c.search.search_linger_ms = 1500).await
}

/// A trickle of posts, with nobody waking the indexer: once a batch has
/// emptied the queue, changes gather for the linger and go in together,
/// rather than one commit per post.
async fn a_trickle_is_indexed_in_few_batches(app: TestApp) {
    let (f, g) = app.group_with_facilitator("linger-f").await;
    let m = app.member_of(&f, &g, "linger-m").await;
    let (t, _) = app.thread(&m.token, &g, "Trickle").await;
    app.wait_indexed().await;
    let batches = r#"hearth_worker_batches_total{worker="search"}"#;
    let before = app.metric(batches).await;
    for i in 0..16 {
        app.post(&m.token, &t, &format!("pebble number {i} on the shore"))
            .await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    until_total(&app, &m.token, "pebble", json!(null), 16).await;
    // One per post without the linger; a few with it, however slowly
    // the posts arrive.
    let used = app.metric(batches).await - before;
    assert!(
        (1.0..=8.0).contains(&used),
        "[{}] 16 posts took {used} batches",
        app.backend
    );
}

backend_tests!(
    using crate::search::spawn_lingering;
    [sqlite, postgres, meilisearch];
    a_trickle_is_indexed_in_few_batches,
);

backend_tests!(
    using crate::helpers::spawn_on;
    [sqlite, postgres, meilisearch];
    words_are_the_same_on_every_backend,
    relevance_typos_prefixes_and_folding,
    highlights_escape_html,
    every_filter,
    pagination,
    changes_reach_the_index,
    permissions_and_hidden_rules,
    bad_input,
);
