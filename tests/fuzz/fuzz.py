"""GraphQL fuzzing of a running Hearth, as an admin, with hypothesis-graphql.

Generates valid operations (queries and mutations from schema.graphql) and
invalid ones (one schema violation each), with real IDs of the seeded
objects mixed among garbage, and checks what every client must always get:
no HTTP 5xx, no INTERNAL error, an `extensions.code` on every error, and a
server that still answers afterwards. Prints the server's resident memory
before and after.

    python3 tests/fuzz/fuzz.py --binary target/debug/hearth --examples 5000
"""

import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes
from hypothesis_graphql import strategies as gql

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(base, query, variables=None, token=None, timeout=30):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    req = urllib.request.Request(
        f"{base}/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def data(base, query, variables=None, token=None):
    status, raw = post(base, query, variables, token)
    v = json.loads(raw)
    if status != 200 or v.get("errors"):
        raise SystemExit(f"setup failed: {status} {raw[:500]!r}")
    return v["data"]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--examples", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=20261127)
    args = ap.parse_args()

    schema = open(os.path.join(ROOT, "schema.graphql")).read()
    data_dir = tempfile.mkdtemp(prefix="hearth-fuzz-")
    port, metrics = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    for k in ("DATABASE_URL", "REDIS_URL", "MEILISEARCH_URL"):
        env.pop(k, None)
    env.update(
        HEARTH_DATA_DIR=data_dir,
        HEARTH_ADDR=f"127.0.0.1:{port}",
        HEARTH_METRICS_ADDR=f"127.0.0.1:{metrics}",
        RUST_LOG="warn",
    )
    log = open(os.path.join(data_dir, "server.log"), "w")
    server = subprocess.Popen([args.binary, "serve"], env=env, stdout=log, stderr=log)
    failures = []
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        else:
            raise SystemExit("hearth did not start")

        # Real objects to aim at.
        reg = "mutation($h: String!) { register(input: {handle: $h, displayName: $h, password: \"correct horse battery\"}) { accessToken viewer { user { id } } } }"
        admin = data(base, reg, {"h": "fuzz-admin"})["register"]
        member = data(base, reg, {"h": "fuzz-member"})["register"]
        subprocess.run(
            [args.binary, "user", "set-role", "--handle", "fuzz-admin", "--role", "admin"],
            env=env, check=True, stdout=subprocess.DEVNULL,
        )
        token = admin["accessToken"]
        gid = data(base, 'mutation { createGroup(input: {name: "Fuzz"}) { id } }', token=token)["createGroup"]["id"]
        code = data(base, "mutation($g: ID!) { createInvite(input: {groupId: $g, maxUses: 5}) { code } }", {"g": gid}, token)["createInvite"]["code"]
        data(base, "mutation($c: String!) { joinGroup(code: $c) { role } }", {"c": code}, member["accessToken"])
        t = data(base, 'mutation($g: ID!) { createThread(input: {groupId: $g, title: "T", body: "Opening words"}) { id posts(first: 1) { nodes { id } } } }', {"g": gid}, token)["createThread"]
        pid = data(base, 'mutation($t: ID!) { createPost(input: {threadId: $t, body: "a reply"}) { id } }', {"t": t["id"]}, member["accessToken"])["createPost"]["id"]
        flag = data(base, "mutation($p: ID!) { flagPost(input: {postId: $p, reason: OTHER}) { id } }", {"p": pid}, token)["flagPost"]["id"]
        ids = [gid, t["id"], t["posts"]["nodes"][0]["id"], pid, flag, admin["viewer"]["user"]["id"], member["viewer"]["user"]["id"]]
        rng = random.Random(args.seed)

        def aim(query):
            # Most ID literals become real IDs, the rest stay garbage.
            return re.sub(
                r'(\b\w*[iI]ds?\s*:\s*)"(?:[^"\\]|\\.)*"',
                lambda m: m.group(1) + (json.dumps(rng.choice(ids)) if rng.random() < 0.7 else m.group(0)[len(m.group(1)):]),
                query,
            )

        scalars = {
            "DateTime": st.datetimes().map(lambda d: nodes.String(d.isoformat() + "Z"))
            | st.text(max_size=20).map(nodes.String),
        }
        valid = gql.from_schema(schema, custom_scalars=scalars)
        invalid = gql.from_schema(schema, custom_scalars=scalars, mode=gql.Mode.NEGATIVE)
        rss_before = rss_kib(server.pid)
        counts = {"sent": 0, "errors": 0}

        @settings(
            max_examples=args.examples,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(st.one_of(valid, valid, invalid))
        def one(query):
            q = aim(query)
            status, raw = post(base, q, token=token)
            counts["sent"] += 1
            if status >= 500:
                failures.append(f"HTTP {status} for {q[:300]}: {raw[:300]!r}")
                return
            try:
                v = json.loads(raw)
            except ValueError:
                failures.append(f"not JSON ({status}) for {q[:300]}: {raw[:300]!r}")
                return
            for e in v.get("errors") or []:
                counts["errors"] += 1
                code = (e.get("extensions") or {}).get("code")
                if not code:
                    failures.append(f"no extensions.code for {q[:300]}: {e}")
                elif code == "INTERNAL":
                    failures.append(f"INTERNAL for {q[:300]}: {e}")

        one()
        alive = data(base, "{ viewer { handle } }", token=token)["viewer"]["handle"] == "fuzz-admin"
        rss_after = rss_kib(server.pid)
        print(
            f"fuzz: {counts['sent']} operations ({counts['errors']} errors, all with a code), "
            f"server {'alive' if alive else 'DEAD'}; RSS {rss_before} KiB before, {rss_after} KiB after"
        )
        if not alive:
            failures.append("the server does not answer after fuzzing")
        if counts["sent"] < args.examples:
            failures.append(f"only {counts['sent']} operations were sent")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(data_dir, ignore_errors=True)
    for f in failures[:20]:
        print("FAIL:", f)
    print(f"{1 if not failures else 0} passed, {1 if failures else 0} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
