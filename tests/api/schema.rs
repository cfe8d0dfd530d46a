/// `schema.graphql` is what `hearth schema` prints; regenerate it with
/// `cargo run -- schema > schema.graphql`.
#[test]
fn schema_file_matches_the_code() {
    let on_disk = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql at the repository root");
    assert!(
        on_disk == api::graphql::sdl(),
        "schema.graphql is stale: run `cargo run -- schema > schema.graphql`"
    );
}
