// Active alerts in the header, firing first, the moment an `alert` message arrives.
// Summaries and labels come from the server and go in as text only.

import { byId, clear, h } from './dom.js';

/** Chips shown before "+N more". */
const MAX_SHOWN = 6;

const rank = { firing: 0, pending: 1 };
const severityRank = { critical: 0, warning: 1, info: 2 };

export class AlertsView {
  constructor() {
    this.list = byId('alerts');
    this.key = '';
  }

  render(alerts) {
    const sorted = [...alerts].sort((a, b) =>
      (rank[a.state] ?? 2) - (rank[b.state] ?? 2)
      || (severityRank[a.labels?.severity] ?? 3) - (severityRank[b.labels?.severity] ?? 3));
    const key = JSON.stringify(sorted.map((a) => [a.state, a.labels, a.annotations?.summary]));
    if (key === this.key) return;  // redraw only on change
    this.key = key;
    clear(this.list);
    this.list.hidden = sorted.length === 0;
    for (const a of sorted.slice(0, MAX_SHOWN)) {
      const labels = Object.entries(a.labels ?? {})
        .filter(([k]) => k !== 'alertname' && k !== 'severity')
        .map(([k, v]) => `${k}=${v}`).join(' ');
      this.list.append(h('li', {
        class: 'alert-chip',
        'data-state': a.state,
        'data-severity': a.labels?.severity ?? '',
        'data-alertname': a.labels?.alertname ?? '',
        title: a.annotations?.summary ?? '',
      }, h('span', { class: 'alert-name', text: a.labels?.alertname ?? 'alert' }),
      labels ? h('span', { class: 'alert-labels', text: labels }) : null,
      a.state === 'pending' ? h('span', { class: 'alert-labels', text: '(pending)' }) : null));
    }
    if (sorted.length > MAX_SHOWN) this.list.append(h('li', { class: 'alert-more', text: `+${sorted.length - MAX_SHOWN} more` }));
  }
}
