// The dashboard over HTTPS and WSS in headless Debian Chromium (playwright-core, npm):
// a Sightline with http.tls serves the page, Chromium trusts exactly its certificate's
// key (--ignore-certificate-errors-spki-list, as a pinned deployment would), the live
// feed connects over wss:// and the counters reach the exact number of lines sent. A
// plain http:// request to the port is told to use https. Every wait is bounded.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

import { expectText as expectTextOn, freePort, httpsGet, sendLines, Service } from './service.mjs';

const CHROMIUM = '/usr/bin/chromium';
const BIN = process.env.SIGHTLINE_BIN;
const WAIT_MS = 15000;

let service, browser, page, tcpPort, pki, ca;
const socketUrls = [];
const pageErrors = [];

/** A CA and a server certificate for 127.0.0.1 made by the openssl command line. */
function makeCertificates(dir) {
  const openssl = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60000 });
  const p = (name) => path.join(dir, name);
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=test ca', '-keyout', p('ca.key'), '-out', p('ca.pem'));
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=127.0.0.1',
    '-keyout', p('server.key'), '-out', p('server.csr'));
  fs.writeFileSync(p('server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial',
    '-days', '2', '-extfile', p('server.ext'), '-out', p('server.pem'));
  return p;
}

/** base64(SHA-256(SubjectPublicKeyInfo)) of a PEM certificate: what Chromium pins. */
function spkiHash(pemFile) {
  const der = new crypto.X509Certificate(fs.readFileSync(pemFile)).publicKey.export({ type: 'spki', format: 'der' });
  return crypto.createHash('sha256').update(der).digest('base64');
}

/** Waits until the element's text is exactly `expected` (service.mjs, on this page). */
const expectText = (selector, expected, timeout = WAIT_MS) => expectTextOn(page, selector, expected, timeout);

before(async () => {
  assert.ok(BIN, 'SIGHTLINE_BIN must name the built sightline binary');
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (scripts/test.sh does)`);
  const pkiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sl-browser-pki-'));
  pki = makeCertificates(pkiDir);
  ca = fs.readFileSync(pki('ca.pem'));
  tcpPort = await freePort();
  const httpPort = await freePort();
  service = new Service(BIN, {
    sources: [{ type: 'tcp', id: 'tcp_in', listen: `127.0.0.1:${tcpPort}` }],
    processors: [{ type: 'tagger', id: 'tagger' }],
    sinks: [{ type: 'file', id: 'out', path: 'out.log' }],
    trace: { enabled: true, sample: 0.01 },  // as the default configuration has it
    http: { enabled: true, listen: `127.0.0.1:${httpPort}`, push_interval_ms: 200,
      tls: { cert_file: pki('server.pem'), key_file: pki('server.key') } },
  }, { ca });
  await service.start();
  browser = await chromium.launch({
    executablePath: CHROMIUM, timeout: 60000,
    args: ['--no-sandbox', `--ignore-certificate-errors-spki-list=${spkiHash(pki('server.pem'))}`],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(WAIT_MS);
  page.on('websocket', (ws) => socketUrls.push(ws.url()));
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(msg.text());
  });
  await page.goto(service.url, { waitUntil: 'load' });
  await page.waitForSelector('#feed-state[data-state="connected"]');
});

after(async () => {
  await browser?.close();
  await service?.stop().catch(() => {});
  service?.cleanup();
  if (pki) fs.rmSync(path.dirname(pki('ca.pem')), { recursive: true, force: true });
});

test('the page and its live feed come over https and wss', async () => {
  assert.match(page.url(), /^https:\/\/127\.0\.0\.1:\d+\/$/);
  assert.deepEqual(socketUrls, [`wss://127.0.0.1:${service.httpPort}/ws`]);
  await page.waitForSelector('g.node[data-id="tcp_in"]');
  await page.waitForSelector('g.node[data-id="out"]');
});

test('the traces panel says how much is traced and how to trace more', async () => {
  await expectText('#traces-hint', 'tracing 1 % of lines: raise trace.sample (up to 1.0), or run with --trace, to see more');
});

test('counters reach the exact number of lines sent, pushed over wss', async () => {
  const lines = [];
  for (let i = 0; i < 500; i += 1) lines.push(`INFO over https ${i}`);
  await sendLines(tcpPort, lines);
  await expectText('#total-lines', '500');
  await expectText('g.node[data-id="out"] .line-1', 'lines 500');
});

test('the API answers over https, and plain http is told to use https', async () => {
  const stats = JSON.parse((await httpsGet(`${service.url}stats`, ca)).body);
  assert.equal(stats.sources.tcp_in.lines, 500);
  assert.ok(stats.system.http_tls.tls_handshakes >= 2, JSON.stringify(stats.system.http_tls));
  const res = await fetch(`http://127.0.0.1:${service.httpPort}/stats`, { signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 400);
  assert.deepEqual(await res.json(), { error: 'this server speaks HTTPS: use https://' });
});

test('the page logged no errors', () => {
  assert.deepEqual(pageErrors, []);
});
