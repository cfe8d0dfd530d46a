// GraphiQL as an admin's browser sees it: headless Chromium loads `/`,
// any request to another origin is refused and fails the run, a query
// runs with an access token set in the headers pane, and a screenshot
// goes to target/graphiql.png.
import puppeteer from 'puppeteer-core';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register, check, scene, gql, JOIN, sleep } from './lib.mjs';

export async function graphiql(h) {
  const m = await register(h.base, 'browser-user');
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 800 });
    const foreign = [];
    const problems = [];
    await page.setRequestInterception(true);
    page.on('request', (r) => {
      const u = r.url();
      if (u.startsWith(h.base) || u.startsWith('data:') || u.startsWith('blob:')) {
        r.continue();
      } else {
        foreign.push(u);
        r.abort();
      }
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (msg) => {
      if (/Content Security Policy|Refused to/.test(msg.text())) problems.push(msg.text());
    });
    const resp = await page.goto(`${h.base}/`, { waitUntil: 'networkidle0' });
    check(resp.ok(), 'GET / answers');
    check(/default-src 'none'/.test(resp.headers()['content-security-policy'] ?? ''), 'the page has a Content-Security-Policy');
    await page.waitForSelector('.graphiql-container', { timeout: 15000 });
    // Type as a user would: the query, then the token in the headers pane
    // (init.js opens it; the variables editor beside it is hidden).
    await page.evaluate(() => {
      document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue('{ viewer { handle } }');
    });
    let headers = null;
    for (const el of await page.$$('.graphiql-editor-tool .CodeMirror')) {
      const box = await el.boundingBox();
      if (box && box.width > 0 && box.height > 0) headers = el;
    }
    check(headers, 'the headers editor is visible');
    await headers.click();
    await page.keyboard.type(`{"Authorization": "Bearer ${m.token}"}`);
    await page.click('.graphiql-execute-button');
    const shot = join(dirname(fileURLToPath(import.meta.url)), '..', 'target', 'graphiql.png');
    mkdirSync(dirname(shot), { recursive: true });
    try {
      await page.waitForFunction(
        () => document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue().includes('browser-user'),
        { timeout: 15000 },
      );
    } catch (e) {
      await page.screenshot({ path: shot });
      const response = await page.evaluate(() => document.querySelector('.graphiql-response')?.innerText);
      throw new Error(`no result in GraphiQL (${response}); problems: ${problems.join(' | ')}; foreign: ${foreign.join(', ')}`);
    }
    await page.screenshot({ path: shot });

    // A subscription, over the same /graphql endpoint's WebSocket: the
    // member's notifications, one arriving when a thread starts in their group.
    const s = await scene(h, 'browser');
    await gql(h.base, m.token, JOIN, { c: s.code });
    await page.evaluate(() => {
      document
        .querySelector('.graphiql-query-editor .CodeMirror')
        .CodeMirror.setValue('subscription { notificationEvents { notification { kind } } }');
    });
    // GraphiQL reparses the editor after a pause in typing.
    await sleep(1000);
    await page.click('.graphiql-execute-button');
    await sleep(1500);
    await gql(h.base, s.f.token, 'mutation($g: ID!) { createThread(input: {groupId: $g, title: "Hello", body: "Welcome"}) { id } }', { g: s.gid });
    try {
      await page.waitForFunction(
        () => document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue().includes('NEW_THREAD'),
        { timeout: 15000 },
      );
    } catch (e) {
      const response = await page.evaluate(() => document.querySelector('.graphiql-response')?.innerText);
      throw new Error(`no live event in GraphiQL (${response}); problems: ${problems.join(' | ')}`);
    }
    check(foreign.length === 0, `no request left the origin: ${foreign.join(', ')}`);
    check(problems.length === 0, `no page errors or CSP violations: ${problems.join(' | ')}`);
  } finally {
    await browser.close();
  }
}
