use crate::backend_tests;
use crate::helpers::TestApp;
use serde_json::json;
use std::collections::HashSet;

const JOIN: &str =
    "mutation($c: String!) { joinGroup(code: $c) { role group { name } user { displayName } } }";

async fn create_group_and_slugs(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("fran").await;
    let data = app
        .ok(
            Some(&f.token),
            "query($id: ID!) { group(id: $id) { name slug viewerRole description } }",
            json!({"id": gid}),
        )
        .await;
    assert_eq!(data["group"]["slug"], "fran-s-group");
    assert_eq!(data["group"]["viewerRole"], "FACILITATOR");

    // Same name again: a derived slug gets a suffix; an explicit taken slug conflicts.
    let data = app
        .ok(
            Some(&f.token),
            "mutation { createGroup(input: {name: \"fran's group\"}) { slug } }",
            json!({}),
        )
        .await;
    assert_ne!(data["createGroup"]["slug"], "fran-s-group");
    app.fails(
        Some(&f.token),
        "mutation { createGroup(input: {name: \"Other\", slug: \"fran-s-group\"}) { slug } }",
        json!({}),
        "CONFLICT",
    )
    .await;
    app.fails(
        Some(&f.token),
        "mutation { createGroup(input: {name: \"   \"}) { slug } }",
        json!({}),
        "BAD_USER_INPUT",
    )
    .await;
    let data = app
        .ok(
            Some(&f.token),
            "{ groupBySlug(slug: \"fran-s-group\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(data["groupBySlug"]["id"], gid.as_str());

    // Members may not create groups.
    let m = app.register("moe").await;
    app.fails(
        Some(&m.token),
        "mutation { createGroup(input: {name: \"Mine\"}) { id } }",
        json!({}),
        "FORBIDDEN",
    )
    .await;
}

async fn invites_and_joining(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("fay").await;
    let one = app
        .ok(
            Some(&f.token),
            "mutation($g: ID!) { createInvite(input: {groupId: $g}) { code role maxUses uses group { id } } }",
            json!({"g": gid}),
        )
        .await;
    assert_eq!(one["createInvite"]["maxUses"], 1);
    assert_eq!(one["createInvite"]["role"], "MEMBER");
    let code = one["createInvite"]["code"].as_str().unwrap();

    let a = app.register("ann").await;
    let data = app.ok(Some(&a.token), JOIN, json!({"c": code})).await;
    assert_eq!(data["joinGroup"]["role"], "MEMBER");
    assert_eq!(data["joinGroup"]["group"]["name"], "fay's group");
    // Joining again, and an invite that is used up.
    app.fails(Some(&a.token), JOIN, json!({"c": code}), "CONFLICT")
        .await;
    let b = app.register("bea").await;
    app.fails(Some(&b.token), JOIN, json!({"c": code}), "NOT_FOUND")
        .await;
    app.fails(
        Some(&b.token),
        JOIN,
        json!({"c": "no-such-code"}),
        "NOT_FOUND",
    )
    .await;
    app.fails(None, JOIN, json!({"c": code}), "UNAUTHENTICATED")
        .await;

    // Expiry in the past is refused at creation; maxUses out of range too.
    app.fails(
        Some(&f.token),
        "mutation($g: ID!) { createInvite(input: {groupId: $g, expiresAt: \"2001-01-01T00:00:00Z\"}) { code } }",
        json!({"g": gid}),
        "BAD_USER_INPUT",
    )
    .await;
    app.fails(
        Some(&f.token),
        "mutation($g: ID!) { createInvite(input: {groupId: $g, maxUses: 0}) { code } }",
        json!({"g": gid}),
        "BAD_USER_INPUT",
    )
    .await;

    // A facilitator invite makes a facilitator.
    let data = app
        .ok(
            Some(&f.token),
            "mutation($g: ID!) { createInvite(input: {groupId: $g, role: FACILITATOR, expiresAt: \"2099-01-01T00:00:00Z\"}) { code expiresAt } }",
            json!({"g": gid}),
        )
        .await;
    let fcode = data["createInvite"]["code"].as_str().unwrap();
    let data = app.ok(Some(&b.token), JOIN, json!({"c": fcode})).await;
    assert_eq!(data["joinGroup"]["role"], "FACILITATOR");

    // Members cannot invite.
    app.fails(
        Some(&a.token),
        "mutation($g: ID!) { createInvite(input: {groupId: $g}) { code } }",
        json!({"g": gid}),
        "FORBIDDEN",
    )
    .await;
}

async fn leaving_a_group(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("fin").await;
    let m = app.member_of(&f, &gid, "mel").await;
    let leave = "mutation($g: ID!) { leaveGroup(groupId: $g) }";
    app.fails(Some(&f.token), leave, json!({"g": gid}), "CONFLICT")
        .await;
    let data = app.ok(Some(&m.token), leave, json!({"g": gid})).await;
    assert_eq!(data["leaveGroup"], true);
    app.fails(
        Some(&m.token),
        "query($g: ID!) { group(id: $g) { name } }",
        json!({"g": gid}),
        "NOT_FOUND",
    )
    .await;
    app.fails(Some(&m.token), leave, json!({"g": gid}), "NOT_FOUND")
        .await;
    let data = app
        .ok(
            Some(&m.token),
            "{ viewer { groups { nodes { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["viewer"]["groups"]["nodes"], json!([]));
}

async fn members_and_groups_paginate(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("fae").await;
    for i in 0..6 {
        app.member_of(&f, &gid, &format!("member{i}")).await;
    }
    let q = "query($g: ID!, $after: String) { group(id: $g) { members(first: 3, after: $after) { edges { cursor node { user { displayName } role joinedAt } } pageInfo { hasNextPage endCursor } } } }";
    let mut seen = Vec::new();
    let mut after = serde_json::Value::Null;
    loop {
        let data = app
            .ok(Some(&f.token), q, json!({"g": gid, "after": after}))
            .await;
        let conn = &data["group"]["members"];
        for e in conn["edges"].as_array().unwrap() {
            seen.push(
                e["node"]["user"]["displayName"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        if !conn["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen.len(), 7);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 7);
    assert_eq!(seen[0], "fae");

    // The facilitator's own groups.
    for i in 0..3 {
        app.ok(
            Some(&f.token),
            "mutation($n: String!) { createGroup(input: {name: $n}) { id } }",
            json!({"n": format!("Group {i}")}),
        )
        .await;
    }
    let data = app
        .ok(
            Some(&f.token),
            "{ viewer { groups(first: 2) { nodes { name } pageInfo { hasNextPage endCursor } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["viewer"]["groups"]["nodes"].as_array().unwrap().len(),
        2
    );
    let end = data["viewer"]["groups"]["pageInfo"]["endCursor"].clone();
    let data = app
        .ok(
            Some(&f.token),
            "query($a: String) { viewer { groups(first: 5, after: $a) { nodes { name } pageInfo { hasNextPage } } } }",
            json!({"a": end}),
        )
        .await;
    assert_eq!(
        data["viewer"]["groups"]["nodes"].as_array().unwrap().len(),
        2
    );
    assert_eq!(data["viewer"]["groups"]["pageInfo"]["hasNextPage"], false);
}

backend_tests!(
    create_group_and_slugs,
    invites_and_joining,
    leaving_a_group,
    members_and_groups_paginate,
);
