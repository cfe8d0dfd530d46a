//! Tells the test suite which backends it was built to reach, so that a
//! backend's variants show as ignored, not passed, when it is absent.
fn main() {
    println!("cargo:rustc-check-cfg=cfg(hearth_postgres)");
    println!("cargo:rustc-check-cfg=cfg(hearth_meili)");
    println!("cargo:rustc-check-cfg=cfg(hearth_meili_bin)");
    println!("cargo:rerun-if-env-changed=TEST_DATABASE_URL");
    println!("cargo:rerun-if-env-changed=MEILISEARCH_URL");
    println!("cargo:rerun-if-env-changed=MEILISEARCH_BIN");
    let set = |v: &str| std::env::var(v).is_ok_and(|s| !s.is_empty());
    if set("TEST_DATABASE_URL") {
        println!("cargo:rustc-cfg=hearth_postgres");
    }
    if set("MEILISEARCH_URL") {
        println!("cargo:rustc-cfg=hearth_meili");
    }
    if set("MEILISEARCH_BIN") {
        println!("cargo:rustc-cfg=hearth_meili_bin");
    }
}
