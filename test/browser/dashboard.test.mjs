// The dashboard in headless Debian Chromium (playwright-core, npm): a real Sightline
// is started, lines go in over TCP, and the page must show them without a reload:
// exact counters, a traced line's path, a fault stage's error, attacker-controlled
// markup as plain text, and a reconnect after the server restarts. A screenshot is
// saved under the build directory. Every wait is bounded.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

import { expectText as expectTextOn, freePort, sendLines, Service } from './service.mjs';

const CHROMIUM = '/usr/bin/chromium';
const BIN = process.env.SIGHTLINE_BIN;
const ARTIFACTS = process.env.SIGHTLINE_ARTIFACTS ?? path.join(os.tmpdir(), 'sightline-artifacts');
const WAIT_MS = 15000;
const XSS = '<img src=x onerror=alert(1)>';
const token = Math.random().toString(36).slice(2, 10);  // makes this run's lines unique

let service, browser, page, tcpPort, receiver, forwardPort;
let forwarded = '';  // what the tcp sink "forward" delivered to our receiver
const dialogs = [];
const pageErrors = [];

/** tcp_in -> tagger -> fields (logfmt, kept when it fails) -> fault -> router -> errors_out | rest_out,
 *  and fault -> forward (a tcp sink into a receiver of this test); failures to the dead letter. */
function pipelineConfig(httpPort) {
  return {
    sources: [{ type: 'tcp', id: 'tcp_in', listen: `127.0.0.1:${tcpPort}` }],
    processors: [
      { type: 'tagger', id: 'tagger' },
      { type: 'parse_logfmt', id: 'fields', on_error: 'keep' },
      { type: 'fault', id: 'fault', pattern: 'FAILME', message: 'injected fault', next: ['router', 'forward'] },
      { type: 'tag_router', id: 'router', routes: { error: 'errors_out' }, default: 'rest_out' },
    ],
    sinks: [
      { type: 'file', id: 'errors_out', path: 'errors.log' },
      { type: 'file', id: 'rest_out', path: 'rest.log' },
      { type: 'tcp', id: 'forward', address: `127.0.0.1:${forwardPort}`, batch_timeout_ms: 5 },
    ],
    dead_letter: { path: 'dead_letter.jsonl' },
    http: { enabled: true, listen: `127.0.0.1:${httpPort}`, push_interval_ms: 200 },
    trace: { enabled: true, sample: 1.0, capacity: 5000 },
    errors: { capacity: 1000 },
    alerts: {
      rules: [
        { name: 'AlwaysOn', expr: 'rss_bytes', above: 0, severity: 'info', summary: 'rss {value} bytes' },
        { name: 'FaultFails', expr: 'error_rate', stage: 'fault', above: 0, severity: 'warning',
          summary: '{stage} fails {value:.0%} of lines' },
      ],
    },
  };
}

/** Waits until the element's text is exactly `expected` (service.mjs, on this page). */
const expectText = (selector, expected, timeout = WAIT_MS) => expectTextOn(page, selector, expected, timeout);

const nodeLine = (id, n) => `g.node[data-id="${id}"] .line-${n}`;

