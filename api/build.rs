//! Fetches GraphiQL and what it runs on (React, graphql-ws) from npm, as
//! pinned in `graphiql/package-lock.json`, into the build directory, so
//! that Hearth serves them itself: the page at `/` loads nothing from
//! another origin. Needs `npm` the first time (and when the lock changes).
// A build step, not a server path: failing loudly is the point.
#![allow(clippy::expect_used, clippy::unwrap_used)]
use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

/// Each asset: where npm puts it, and the name Hearth serves it under.
const ASSETS: &[(&str, &str)] = &[
    ("graphiql/graphiql.min.js", "graphiql.min.js"),
    ("graphiql/graphiql.min.css", "graphiql.min.css"),
    (
        "react/umd/react.production.min.js",
        "react.production.min.js",
    ),
    (
        "react-dom/umd/react-dom.production.min.js",
        "react-dom.production.min.js",
    ),
    ("graphql-ws/umd/graphql-ws.min.js", "graphql-ws.min.js"),
];

fn main() {
    println!("cargo:rerun-if-changed=graphiql/package.json");
    println!("cargo:rerun-if-changed=graphiql/package-lock.json");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR is set by cargo"));
    let npm_dir = out.join("graphiql-npm");
    let modules = npm_dir.join("node_modules");
    let lock = Path::new("graphiql/package-lock.json");
    let installed_lock = npm_dir.join("package-lock.json");
    let current = fs::read(lock).expect("graphiql/package-lock.json");
    let up_to_date = fs::read(&installed_lock).is_ok_and(|l| l == current)
        && ASSETS.iter().all(|(from, _)| modules.join(from).exists());
    if !up_to_date {
        fs::create_dir_all(&npm_dir).expect("creating the npm directory");
        fs::copy("graphiql/package.json", npm_dir.join("package.json")).expect("package.json");
        fs::write(&installed_lock, &current).expect("package-lock.json");
        let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
        let status = Command::new(npm)
            .args([
                "ci",
                "--no-audit",
                "--no-fund",
                "--ignore-scripts",
                "--loglevel=error",
            ])
            .current_dir(&npm_dir)
            .status()
            .unwrap_or_else(|e| {
                panic!(
                    "running `npm ci` for GraphiQL's assets failed ({e}): install Node.js and npm"
                )
            });
        assert!(status.success(), "`npm ci` for GraphiQL's assets failed");
    }
    let assets = out.join("graphiql");
    fs::create_dir_all(&assets).expect("creating the assets directory");
    for (from, to) in ASSETS {
        fs::copy(modules.join(from), assets.join(to))
            .unwrap_or_else(|e| panic!("copying {from}: {e}"));
    }
}
