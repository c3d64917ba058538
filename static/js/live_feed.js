// The one WebSocket to /ws. It reconnects by itself with backoff, and tells its
// state (connecting, connected, reconnecting) and when the last message came, so
// the page can mark its data stale. The page never polls: everything arrives here.

import { reconnectDelay } from './backoff.js';

/** Silence after which a connection that looks open is given up and reopened. */
const DEAD_AFTER_INTERVALS = 10;
const MIN_DEAD_MS = 15000;

export class LiveFeed {
  /**
   * @param {object} handlers onMessage(msg) for each parsed message; onState(state) on
   *   every state change, state = {name, attempt, retryAt}.
   */
  constructor({ onMessage, onState }) {
    this.onMessage = onMessage;
    this.onState = onState;
    this.attempt = 0;
    this.socket = null;
    this.lastMessageAt = 0;
    this.pushIntervalMs = 1000;
    this.state = { name: 'connecting', attempt: 0, retryAt: 0 };
    this.watchdog = setInterval(() => this.checkAlive(), 1000);
  }

  url() {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    // A token (http.token) comes in the page's fragment, which is never sent in requests.
    const token = new URLSearchParams(location.hash.slice(1)).get('token');
    return `${scheme}://${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  }

  start() {
    this.setState({ name: 'connecting', attempt: this.attempt, retryAt: 0 });
    let socket;
    try {
      socket = new WebSocket(this.url());
    } catch (err) {
      console.error('cannot open the live feed', err);
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.addEventListener('open', () => {
      this.attempt = 0;
      this.lastMessageAt = Date.now();
      this.setState({ name: 'connected', attempt: 0, retryAt: 0 });
    });
    socket.addEventListener('message', (event) => {
      this.lastMessageAt = Date.now();
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch {
        console.warn('live feed: a message that is not JSON was ignored');
        return;
      }
      if (msg.type === 'hello' && Number.isFinite(msg.push_interval_ms)) this.pushIntervalMs = msg.push_interval_ms;
      this.onMessage(msg);
    });
    socket.addEventListener('close', () => {
      if (this.socket === socket) this.scheduleReconnect();
    });
  }

  scheduleReconnect() {
    this.socket = null;
    this.attempt += 1;
    const delay = reconnectDelay(this.attempt);
    this.setState({ name: 'reconnecting', attempt: this.attempt, retryAt: Date.now() + delay });
    setTimeout(() => this.start(), delay);
  }

  /** Milliseconds of silence after which shown data counts as stale. */
  staleAfterMs() {
    return Math.max(2000, 3 * this.pushIntervalMs);
  }

  /** True when the data on screen is older than a few pushes should allow. */
  isStale(now = Date.now()) {
    return this.state.name !== 'connected' || now - this.lastMessageAt > this.staleAfterMs();
  }

  checkAlive() {
    const silentFor = Date.now() - this.lastMessageAt;
    const deadAfter = Math.max(MIN_DEAD_MS, DEAD_AFTER_INTERVALS * this.pushIntervalMs);
    if (this.state.name === 'connected' && silentFor > deadAfter) {
      console.warn(`live feed silent for ${silentFor} ms: reconnecting`);
      const socket = this.socket;
      this.scheduleReconnect();  // before close(): its close event is then ignored
      socket?.close();
    }
    this.onState(this.state);  // lets the page refresh countdowns and staleness
  }

  setState(state) {
    this.state = state;
    this.onState(state);
  }
}
