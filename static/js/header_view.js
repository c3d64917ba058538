// The header: overall health and why, uptime, throughput, totals, and the state of
// the live feed (connected, reconnecting with its countdown, data gone stale).

import { byId, setText, toggleClass } from './dom.js';
import { count, duration, rate } from './format.js';

export class HeaderView {
  constructor() {
    this.health = byId('health');
    this.reason = byId('health-reason');
    this.uptime = byId('uptime');
    this.rate = byId('total-rate');
    this.lines = byId('total-lines');
    this.errors = byId('total-errors');
    this.feed = byId('feed-state');
    this.reload = byId('graph-reload');
  }

  /** Beside the graph's title: when the configuration was last reloaded, and what changed. */
  renderReload(last) {
    setText(this.reload, last ? reloadSummary(last) : '');
  }

  render(state, feed) {
    const system = state.stats?.system ?? {};
    const status = state.health?.status ?? 'unknown';
    setText(this.health, status);
    this.health.dataset.status = status;
    setText(this.reason, healthReason(state.health));
    setText(this.uptime, duration(system.uptime_s));
    setText(this.rate, rate(system.lines_per_second));
    setText(this.lines, count(system.total_lines));
    setText(this.errors, count(system.total_errors));
    this.renderFeed(feed);
  }

  renderFeed(feed) {
    const now = Date.now();
    const { name, attempt, retryAt } = feed.state;
    let text;
    if (name === 'connected') text = 'live';
    else if (name === 'connecting') text = attempt ? `connecting (attempt ${attempt + 1})` : 'connecting';
    else text = `reconnecting in ${Math.max(0, Math.ceil((retryAt - now) / 1000))} s (attempt ${attempt})`;
    const stale = feed.lastMessageAt > 0 && feed.isStale(now);
    if (stale) text += ` · data ${Math.round((now - feed.lastMessageAt) / 1000)} s old`;
    setText(this.feed, text);
    this.feed.dataset.state = name;
    toggleClass(document.body, 'stale', stale);
  }
}

/** "reloaded 18:02:11: 1 added, 1 changed, 2 removed" (or "no change"). */
export function reloadSummary({ at, changes }) {
  const parts = [];
  for (const kind of ['added', 'changed', 'rewired', 'removed']) {
    const n = changes?.[kind]?.length ?? 0;
    if (n) parts.push(`${n} ${kind}`);
  }
  const time = new Date(at).toLocaleTimeString([], { hour12: false });
  return `reloaded ${time}: ${parts.length ? parts.join(', ') : 'no change'}`;
}

/** Why the service is not healthy: the components that are not, worst first. */
export function healthReason(health) {
  const bad = Object.entries(health?.components ?? {})
    .filter(([, c]) => c.status !== 'healthy')
    .sort(([, a], [, b]) => (a.status === 'unhealthy' ? 0 : 1) - (b.status === 'unhealthy' ? 0 : 1));
  if (!bad.length) return health ? 'all components healthy' : '';
  const shown = bad.slice(0, 3).map(([id, c]) => `${id}: ${c.reason || c.status}`);
  return shown.join('; ') + (bad.length > 3 ? ` (+${bad.length - 3} more)` : '');
}
