// N idle WebSocket connections (MODE=conn: connection_init only; MODE=sub: one subscription each); prints RSS deltas.
import WebSocket from 'ws';
import { readFileSync } from 'node:fs';
const base = 'http://127.0.0.1:8080', pid = process.env.PID, N = Number(process.env.N || 1000), MODE = process.env.MODE || 'sub';
const rss = () => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);
const gql = async (q, v, t) => (await (await fetch(base + '/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...(t ? { authorization: 'Bearer ' + t } : {}) }, body: JSON.stringify({ query: q, variables: v }) })).json()).data;
const toks = [];
for (let i = 1; i <= 9; i++) toks.push((await gql('mutation($h: String!, $p: String!) { login(input: {handle: $h, password: $p}) { accessToken } }', { h: `g0-m${i}`, p: process.env.PW })).login.accessToken);
const tid = (await gql('{ viewer { groups(first: 1) { nodes { threads(first: 1) { nodes { id } } } } } }', {}, toks[0])).viewer.groups.nodes[0].threads.nodes[0].id;
const before = rss();
const socks = [];
for (let i = 0; i < N; i++) {
  const ws = new WebSocket(base.replace('http', 'ws') + '/graphql', 'graphql-transport-ws');
  await new Promise((r) => ws.on('open', r));
  ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer ' + toks[i % 9] } }));
  await new Promise((r) => ws.once('message', r));
  ws.on('message', (m) => { const v = JSON.parse(m); if (v.type === 'ping') ws.send('{"type":"pong"}'); });
  if (MODE === 'sub') ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription($t: ID!, $a: String) { threadEvents(threadId: $t, after: $a) { cursor kind occurredAt post { id } } }', variables: { t: tid } } }));
  socks.push(ws);
}
await new Promise((r) => setTimeout(r, 3000));
const after = rss();
console.log(`${MODE}: ${N} connections, RSS ${before} -> ${after} KiB, ${((after - before) / N).toFixed(2)} KiB each`);
socks.forEach((s) => s.close());
await new Promise((r) => setTimeout(r, 1000));
process.exit(0);
