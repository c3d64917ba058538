// Live traces, newest first. The list holds at most MAX_ROWS rows; rows are keyed and
// reused (a trace never changes), so a busy tick only builds the new ones. Hovering
// the list or the pause button freezes it; a click selects a trace for the timeline.

import { byId, h, setText, toggleClass } from './dom.js';
import { clock, lostNote } from './format.js';
import { setOptions } from './select_options.js';
import { STEP_STATUSES, traceMatches } from './trace_filter.js';

export const MAX_ROWS = 100;

export class TracesView {
  constructor({ onChange, onSelect }) {
    this.list = byId('traces-list');
    this.pauseButton = byId('traces-pause');
    this.stage = byId('traces-stage');
    this.status = byId('traces-status');
    this.text = byId('traces-text');
    this.summary = byId('traces-count');
    this.hint = byId('traces-hint');
    this.onSelect = onSelect;
    this.rows = new Map();  // trace key -> row element
    this.pausedByButton = false;
    this.pausedByHover = false;
    this.shown = [];
    this.selectedKey = '';
    setOptions(this.status, STEP_STATUSES, 'any status');
    this.pauseButton.addEventListener('click', () => {
      this.pausedByButton = !this.pausedByButton;
      onChange();
    });
    this.list.addEventListener('mouseenter', () => { this.pausedByHover = true; onChange(); });
    this.list.addEventListener('mouseleave', () => { this.pausedByHover = false; onChange(); });
    for (const input of [this.stage, this.status, this.text]) input.addEventListener('input', onChange);
    this.list.addEventListener('click', (e) => this.pick(e));
    this.list.addEventListener('keydown', (e) => { if (e.key === 'Enter') this.pick(e); });
  }

  get paused() {
    return this.pausedByButton || this.pausedByHover;
  }

  pick(event) {
    const row = event.target.closest('li[data-key]');
    if (!row) return;
    this.selectedKey = row.dataset.key;
    this.onSelect(this.shown.find((t) => t.key === this.selectedKey) ?? null);
    for (const r of this.list.children) toggleClass(r, 'selected', r.dataset.key === this.selectedKey);
  }

  render(state) {
    setText(this.hint, tracingHint(state.stats?.system));
    setOptions(this.stage, state.pipeline.stages.map((st) => st.id), 'any stage');
    setText(this.pauseButton, this.pausedByButton ? 'resume' : 'pause');
    this.pauseButton.setAttribute('aria-pressed', String(this.pausedByButton));
    toggleClass(this.list, 'paused', this.paused);
    const filter = { stage: this.stage.value, status: this.status.value, text: this.text.value };
    if (this.paused) {
      const newer = state.traces.findIndex((t) => t.key === this.shown[0]?.key);
      setText(this.summary, `paused${newer > 0 ? ` · ${newer} newer` : ''}`);
      return;
    }
    const shown = [];
    for (const t of state.traces) {
      if (shown.length >= MAX_ROWS) break;
      if (traceMatches(t, filter)) shown.push(t);
    }
    this.shown = shown;
    setText(this.summary, `${shown.length} shown of ${state.traces.length} kept${lostNote(state.lost.trace)}`);
    const next = new Map();
    const rows = shown.map((t) => {
      const row = this.rows.get(t.key) ?? traceRow(t);
      toggleClass(row, 'selected', t.key === this.selectedKey);
      next.set(t.key, row);
      return row;
    });
    this.rows = next;
    const same = rows.length === this.list.childElementCount && rows.every((r, i) => r === this.list.children[i]);
    if (!same) this.list.replaceChildren(...rows);
  }
}

/** One list row; every server string goes in as text. */
function traceRow(t) {
  const first = t.path?.[0];
  const route = (t.route ?? []).join(' → ');
  const outcomeClass = t.outcome === 'error' ? 'bad' : t.outcome === 'dropped' ? 'warn' : 'ok';
  return h('li', { 'data-key': t.key, tabindex: 0, class: 'trace-row' },
    h('span', { class: 'when', text: first ? clock(first.timestamp) : '' }),
    h('span', { class: `outcome ${outcomeClass}`, text: t.outcome ?? '' }),
    h('span', { class: 'route', text: route, title: route }),
    h('span', { class: 'content', text: t.original_content ?? '', title: t.original_content ?? '' }));
}

/** How much is traced, and how to see more (the panel is empty while tracing is off). */
export function tracingHint(system) {
  if (!system) return '';
  const sample = system.trace_sample;
  if (sample === null || sample === undefined) {
    return 'tracing is off: set trace.enabled in the configuration (or run with --trace) to see live paths';
  }
  if (sample >= 1) return 'tracing every line';
  const percent = Math.round(sample * 10000) / 100;
  return `tracing ${percent} % of lines: raise trace.sample (up to 1.0), or run with --trace, to see more`;
}
