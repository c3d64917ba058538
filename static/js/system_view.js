// System figures: memory, CPU, descriptors, WebSocket clients, connections per
// source, and dropped lines by reason across sources and stages.

import { byId, clear, h } from './dom.js';
import { bytes, count, rate } from './format.js';

export class SystemView {
  constructor() {
    this.figures = byId('system-figures');
    this.sources = byId('system-sources');
    this.drops = byId('system-drops');
  }

  render(state) {
    const stats = state.stats ?? {};
    const sys = stats.system ?? {};
    const figures = [
      ['RSS', bytes(sys.rss_bytes), 'rss'],
      ['peak RSS', bytes(sys.peak_rss_bytes), 'peak-rss'],
      ['CPU', Number.isFinite(sys.cpu_percent) ? `${sys.cpu_percent.toFixed(0)}%` : '–', 'cpu'],
      ['open files', count(sys.open_fds), 'fds'],
      ['host memory free', bytes(sys.host_memory_available_bytes), 'host-mem'],
      ['WebSocket clients', count(sys.websocket_clients), 'ws-clients'],
    ];
    this.renderRows(this.figures, figures.map(([name, value, key]) => h('div', { class: 'figure', 'data-key': key },
      h('dt', { text: name }), h('dd', { text: value }))));

    const sourceRows = Object.entries(stats.sources ?? {}).map(([id, src]) => h('tr', {},
      h('td', { text: id }), h('td', { text: src.type ?? '' }),
      h('td', { class: 'num', text: count(src.connections_active) }),
      h('td', { class: 'num', text: count(src.connections_accepted) }),
      h('td', { class: 'num', text: count(src.connections_refused) }),
      h('td', { class: 'num', text: rate(src.lines_per_second) })));
    this.renderRows(this.sources, sourceRows);

    const drops = [];
    for (const [kind, list] of [['source', stats.sources], ['stage', stats.processors]]) {
      for (const [id, c] of Object.entries(list ?? {})) {
        for (const [reason, n] of Object.entries(c.dropped_by_reason ?? {})) drops.push([reason, id, kind, n]);
      }
      if (kind === 'source') {
        for (const [id, c] of Object.entries(list ?? {})) {
          if (c.kernel_dropped_datagrams) drops.push(['kernel', id, kind, c.kernel_dropped_datagrams]);
        }
      }
    }
    drops.sort((a, b) => b[3] - a[3]);
    this.renderRows(this.drops, drops.length
      ? drops.map(([reason, id, kind, n]) => h('tr', {}, h('td', { text: reason }), h('td', { text: `${kind} ${id}` }),
        h('td', { class: 'num', text: count(n) })))
      : [h('tr', {}, h('td', { colspan: 3, class: 'empty', text: 'no dropped lines' }))]);
  }

  /** Replaces a small table body or list (a handful of rows, at most once a frame). */
  renderRows(parent, rows) {
    if (parent.childElementCount === rows.length && rows.every((r, i) => r.isEqualNode(parent.children[i]))) return;
    clear(parent);
    parent.append(...rows);
  }
}
