use crate::backend_tests;
use crate::helpers::TestApp;
use serde_json::json;

const SEARCH: &str = "query($q: String!, $f: PostSearchFilter, $n: Int, $a: String) { searchPosts(query: $q, filter: $f, first: $n, after: $a) { totalCount nodes { highlight score post { body state } } pageInfo { hasNextPage endCursor } } }";

fn bodies(d: &serde_json::Value) -> Vec<String> {
    d["searchPosts"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["post"]["body"].as_str().unwrap_or("").to_owned())
        .collect()
}

async fn search_respects_groups_and_states(app: TestApp) {
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

    // A member of A finds A's visible post only, with a marked, escaped highlight.
    let d = app
        .ok(Some(&ma.token), SEARCH, json!({"q": "SLEEP night"}))
        .await;
    assert_eq!(bodies(&d), ["I could not sleep <again> last night"]);
    assert_eq!(d["searchPosts"]["totalCount"], 1);
    let h = d["searchPosts"]["nodes"][0]["highlight"].as_str().unwrap();
    assert!(
        h.contains("<mark>sleep</mark>") && h.contains("&lt;again&gt;"),
        "{h}"
    );

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

    // The facilitator may include hidden posts; never deleted ones.
    let d = app
        .ok(
            Some(&fa.token),
            SEARCH,
            json!({"q": "sleep", "f": {"states": ["VISIBLE", "HIDDEN", "DELETED"]}}),
        )
        .await;
    assert_eq!(d["searchPosts"]["totalCount"], 2);

    // flaggedOnly: flags are the facilitator's business.
    let visible = app.ok(Some(&fa.token), SEARCH, json!({"q": "sleep"})).await["searchPosts"]
        ["nodes"][0]["post"]["body"]
        .clone();
    assert_eq!(visible, "I could not sleep <again> last night");
    let other = app.member_of(&fa, &ga, "search-mo").await;
    let d = app.ok(Some(&ma.token), SEARCH, json!({"q": "sleep"})).await;
    let _ = d;
    let post_id = app
        .ok(
            Some(&ma.token),
            "query($t: ID!) { thread(id: $t) { posts(first: 2) { nodes { id } } } }",
            json!({"t": ta}),
        )
        .await["thread"]["posts"]["nodes"][1]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.ok(
        Some(&other.token),
        "mutation($p: ID!) { flagPost(input: {postId: $p, reason: OTHER}) { id } }",
        json!({"p": post_id}),
    )
    .await;
    let flagged = json!({"q": "sleep", "f": {"flaggedOnly": true}});
    assert_eq!(
        app.ok(Some(&ma.token), SEARCH, flagged.clone()).await["searchPosts"]["totalCount"],
        0
    );
    assert_eq!(
        app.ok(Some(&other.token), SEARCH, flagged.clone()).await["searchPosts"]["totalCount"],
        0
    );
    assert_eq!(
        app.ok(Some(&fa.token), SEARCH, flagged).await["searchPosts"]["totalCount"],
        1
    );

    // Query syntax is text; bad input is refused.
    for q in ["\"sleep", "sleep AND", "a:b", "*", "-x", "[("] {
        app.ok(Some(&ma.token), SEARCH, json!({"q": q})).await;
    }
    for q in ["", "   ", &"x".repeat(10_000)] {
        app.fails(Some(&ma.token), SEARCH, json!({"q": q}), "BAD_USER_INPUT")
            .await;
    }
    app.fails(
        Some(&ma.token),
        SEARCH,
        json!({"q": "sleep", "n": 101}),
        "BAD_USER_INPUT",
    )
    .await;
    app.fails(
        Some(&ma.token),
        SEARCH,
        json!({"q": "sleep", "a": "garbage"}),
        "BAD_USER_INPUT",
    )
    .await;
    app.fails(None, SEARCH, json!({"q": "sleep"}), "UNAUTHENTICATED")
        .await;
}

backend_tests!(search_respects_groups_and_states);
