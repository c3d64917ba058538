// The detail of the selected graph node: what it is, its parameters (from the
// pipeline in the hello), counters, latency percentiles, health, circuit, and its
// recent errors and traces.

import { byId, clear, h } from './dom.js';
import { clock, count, micros } from './format.js';

const RECENT = 5;

export class NodeDetailView {
  constructor({ onClose, onTrace }) {
    this.box = byId('node-detail');
    this.onClose = onClose;
    this.onTrace = onTrace;
    this.id = '';
    // Frozen while the pointer is on it, so a redraw never swallows a click.
    this.hovered = false;
    this.box.addEventListener('mouseenter', () => { this.hovered = true; });
    this.box.addEventListener('mouseleave', () => { this.hovered = false; });
  }

  select(id) {
    this.id = id;
  }

  render(state, { force = false } = {}) {
    if (this.hovered && !force) return;
    if (!this.id) {
      this.box.hidden = true;
      return;
    }
    // A fresh panel each time it is drawn: redraws come at most once a frame, and only
    // while a node is selected, so a few dozen elements per frame are cheap.
    const focused = this.box.contains(document.activeElement);
    clear(this.box);
    this.box.hidden = false;
    const stage = state.pipeline.stages.find((st) => st.id === this.id) ?? { id: this.id, kind: 'sink', type: this.id, params: {} };
    const stats = state.stats ?? {};
    const figures = stats.processors?.[this.id] ?? stats.sources?.[this.id] ?? stats.sinks?.[this.id] ?? {};
    const health = state.health?.components?.[this.id];
    const close = h('button', { type: 'button', class: 'close', 'aria-label': 'close detail', text: '×' });
    close.addEventListener('click', () => this.onClose());
    // Through h(): it skips the null parts (Element.append would print "null").
    this.box.append(...h('div', {},
      h('header', {}, h('h3', { text: stage.id }), close),
      h('p', { class: 'detail-kind', text: `${stage.kind} · ${stage.type}` }),
      stage.description ? h('p', { class: 'detail-description', text: stage.description }) : null,
      health ? h('p', { class: `detail-health status-${health.status}`, text: `${health.status}${health.reason ? `: ${health.reason}` : ''}` }) : null,
      state.circuits[this.id] ? h('p', { class: 'detail-circuit', text: `circuit ${state.circuits[this.id]}` }) : null,
      section('parameters', table(Object.entries(stage.params ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]))),
      section('counters', table(Object.entries(figures)
        .filter(([, v]) => typeof v === 'number')
        .map(([k, v]) => [k, Number.isInteger(v) ? count(v) : v.toFixed(3)]))),
      figures.latency_us ? section('latency', table(Object.entries(figures.latency_us).map(([k, v]) => [k, micros(v)]))) : null,
      section('recent errors', this.recentErrors(state)),
      section('recent traces', this.recentTraces(state))).childNodes);
    if (focused) close.focus();
  }

  recentErrors(state) {
    const mine = [];
    for (const e of state.recentErrors) {
      if (mine.length >= RECENT) break;
      if (e.processor === this.id) mine.push(e);
    }
    if (!mine.length) return h('p', { class: 'empty', text: 'none' });
    return h('ul', { class: 'detail-list' },
      mine.map((e) => h('li', {}, h('span', { class: 'when', text: clock(e.timestamp) }), ` ${e.message}: `,
        h('span', { class: 'error-line', text: e.line ?? '' }))));
  }

  recentTraces(state) {
    const mine = [];
    for (const t of state.traces) {
      if (mine.length >= RECENT) break;
      if (t.path?.some((st) => st.processor === this.id)) mine.push(t);
    }
    if (!mine.length) return h('p', { class: 'empty', text: 'none' });
    return h('ul', { class: 'detail-list' }, mine.map((t) => {
      const item = h('li', {}, h('button', { type: 'button', class: 'link', text: `${t.line_id} → ${t.outcome}` }),
        ' ', h('span', { class: 'content', text: t.original_content ?? '' }));
      item.querySelector('button').addEventListener('click', () => this.onTrace(t));
      return item;
    }));
  }
}

function section(title, body) {
  return h('section', { class: 'detail-section' }, h('h4', { text: title }), body);
}

function table(rows) {
  if (!rows.length) return h('p', { class: 'empty', text: 'none' });
  return h('table', { class: 'kv' }, h('tbody', {}, rows.map(([k, v]) => h('tr', {}, h('th', { text: k }), h('td', { text: v })))));
}
