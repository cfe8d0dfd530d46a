//! Every entry point, for callers who may not see group A: anonymous
//! (UNAUTHENTICATED), a signed-in outsider, a member and a facilitator of
//! another group (all NOT_FOUND, worded exactly like a missing object).
use crate::backend_tests;
use crate::helpers::{code_of, TestApp};
use entity::enums::PlatformRole;
use serde_json::{json, Value};

async fn privacy_matrix(app: TestApp) {
    let (fa, ga) = app.group_with_facilitator("fac-a").await;
    let ma = app.member_of(&fa, &ga, "member-a").await;
    let (ta, pa) = app.thread(&ma.token, &ga, "Private to A").await;
    let slug_a = app
        .ok(
            Some(&fa.token),
            "query($g: ID!) { group(id: $g) { slug } }",
            json!({"g": ga}),
        )
        .await["group"]["slug"]
        .as_str()
        .unwrap()
        .to_owned();

    // A flag and a log entry in A, and an invite of A.
    let fa_post = app.post(&fa.token, &ta, "a facilitator's words").await;
    let flag_a = app.flag_post(&ma.token, &fa_post, "OTHER").await;
    let hidden = app.post(&ma.token, &ta, "to be hidden").await;
    app.ok(
        Some(&fa.token),
        "mutation($p: ID!) { hidePost(postId: $p) { id } }",
        json!({"p": hidden}),
    )
    .await;
    let log_a = app
        .ok(
            Some(&fa.token),
            "query($g: ID!) { group(id: $g) { moderationLog(first: 1) { nodes { id } } } }",
            json!({"g": ga}),
        )
        .await["group"]["moderationLog"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let invite_a = app.invite(&fa.token, &ga).await;
    let until = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();

    let (fb, gb) = app.group_with_facilitator("fac-b").await;
    let mb = app.member_of(&fb, &gb, "member-b").await;
    let outsider = app.register("outsider").await;

    let entry_points: Vec<(&str, &str, Value)> = vec![
        ("node group", "query($id: ID!) { node(id: $id) { id } }", json!({"id": ga})),
        ("node thread", "query($id: ID!) { node(id: $id) { id } }", json!({"id": ta})),
        ("node post", "query($id: ID!) { node(id: $id) { id ... on Post { body } } }", json!({"id": pa})),
        ("node user", "query($id: ID!) { node(id: $id) { id ... on User { displayName } } }", json!({"id": ma.id})),
        ("group", "query($id: ID!) { group(id: $id) { name members { nodes { user { displayName } } } } }", json!({"id": ga})),
        ("groupBySlug", "query($s: String!) { groupBySlug(slug: $s) { name } }", json!({"s": slug_a})),
        ("thread", "query($id: ID!) { thread(id: $id) { title posts { nodes { body } } } }", json!({"id": ta})),
        ("post", "query($id: ID!) { post(id: $id) { body thread { title } } }", json!({"id": pa})),
        ("group flags", "query($id: ID!) { group(id: $id) { flags { nodes { id } } } }", json!({"id": ga})),
        ("group moderationLog", "query($id: ID!) { group(id: $id) { moderationLog { nodes { id } } } }", json!({"id": ga})),
        ("createInvite", "mutation($g: ID!) { createInvite(input: {groupId: $g}) { code } }", json!({"g": ga})),
        ("leaveGroup", "mutation($g: ID!) { leaveGroup(groupId: $g) }", json!({"g": ga})),
        ("createThread", "mutation($g: ID!) { createThread(input: {groupId: $g, title: \"x\", body: \"x\"}) { id } }", json!({"g": ga})),
        ("createPost", "mutation($t: ID!) { createPost(input: {threadId: $t, body: \"x\"}) { id } }", json!({"t": ta})),
        ("editPost", "mutation($p: ID!) { editPost(input: {postId: $p, body: \"x\"}) { id } }", json!({"p": pa})),
        ("deletePost", "mutation($p: ID!) { deletePost(postId: $p) { id } }", json!({"p": pa})),
        ("react", "mutation($p: ID!) { react(postId: $p, kind: HEART) { id } }", json!({"p": pa})),
        ("unreact", "mutation($p: ID!) { unreact(postId: $p, kind: HEART) { id } }", json!({"p": pa})),
        ("checkDraft", "query($g: ID!) { checkDraft(groupId: $g, body: \"I want to die\") { risk } }", json!({"g": ga})),
        ("flagPost", "mutation($p: ID!) { flagPost(input: {postId: $p, reason: OTHER}) { id } }", json!({"p": pa})),
        ("node flag", "query($id: ID!) { node(id: $id) { id ... on Flag { bodySnapshot edits { body } } } }", json!({"id": flag_a})),
        ("node log entry", "query($id: ID!) { node(id: $id) { id ... on ModerationAction { reason } } }", json!({"id": log_a})),
        ("group invites", "query($id: ID!) { group(id: $id) { invites { code } } }", json!({"id": ga})),
        ("revokeInvite", "mutation($c: String!) { revokeInvite(code: $c) { code } }", json!({"c": invite_a})),
        ("hidePost", "mutation($p: ID!) { hidePost(postId: $p) { id } }", json!({"p": pa})),
        ("restorePost", "mutation($p: ID!) { restorePost(postId: $p) { id } }", json!({"p": hidden})),
        ("setThreadLocked", "mutation($t: ID!) { setThreadLocked(threadId: $t, locked: true) { id } }", json!({"t": ta})),
        ("setThreadPinned", "mutation($t: ID!) { setThreadPinned(threadId: $t, pinned: true) { id } }", json!({"t": ta})),
        ("muteMember", "mutation($g: ID!, $u: ID!, $until: DateTime!) { muteMember(groupId: $g, userId: $u, until: $until) { mutedUntil } }", json!({"g": ga, "u": ma.id, "until": until})),
        ("unmuteMember", "mutation($g: ID!, $u: ID!) { unmuteMember(groupId: $g, userId: $u) { mutedUntil } }", json!({"g": ga, "u": ma.id})),
        ("removeMember", "mutation($g: ID!, $u: ID!) { removeMember(groupId: $g, userId: $u) }", json!({"g": ga, "u": ma.id})),
        ("unbanMember", "mutation($g: ID!, $u: ID!) { unbanMember(groupId: $g, userId: $u) }", json!({"g": ga, "u": ma.id})),
        ("resolveFlag", "mutation($f: ID!) { resolveFlag(flagId: $f) { id } }", json!({"f": flag_a})),
        ("dismissFlag", "mutation($f: ID!) { dismissFlag(flagId: $f) { id } }", json!({"f": flag_a})),
    ];

    let callers: Vec<(&str, Option<&str>, &str)> = vec![
        ("anonymous", None, "UNAUTHENTICATED"),
        ("outsider", Some(&outsider.token), "NOT_FOUND"),
        ("member of B", Some(&mb.token), "NOT_FOUND"),
        ("facilitator of B", Some(&fb.token), "NOT_FOUND"),
    ];

    for (caller, token, code) in &callers {
        for (name, query, vars) in &entry_points {
            let resp = app.gql(*token, query, vars.clone()).await;
            assert_eq!(
                code_of(&resp),
                Some(*code),
                "[{}] {caller} → {name}: {resp}",
                app.backend
            );
            // The response carries an error and no value at all: a null
            // root with an error is the only acceptable shape.
            assert!(
                !has_scalar(&resp["data"]),
                "{caller} → {name} leaked data: {resp}"
            );
            assert!(
                resp["errors"].as_array().is_some_and(|e| !e.is_empty()),
                "{caller} → {name}: no error, so null data proves nothing: {resp}"
            );
            if *code == "NOT_FOUND" {
                assert_eq!(
                    resp["errors"][0]["message"], "not found",
                    "{caller} → {name}"
                );
            }
        }
    }

    // A missing object reads exactly like A's: same code, same message.
    let missing_thread = {
        use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
        URL_SAFE_NO_PAD.encode(format!("Thread:{}", uuid::Uuid::now_v7().simple()))
    };
    let q = "query($id: ID!) { thread(id: $id) { title } }";
    let missing = app
        .gql(Some(&outsider.token), q, json!({"id": missing_thread}))
        .await;
    let hidden = app.gql(Some(&outsider.token), q, json!({"id": ta})).await;
    assert_eq!(
        missing["errors"][0]["message"],
        hidden["errors"][0]["message"]
    );
    assert_eq!(code_of(&missing), code_of(&hidden));

    // An ID of another type is NOT_FOUND, even for a member.
    app.fails(
        Some(&ma.token),
        "query($id: ID!) { group(id: $id) { name } }",
        json!({"id": ta}),
        "NOT_FOUND",
    )
    .await;
    app.fails(
        Some(&ma.token),
        "query($id: ID!) { thread(id: $id) { title } }",
        json!({"id": pa}),
        "NOT_FOUND",
    )
    .await;

    // Users: a member of B cannot look up A's member; co-members can.
    let data = app
        .ok(
            Some(&fa.token),
            "query($id: ID!) { node(id: $id) { ... on User { displayName } } }",
            json!({"id": ma.id}),
        )
        .await;
    assert_eq!(data["node"]["displayName"], "member-a");

    // Members of A see A; nothing the outsiders tried was written.
    let data = app
        .ok(Some(&ma.token), "query($id: ID!) { thread(id: $id) { postCount posts { nodes { body reactions { count } } } } }", json!({"id": ta}))
        .await;
    // The opening post and the facilitator's; the hidden one is not counted.
    assert_eq!(data["thread"]["postCount"], 2);
    assert_eq!(data["thread"]["posts"]["nodes"][0]["body"], "Opening words");
    assert_eq!(data["thread"]["posts"]["nodes"][0]["reactions"], json!([]));
    let data = app
        .ok(Some(&ma.token), "query($g: ID!) { group(id: $g) { threads { nodes { id } } members { nodes { role } } } }", json!({"g": ga}))
        .await;
    assert_eq!(
        data["group"]["threads"]["nodes"].as_array().unwrap().len(),
        1
    );
    assert_eq!(
        data["group"]["members"]["nodes"].as_array().unwrap().len(),
        2
    );

    // Viewer shows the handle; User never does.
    let resp = app
        .gql(
            Some(&ma.token),
            "query($id: ID!) { node(id: $id) { ... on User { handle } } }",
            json!({"id": ma.id}),
        )
        .await;
    assert_eq!(code_of(&resp), Some("BAD_USER_INPUT"));

    // Members see no flags or log: FORBIDDEN on their own group.
    app.fails(
        Some(&ma.token),
        "query($g: ID!) { group(id: $g) { flags { nodes { id } } } }",
        json!({"g": ga}),
        "FORBIDDEN",
    )
    .await;
    app.fails(
        Some(&ma.token),
        "query($g: ID!) { group(id: $g) { moderationLog { nodes { id } } } }",
        json!({"g": ga}),
        "FORBIDDEN",
    )
    .await;

    // Admins read a group they are not in only with a stated reason
    // (break-glass); viewerRole is null then.
    let admin = app.register("admin").await;
    app.set_role("admin", PlatformRole::Admin).await;
    let q = "query($g: ID!) { group(id: $g) { name viewerRole } }";
    app.fails(Some(&admin.token), q, json!({"g": ga}), "NOT_FOUND")
        .await;
    let data = app
        .ok_reason(&admin.token, "audit ticket 12", q, json!({"g": ga}))
        .await;
    assert_eq!(data["group"]["viewerRole"], Value::Null);
}

backend_tests!(privacy_matrix);

/// Whether any value at all (a string, number or boolean) sits anywhere in
/// a response's data: objects and lists of nulls carry nothing.
fn has_scalar(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Object(o) => o.values().any(has_scalar),
        Value::Array(a) => a.iter().any(has_scalar),
        _ => true,
    }
}
