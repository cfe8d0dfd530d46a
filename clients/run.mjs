// Runs Hearth with the clients integrators use, each through a short
// scripted session (register, join, post, receive a live event, resume
// after missing some), then GraphiQL in headless Chromium. Exits non-zero
// on the first failure. Needs HEARTH_BIN, and CHROMIUM for the browser.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import WebSocket from 'ws';
import { createClient as wsClient } from 'graphql-ws';
import { Client as UrqlClient, fetchExchange, subscriptionExchange } from '@urql/core';
import { startHearth, scene, register, gql, collect, check, sleep, REGISTER, JOIN, POST, EVENTS } from './lib.mjs';
import { graphiql } from './graphiql.mjs';

const require = createRequire(import.meta.url);
const { ApolloClient, InMemoryCache, HttpLink, split, gql: parse } = require('@apollo/client/core');
const { GraphQLWsLink } = require('@apollo/client/link/subscriptions');
const { createPersistedQueryLink } = require('@apollo/client/link/persisted-queries');
const { getMainDefinition } = require('@apollo/client/utilities');
const { SubscriptionClient } = require('subscriptions-transport-ws');

const sha256 = (q) => createHash('sha256').update(q).digest('hex');

/** The scripted session, through `make(token)`: a client adapter. */
async function scripted(h, tag, make, { registerWith = 'client' } = {}) {
  const s = await scene(h, tag);
  let token;
  if (registerWith === 'client') {
    const anon = make(null);
    const d = await anon.mutate(REGISTER, { h: `${tag}-m` });
    token = d.register.accessToken;
    anon.close();
  } else {
    token = (await register(h.base, `${tag}-m`)).token;
  }
  const c = make(token);
  const joined = await c.mutate(JOIN, { c: s.code });
  check(joined.joinGroup.role === 'MEMBER', `${tag}: joined`);
  const live = collect((next, fail) => c.subscribe(EVENTS, { t: s.tid }, next, fail), 1);
  // A live subscription without a cursor sees only what commits after the
  // server has opened it, and nothing tells the client when that is.
  await sleep(1000);
  const posted = await c.mutate(POST, { t: s.tid, b: `${tag}: hello` });
  check(posted.createPost.body === `${tag}: hello`, `${tag}: posted`);
  const [first] = await live;
  check(first.threadEvents.kind === 'POST_CREATED', `${tag}: a live POST_CREATED`);
  check(first.threadEvents.post.body === `${tag}: hello`, `${tag}: the live event carries the post`);
  // Away for a while: two posts are missed, then replayed from the cursor.
  for (const b of ['missed 1', 'missed 2']) {
    await gql(h.base, s.f.token, POST, { t: s.tid, b });
  }
  const resumed = await collect(
    (next, fail) => c.subscribe(EVENTS, { t: s.tid, a: first.threadEvents.cursor }, next, fail),
    2,
  );
  check(
    JSON.stringify(resumed.map((e) => e.threadEvents.post.body)) === JSON.stringify(['missed 1', 'missed 2']),
    `${tag}: resumed exactly the missed events, in order`,
  );
  c.close();
  return token;
}

function apollo(h, requests) {
  return (token) => {
    const headers = token ? { authorization: `Bearer ${token}` } : {};
    const fetchLogged = (url, init) => {
      requests.push({ method: init?.method ?? 'GET', url: String(url), body: init?.body });
      return fetch(url, init);
    };
    const ws = wsClient({ url: h.ws, webSocketImpl: WebSocket, lazy: true, connectionParams: headers.authorization ? { Authorization: headers.authorization } : {} });
    const http = createPersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
      new HttpLink({ uri: `${h.base}/graphql`, headers, fetch: fetchLogged }),
    );
    const link = split(
      ({ query }) => {
        const d = getMainDefinition(query);
        return d.kind === 'OperationDefinition' && d.operation === 'subscription';
      },
      new GraphQLWsLink(ws),
      http,
    );
    const client = new ApolloClient({ link, cache: new InMemoryCache() });
    return {
      client,
      mutate: async (q, variables) => (await client.mutate({ mutation: parse(q), variables })).data,
      query: async (q, variables) => (await client.query({ query: parse(q), variables, fetchPolicy: 'network-only' })).data,
      subscribe: (q, variables, next, fail) => {
        const sub = client.subscribe({ query: parse(q), variables }).subscribe({
          next: (r) => (r.errors ? fail(r.errors) : next(r.data)),
          error: fail,
        });
        return () => sub.unsubscribe();
      },
      close: () => {
        client.stop();
        ws.dispose();
      },
    };
  };
}

