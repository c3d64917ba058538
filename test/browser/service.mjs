// A Sightline process for the browser test: config in a temp dir, fixed ports so a
// restart comes back on the same ones, every wait bounded. Talks to 127.0.0.1 only.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls `fn` until it returns a true value; throws after `timeoutMs`. */
export async function waitFor(fn, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {
      // not yet
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sends `lines` over one TCP connection and waits until it is closed. */
export function sendLines(port, lines, timeoutMs = 20000) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`sending ${lines.length} lines took over ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('error', (err) => { clearTimeout(timer); reject(err); });
    socket.once('connect', () => socket.end(lines.map((l) => `${l}\n`).join('')));
    socket.once('close', () => { clearTimeout(timer); resolve(); });
  });
}

/** Waits until the text of `selector` on `page` is exactly `expected`; says what it was. */
export async function expectText(page, selector, expected, timeout = 15000) {
  try {
    await page.waitForFunction(([sel, want]) => document.querySelector(sel)?.textContent === want,
      [selector, expected], { timeout });
  } catch (err) {
    const got = await page.evaluate((sel) => document.querySelector(sel)?.textContent, selector);
    throw new Error(`${selector}: expected "${expected}", still "${got}" after ${timeout} ms`, { cause: err });
  }
}

/** GET `url` over HTTPS trusting only the PEM `ca`; resolves { status, body }. */
export function httpsGet(url, ca, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.once('timeout', () => req.destroy(new Error(`GET ${url} took over ${timeoutMs} ms`)));
    req.once('error', reject);
  });
}

export class Service {
  /** `ca`: the PEM CA an HTTPS server's certificate (config http.tls) chains to. */
  constructor(bin, config, { ca } = {}) {
    this.bin = bin;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sl-browser-'));
    this.configPath = path.join(this.dir, 'config.json');
    fs.writeFileSync(this.configPath, JSON.stringify(config, null, 2));
    this.httpPort = Number(config.http.listen.split(':').pop());
    this.https = Boolean(config.http.tls);
    this.ca = ca;
    this.process = null;
  }

  get url() {
    return `${this.https ? 'https' : 'http'}://127.0.0.1:${this.httpPort}/`;
  }

  async start(timeoutMs = 20000) {
    this.stderrPath = path.join(this.dir, `stderr-${Date.now()}.log`);
    const stderr = fs.openSync(this.stderrPath, 'w');
    this.process = spawn(this.bin, ['--config', this.configPath, '--log-format', 'json'], {
      cwd: this.dir, stdio: ['ignore', 'ignore', stderr],
    });
    fs.closeSync(stderr);
    this.exited = new Promise((resolve) => this.process.once('exit', (code, signal) => resolve({ code, signal })));
    await waitFor(async () => {
      if (this.process.exitCode !== null) throw new Error(`sightline exited early:\n${this.stderr()}`);
      if (this.https) return (await httpsGet(`${this.url}ready`, this.ca, 1000)).status === 200;
      const res = await fetch(`${this.url}ready`, { signal: AbortSignal.timeout(1000) });
      return res.status === 200;
    }, timeoutMs, 'sightline to be ready').catch((err) => {
      throw new Error(`${err.message}\n${this.stderr()}`);
    });
  }

  stderr() {
    try {
      return fs.readFileSync(this.stderrPath, 'utf8').slice(-2000);
    } catch {
      return '';
    }
  }

  /** SIGTERM and wait for a clean exit; SIGKILL and fail after `timeoutMs`. */
  async stop(timeoutMs = 20000) {
    if (!this.process || this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.kill('SIGTERM');
    const timeout = new Promise((resolve) => setTimeout(() => resolve(null), timeoutMs));
    const result = await Promise.race([this.exited, timeout]);
    if (!result) {
      this.process.kill('SIGKILL');
      await this.exited;
      throw new Error(`sightline did not exit ${timeoutMs} ms after SIGTERM`);
    }
    if (result.code !== 0) throw new Error(`sightline exited with ${result.code ?? result.signal}:\n${this.stderr()}`);
  }

  cleanup() {
    if (this.process && this.process.exitCode === null) this.process.kill('SIGKILL');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