before(async () => {
  assert.ok(BIN, 'SIGHTLINE_BIN must name the built sightline binary');
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (scripts/test.sh does)`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  tcpPort = await freePort();
  forwardPort = await freePort();
  receiver = net.createServer((socket) => socket.on('data', (d) => { forwarded += d.toString(); }));
  await new Promise((resolve) => receiver.listen(forwardPort, '127.0.0.1', resolve));
  service = new Service(BIN, pipelineConfig(await freePort()));
  await service.start();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], timeout: 60000 });
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: 'dark' });
  page.setDefaultTimeout(WAIT_MS);
  page.on('dialog', async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  page.on('response', (res) => {
    if (res.status() >= 400) pageErrors.push(`HTTP ${res.status()} for ${res.url()}`);
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(msg.text());  // CSP violations are reported here
  });
  await page.goto(service.url, { waitUntil: 'load' });
  await page.waitForSelector('#feed-state[data-state="connected"]');
});

after(async () => {
  await browser?.close();
  receiver?.close();
  await service?.stop().catch(() => {});
  service?.cleanup();
});

test('the page loads with a CSP that forbids inline scripts, and draws the pipeline from hello', async () => {
  const res = await fetch(service.url);
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  for (const id of ['tcp_in', 'tagger', 'fields', 'fault', 'router', 'errors_out', 'rest_out', 'forward', 'dead_letter']) {
    await page.waitForSelector(`g.node[data-id="${id}"]`);
  }
  await expectText('#health', 'healthy');
  assert.equal(await page.locator('.uplot').count(), 3, 'three charts');
  await expectText('#traces-hint', 'tracing every line');  // trace.sample 1.0 here
});

test('counters reach the exact numbers sent, without a reload', async () => {
  const lines = [];
  for (let i = 0; i < 1000; i += 1) lines.push(i % 10 === 0 ? `ERROR bulk ${i} ${token}` : `INFO bulk ${i} ${token}`);
  await sendLines(tcpPort, lines);
  await expectText('#total-lines', '1,000');
  await expectText(nodeLine('tcp_in', 1), 'lines 1,000');
  await expectText(nodeLine('tagger', 1), 'lines 1,000');
  await expectText(nodeLine('errors_out', 1), 'lines 100');
  await expectText(nodeLine('rest_out', 1), 'lines 900');
  // The network sink: acknowledged (here: taken by the kernel) and nothing left in flight.
  await page.waitForFunction((sel) => / · connected$/.test(document.querySelector(sel)?.textContent ?? ''),
    nodeLine('forward', 0));
  await expectText(nodeLine('forward', 1), 'lines 1,000 · in flight 0');
  assert.equal(forwarded.split('\n').filter((l) => l.endsWith(token)).length, 1000);
  await expectText('#total-errors', '0');
});

test('a traced line appears and its path shows the right stages', async () => {
  const marker = `trace-me-${token}`;
  await sendLines(tcpPort, [`level=info user=bob msg=${marker}`]);
  await page.fill('#traces-text', marker);
  // fault fans out to router and forward: one trace per branch, both with the line's id.
  const rows = page.locator('#traces-list li.trace-row', { hasText: marker });
  await rows.nth(1).waitFor();
  assert.equal(await rows.count(), 2);
  assert.deepEqual((await rows.locator('.outcome').allTextContents()).sort(), ['forward', 'rest_out']);
  const row = rows.filter({ has: page.locator('.outcome', { hasText: 'rest_out' }) });
  await row.first().click();
  await page.waitForSelector('#trace-timeline li.step');
  const stages = await page.$$eval('#trace-timeline li.step', (steps) => steps.map((s) => s.dataset.stage));
  assert.deepEqual(stages, ['tcp_in', 'tagger', 'fields', 'fault', 'router', 'rest_out']);
  const statuses = await page.$$eval('#trace-timeline li.step', (steps) => steps.map((s) => s.dataset.status));
  assert.deepEqual(statuses, ['received', 'emit', 'emit', 'emit', 'route', 'sink']);
  // The parser's step shows the fields it added, each marked as added.
  const fields = await page.$$eval('#trace-timeline li.step[data-stage="fields"] li.field', (items) =>
    items.map((f) => `${f.className}|${f.dataset.field}=${f.querySelector('.field-value')?.textContent ?? ''}`));
  assert.deepEqual(fields, ['field field-added|level=info', 'field field-added|user=bob',
    `field field-added|msg=${marker}`]);
  assert.equal(await page.locator('#trace-timeline li.step[data-stage="fault"] li.field').count(), 0);
  assert.equal(await page.textContent('#trace-timeline .trace-outcome'), 'rest_out');
  await page.fill('#traces-text', '');
  await page.mouse.move(0, 0);  // off the list: hovering pauses it
});

test('an error from the fault stage appears in the error list', async () => {
  await sendLines(tcpPort, [`INFO FAILME first ${token}`]);
  await expectText('#total-errors', '1');
  const group = page.locator('#errors-list li.error-row[data-stage="fault"]');
  await group.waitFor();
  assert.equal(await group.locator('.error-message').textContent(), 'injected fault');
  assert.equal(await group.locator('.error-count').textContent(), '×1');
  await page.selectOption('#errors-stage', 'router');
  await page.waitForSelector('#errors-list li.empty');
  await page.selectOption('#errors-stage', 'fault');
  await group.waitFor();
});

test('markup in a line is shown as literal text and never runs', async () => {
  const passes = `WARN ${XSS} pass-${token}`;
  const fails = `ERROR FAILME ${XSS} fail-${token}`;
  await sendLines(tcpPort, [passes, fails]);
  await expectText('#total-errors', '2');
  const traceRow = page.locator('#traces-list li.trace-row', { hasText: `pass-${token}` });
  await traceRow.first().waitFor();
  assert.equal(await traceRow.first().locator('.content').textContent(), passes);
  const group = page.locator('#errors-list li.error-row[data-stage="fault"]');
  await page.waitForFunction(() => document.querySelector('#errors-list li.error-row[data-stage="fault"] .error-count')?.textContent === '×2');
  assert.equal(await group.locator('.error-line').textContent(), fails);
  await traceRow.first().click();
  await page.waitForSelector('#trace-timeline li.step');
  assert.equal(await page.textContent('#trace-timeline .trace-content'), passes);
  await page.mouse.move(0, 0);
  await page.waitForTimeout(500);  // time for an onerror to fire, if it could
  assert.equal(await page.evaluate(() => document.querySelectorAll('img').length), 0, 'no <img> element was created');
  assert.deepEqual(dialogs, [], 'no dialog opened');
});

test('a node opens its detail with parameters, counters and recent errors', async () => {
  await page.click('g.node[data-id="fault"]');
  const detail = page.locator('#node-detail');
  await detail.waitFor({ state: 'visible' });
  await page.waitForFunction(() => [...document.querySelectorAll('#node-detail .kv tr')]
    .some((tr) => tr.querySelector('th')?.textContent === 'pattern' && tr.querySelector('td')?.textContent === 'FAILME'));
  assert.match(await detail.textContent(), /injected fault/);
  assert.match(await detail.textContent(), /lines_in/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
  await page.click('#node-detail .close');
  await detail.waitFor({ state: 'hidden' });
});

test('alerts show in the header: a standing one, and one the moment it fires', async () => {
  const standing = page.locator('#alerts li.alert-chip[data-alertname="AlwaysOn"]');
  await standing.waitFor();
  assert.equal(await standing.getAttribute('data-state'), 'firing');
  assert.equal(await standing.getAttribute('data-severity'), 'info');
  assert.match(await standing.getAttribute('title'), /^rss \d+ bytes$/);
  // One failing line: error_rate of `fault` is above 0 for one tick, then resolves.
  const seen = page.waitForFunction(() => {
    const chip = document.querySelector('#alerts li.alert-chip[data-alertname="FaultFails"]');
    return chip && chip.dataset.state === 'firing' && chip.textContent === 'FaultFailsstage=fault' && chip.title;
  }, null, { timeout: WAIT_MS, polling: 10 });
  await sendLines(tcpPort, [`INFO FAILME alert ${token}`]);
  assert.match(await (await seen).jsonValue(), /^fault fails \d+% of lines$/);
  await page.waitForFunction(() => !document.querySelector('#alerts li.alert-chip[data-alertname="FaultFails"]'));
});

test('stays within the DOM caps with 1000 traces per tick', async () => {
  // Synthetic frames straight into the page's feed handler: the server pushes at most
  // 200 traces a tick, the page must cope with more.
  const result = await page.evaluate(async () => {
    const { state, feed } = window.sightline;
    const frames = 20;
    const t0 = performance.now();
    let longest = 0;
    for (let f = 0; f < frames; f += 1) {
      const traces = [];
      for (let i = 0; i < 1000; i += 1) {
        traces.push({ line_id: String(1e9 + f * 1000 + i), source: 'tcp_in', original_content: `synthetic ${f}/${i}`,
          path: [{ processor: 'tcp_in', status: 'received', timestamp: new Date().toISOString(), timestamp_unix_us: Date.now() * 1000, duration_us: 0 }],
          route: ['tcp_in'], outcome: 'rest_out' });
      }
      const start = performance.now();
      feed.onMessage({ type: 'trace', seq: state.helloSeq + 1e6 + f, traces });
      await new Promise((r) => requestAnimationFrame(() => r()));
      longest = Math.max(longest, performance.now() - start);
    }
    return { longest, total: performance.now() - t0, rows: document.querySelectorAll('#traces-list li').length, kept: state.traces.length };
  });
  console.log(`1000-trace frames: longest frame ${result.longest.toFixed(1)} ms, 20 frames in ${result.total.toFixed(0)} ms`);
  assert.ok(result.rows <= 100, `rows in the DOM: ${result.rows}`);
  assert.ok(result.kept <= 2000, `traces kept: ${result.kept}`);
  assert.ok(result.longest < 500, `a 1000-trace frame took ${result.longest} ms`);
});

test('is usable at phone width', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `page is ${overflow}px wider than the phone`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-phone.png'), fullPage: false });
  await page.setViewportSize({ width: 1440, height: 1000 });
});

test('reconnects by itself after the server restarts and shows live data again', async () => {
  await service.stop();
  await page.waitForSelector('#feed-state[data-state="reconnecting"]');
  await service.start();
  await page.waitForSelector('#feed-state[data-state="connected"]', { timeout: 30000 });
  await expectText('#total-lines', '0');  // the new process counts from zero
  await sendLines(tcpPort, [`INFO again 1 ${token}`, `INFO again 2 ${token}`, `ERROR again 3 ${token}`]);
  await expectText('#total-lines', '3');
  await expectText(nodeLine('rest_out', 1), 'lines 2');
});

test('a reload redraws the graph in place and says what changed', async () => {
  await page.evaluate(() => { window.beforeReload = true; });
  const cfg = pipelineConfig(service.httpPort);
  cfg.processors.splice(1, 0, { type: 'uppercase', id: 'upper' });  // tagger -> upper -> fields
  fs.writeFileSync(service.configPath, JSON.stringify(cfg, null, 2));
  const res = await fetch(`${service.url.replace(/\/$/, '')}/reload`, { method: 'POST' });
  assert.equal(res.status, 200, await res.text());
  await page.waitForSelector('g.node[data-id="upper"]');
  await page.waitForFunction(() => /^reloaded \d\d:\d\d:\d\d: 1 added, 1 rewired$/.test(
    document.querySelector('#graph-reload')?.textContent ?? ''));
  assert.equal(await page.evaluate(() => window.beforeReload), true, 'the page was not reloaded');
  // The kept stages keep counting; the new one counts what reaches it.
  await sendLines(tcpPort, [`INFO reloaded 1 ${token}`]);
  await expectText(nodeLine('upper', 1), 'lines 1');
  await expectText(nodeLine('tagger', 1), 'lines 4');
});

test('no page script builds markup from strings', () => {
  // Log lines are attacker-controlled: text goes in through textContent only.
  const dir = new URL('../../static/js/', import.meta.url);
  const risky = /\.(inner|outer)HTML\s*=|insertAdjacentHTML\s*\(|document\.write\s*\(|\beval\s*\(|new\s+Function\s*\(/;
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.js'));
  assert.ok(files.length > 5, 'the dashboard modules are there');
  for (const f of files) assert.doesNotMatch(fs.readFileSync(new URL(f, dir), 'utf8'), risky, f);
});

test('no script error and no CSP violation on the page', () => {
  assert.deepEqual(pageErrors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED/.test(e)), []);
});