function urql(h) {
  return (token) => {
    const headers = token ? { authorization: `Bearer ${token}` } : {};
    const ws = wsClient({ url: h.ws, webSocketImpl: WebSocket, lazy: true, connectionParams: headers.authorization ? { Authorization: headers.authorization } : {} });
    const client = new UrqlClient({
      url: `${h.base}/graphql`,
      fetchOptions: { headers },
      requestPolicy: 'network-only',
      exchanges: [
        fetchExchange,
        subscriptionExchange({
          forwardSubscription(request) {
            const input = { ...request, query: request.query || '' };
            return {
              subscribe(sink) {
                return { unsubscribe: ws.subscribe(input, sink) };
              },
            };
          },
        }),
      ],
    });
    return {
      mutate: async (q, variables) => {
        const r = await client.mutation(q, variables).toPromise();
        if (r.error) throw r.error;
        return r.data;
      },
      subscribe: (q, variables, next, fail) => {
        const { unsubscribe } = client.subscription(q, variables).subscribe((r) => (r.error ? fail(r.error) : next(r.data)));
        return unsubscribe;
      },
      close: () => ws.dispose(),
    };
  };
}

/**
 * graphql-ws over `graphql-transport-ws`: every operation on the socket.
 * Lazy, so the socket closes after each lone operation; `closes` gets each
 * close code the client saw.
 */
function transportWs(h, closes) {
  return (token) => {
    const ws = wsClient({
      url: h.ws,
      webSocketImpl: WebSocket,
      lazy: true,
      connectionParams: { Authorization: `Bearer ${token}` },
      on: { closed: (e) => closes.push(e.code) },
    });
    const once = (query, variables) =>
      new Promise((resolve, reject) => {
        let data;
        ws.subscribe({ query, variables }, {
          next: (r) => (r.errors ? reject(new Error(JSON.stringify(r.errors))) : (data = r.data)),
          error: reject,
          complete: () => resolve(data),
        });
      });
    return {
      mutate: once,
      subscribe: (query, variables, next, fail) =>
        ws.subscribe({ query, variables }, { next: (r) => (r.errors ? fail(r.errors) : next(r.data)), error: fail, complete: () => {} }),
      close: () => ws.dispose(),
    };
  };
}

/** The older `graphql-ws` protocol, as subscriptions-transport-ws speaks it. */
function legacyWs(h) {
  return (token) => {
    const client = new SubscriptionClient(h.ws, { reconnect: false, lazy: true, connectionParams: { Authorization: `Bearer ${token}` } }, WebSocket);
    const once = (query, variables) =>
      new Promise((resolve, reject) => {
        let data;
        client.request({ query, variables }).subscribe({
          next: (r) => (r.errors ? reject(new Error(JSON.stringify(r.errors))) : (data = r.data)),
          error: (e) => reject(e instanceof Error ? e : new Error(JSON.stringify(e))),
          complete: () => resolve(data),
        });
      });
    return {
      mutate: once,
      subscribe: (query, variables, next, fail) => {
        const sub = client.request({ query, variables }).subscribe({
          next: (r) => (r.errors ? fail(r.errors) : next(r.data)),
          error: fail,
        });
        return () => sub.unsubscribe();
      },
      close: () => client.close(),
    };
  };
}

async function main() {
  const h = await startHearth();
  let passed = 0;
  let failed = 0;
  const run = async (name, f) => {
    try {
      await f();
      passed++;
      console.log(`ok   ${name}`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${name}: ${e.stack ?? e}`);
    }
  };
  try {
    await run('Apollo Client: HTTP, persisted queries (GET for hashed ones), graphql-ws link', async () => {
      const requests = [];
      const make = apollo(h, requests);
      const token = await scripted(h, 'apollo', make);
      // A query twice: the first registers its hash, the second is sent
      // as the hash alone, with GET.
      const c = make(token);
      for (let i = 0; i < 2; i++) {
        const d = await c.query('query Me { viewer { handle } }');
        check(d.viewer.handle === 'apollo-m', 'the persisted query answers');
      }
      c.close();
      const hashedOnly = requests.filter((r) => r.method === 'GET' && r.url.includes('persistedQuery') && !/[?&]query=/.test(r.url));
      check(hashedOnly.length >= 2, `hashed-only GET requests were sent (${hashedOnly.length})`);
    });
    await run('urql with its subscription exchange', () => scripted(h, 'urql', urql(h)));
    await run('graphql-ws client, graphql-transport-ws protocol', async () => {
      const closes = [];
      await scripted(h, 'gqlws', transportWs(h, closes), { registerWith: 'fetch' });
      // Any other code than 1000 makes graphql-ws reconnect after a back-off.
      check(closes.length > 0 && closes.every((c) => c === 1000), `every close was normal (${closes})`);
    });
    await run('subscriptions-transport-ws client, legacy graphql-ws protocol', () => scripted(h, 'legacy', legacyWs(h), { registerWith: 'fetch' }));
    await run('GraphiQL in headless Chromium, nothing from another origin', () => graphiql(h));
  } finally {
    h.stop();
  }
  // The line CI adds up with the other suites'.
  console.log(`${passed} passed, ${failed} failed`);
  if (failed) process.exit(1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
