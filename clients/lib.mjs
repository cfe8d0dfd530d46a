// Shared by the client scenarios: a Hearth process of its own, and the
// few plain requests that set a scene (a facilitator, a group, a thread).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';

export function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Starts `hearth serve` on SQLite in a fresh directory. */
export async function startHearth() {
  const bin = process.env.HEARTH_BIN;
  check(bin, 'HEARTH_BIN names the hearth binary');
  const dir = mkdtempSync(join(tmpdir(), 'hearth-clients-'));
  const port = await freePort();
  const env = {
    ...process.env,
    HEARTH_DATA_DIR: dir,
    HEARTH_ADDR: `127.0.0.1:${port}`,
    HEARTH_METRICS_ADDR: 'off',
    RUST_LOG: 'warn',
    // One client address registers every scenario's people.
    HEARTH_LIMIT_REGISTER_ADDRESS: '1000/1h',
    DATABASE_URL: '',
    REDIS_URL: '',
    MEILISEARCH_URL: '',
  };
  for (const k of ['DATABASE_URL', 'REDIS_URL', 'MEILISEARCH_URL']) delete env[k];
  const child = spawn(bin, ['serve'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  check((await fetch(`${base}/healthz`)).ok, 'hearth is up');
  const setRole = (handle, role) =>
    execFileSync(bin, ['user', 'set-role', '--handle', handle, '--role', role], { env, stdio: 'pipe' });
  return { base, ws: base.replace('http', 'ws') + '/graphql', setRole, stop: () => child.kill('SIGKILL') };
}

export async function gql(base, token, query, variables = {}) {
  const r = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await r.json();
  if (body.errors) throw new Error(`${query}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

export const REGISTER = 'mutation($h: String!) { register(input: {handle: $h, displayName: $h, password: "correct horse battery"}) { accessToken viewer { user { id } } } }';
export const JOIN = 'mutation($c: String!) { joinGroup(code: $c) { role } }';
export const POST = 'mutation($t: ID!, $b: String!) { createPost(input: {threadId: $t, body: $b}) { id body } }';
export const EVENTS = 'subscription($t: ID!, $a: String) { threadEvents(threadId: $t, after: $a) { cursor kind post { body } } }';

export async function register(base, handle) {
  const d = await gql(base, null, REGISTER, { h: handle });
  return { token: d.register.accessToken, id: d.register.viewer.user.id, handle };
}

/** A facilitator, their group, an invite code and a thread. */
export async function scene(h, tag) {
  const f = await register(h.base, `${tag}-f`);
  h.setRole(f.handle, 'facilitator');
  const g = await gql(h.base, f.token, 'mutation($n: String!) { createGroup(input: {name: $n}) { id } }', { n: `${tag} group` });
  const gid = g.createGroup.id;
  const inv = await gql(h.base, f.token, 'mutation($g: ID!) { createInvite(input: {groupId: $g, maxUses: 5}) { code } }', { g: gid });
  const t = await gql(h.base, f.token, 'mutation($g: ID!) { createThread(input: {groupId: $g, title: "Week", body: "Opening"}) { id } }', { g: gid });
  return { f, gid, code: inv.createInvite.code, tid: t.createThread.id };
}

/** Collects `n` values from a push-based subscription, or fails after `ms`. */
export function collect(subscribe, n, ms = 10000) {
  return new Promise((resolve, reject) => {
    const got = [];
    let stop = () => {};
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out after ${got.length} of ${n} events`));
    }, ms);
    stop = subscribe((value) => {
      got.push(value);
      if (got.length === n) {
        clearTimeout(timer);
        stop();
        resolve(got);
      }
    }, (err) => {
      clearTimeout(timer);
      reject(err instanceof Error ? err : new Error(JSON.stringify(err)));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
