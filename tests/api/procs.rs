//! Real processes a test owns and may stop: a Redis server, a Postgres
//! cluster, a `hearth serve`. Faults are injected by stopping them, never by
//! imitating them.
use crate::helpers::free_port;
use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub struct RedisServer {
    child: Child,
    pub port: u16,
}

impl RedisServer {
    pub fn start(port: u16) -> RedisServer {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server on PATH (the fault tests run their own)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not come up");
            std::thread::sleep(Duration::from_millis(20));
        }
        RedisServer { child, port }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A Postgres cluster of the test's own, in a temporary directory, so that
/// restarting it disturbs no other test.
pub struct PgCluster {
    dir: tempfile::TempDir,
    pub port: u16,
}

fn pg_bin(name: &str) -> PathBuf {
    let root = std::path::Path::new("/usr/lib/postgresql");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("PostgreSQL server binaries under /usr/lib/postgresql")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    versions.sort();
    versions
        .pop()
        .expect("a PostgreSQL version")
        .join("bin")
        .join(name)
}

/// Postgres refuses to run as root: as root, run its tools as `postgres`.
fn as_postgres(program: PathBuf) -> Command {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

impl PgCluster {
    pub fn start() -> PgCluster {
        let dir = tempfile::tempdir().expect("temp dir");
        let owner = Command::new("id").args(["-u", "postgres"]).output();
        if let Ok(o) = owner {
            if let Ok(uid) = String::from_utf8_lossy(&o.stdout).trim().parse::<u32>() {
                let _ = std::os::unix::fs::chown(dir.path(), Some(uid), None);
            }
        }
        let data = dir.path().join("data");
        let ok = as_postgres(pg_bin("initdb"))
            .args(["-A", "trust", "-U", "postgres", "--no-sync", "-D"])
            .arg(&data)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("initdb runs");
        assert!(ok.success(), "initdb failed");
        let cluster = PgCluster {
            dir,
            port: free_port(),
        };
        cluster.pg_ctl(&["start"]);
        cluster
    }

    fn pg_ctl(&self, args: &[&str]) {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let ok = as_postgres(pg_bin("pg_ctl"))
            .args(["-D"])
            .arg(self.dir.path().join("data"))
            .args(["-w", "-m", "fast", "-l"])
            .arg(self.dir.path().join("log"))
            .args(["-o", &opts])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("pg_ctl runs");
        assert!(ok.success(), "pg_ctl {args:?} failed");
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    pub fn stop(&self) {
        self.pg_ctl(&["stop"]);
    }

    pub fn start_again(&self) {
        self.pg_ctl(&["start"]);
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = as_postgres(pg_bin("pg_ctl"))
            .args(["-D"])
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// A `hearth serve` process.
pub struct Hearth {
    child: Child,
    pub base: String,
    /// Its data directory (its generated VAPID key is there).
    pub data: PathBuf,
}

impl Hearth {
    /// Serves `database_url` (migrated by the caller) through `redis_url`.
    pub async fn serve(database_url: &str, redis_url: &str, jwt_secret: &str) -> Hearth {
        Self::serve_with(database_url, redis_url, jwt_secret, &[]).await
    }

    /// The same, with more settings in its environment.
    pub async fn serve_with(
        database_url: &str,
        redis_url: &str,
        jwt_secret: &str,
        env: &[(&str, &str)],
    ) -> Hearth {
        let port = free_port();
        let data = tempfile::tempdir().expect("temp dir").keep();
        let child = Command::new(env!("CARGO_BIN_EXE_hearth"))
            .env("HEARTH_DATA_DIR", &data)
            .env("HEARTH_JWT_SECRET", jwt_secret)
            .env("DATABASE_URL", database_url)
            .env("REDIS_URL", redis_url)
            .env("HEARTH_ADDR", format!("127.0.0.1:{port}"))
            .env("HEARTH_METRICS_ADDR", "off")
            .env("HEARTH_SEARCH_INDEXER", "false")
            .env_remove("MEILISEARCH_URL")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("hearth starts");
        let base = format!("http://127.0.0.1:{port}");
        crate::helpers::wait_healthy(&base).await;
        Hearth { child, base, data }
    }

    /// SIGKILL: no goodbye to anyone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Hearth {
    fn drop(&mut self) {
        self.kill();
    }
}
