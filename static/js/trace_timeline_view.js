// The selected trace as a timeline: one row per step of its path, each with a bar at
// its offset from the first step, as wide as its duration.

import { byId, clear, h } from './dom.js';
import { clock, micros } from './format.js';

export class TraceTimelineView {
  constructor() {
    this.box = byId('trace-timeline');
    this.trace = null;
  }

  show(trace) {
    this.trace = trace;
    this.render();
  }

  render() {
    clear(this.box);
    const t = this.trace;
    if (!t) {
      this.box.append(h('p', { class: 'empty', text: 'Select a trace to see its path.' }));
      return;
    }
    const steps = t.path ?? [];
    const start = steps.length ? steps[0].timestamp_unix_us : 0;
    const ends = steps.map((st) => st.timestamp_unix_us - start + (st.duration_us ?? 0));
    const span = Math.max(1, ...ends);
    const outcome = t.outcome_detail ? `${t.outcome} (${t.outcome_detail})` : t.outcome;
    this.box.append(
      h('dl', { class: 'trace-head' },
        h('dt', { text: 'line' }), h('dd', { text: t.line_id }),
        h('dt', { text: 'source' }), h('dd', { text: t.source }),
        h('dt', { text: 'outcome' }), h('dd', { class: 'trace-outcome', text: outcome ?? '' }),
        h('dt', { text: 'took' }), h('dd', { text: micros(span) })),
      h('pre', { class: 'trace-content', text: (t.original_content ?? '') + (t.original_cut ? ' …(cut)' : '') }),
      h('ol', { class: 'timeline' }, steps.map((st) => stepRow(st, start, span))));
  }
}

function stepRow(step, start, span) {
  const offset = step.timestamp_unix_us - start;
  const bar = h('span', { class: `bar status-${step.status}` });
  // Geometry through the CSSOM: the CSP forbids inline style attributes, not this.
  bar.style.left = `${(100 * offset) / span}%`;
  bar.style.width = `${Math.max(0.5, (100 * (step.duration_us ?? 0)) / span)}%`;
  const what = step.tag ? `${step.status} → ${step.tag}` : step.status;
  return h('li', { class: 'step', 'data-stage': step.processor, 'data-status': step.status },
    h('span', { class: 'step-stage', text: step.processor }),
    h('span', { class: 'step-status', text: what }),
    h('span', { class: 'step-track' }, bar),
    h('span', { class: 'step-time', text: `+${micros(offset)} · ${micros(step.duration_us ?? 0)}` }),
    step.detail ? h('span', { class: 'step-detail', text: step.detail }) : null,
    step.fields_changed ? fieldsRow(step) : null,
    h('span', { class: 'step-clock', text: clock(step.timestamp) }));
}

// The event's fields as this step left them; what the step added, changed or removed
// is marked (the server sends both with each step that touched a field).
function fieldsRow(step) {
  const change = step.fields_changed ?? {};
  const added = change.added ?? {};
  const changed = change.changed ?? {};
  const text = (v) => (typeof v === 'string' ? v : JSON.stringify(v));
  const items = Object.entries(step.fields ?? {}).map(([k, v]) => {
    const mark = k in added ? 'added' : k in changed ? 'changed' : 'kept';
    return h('li', { class: `field field-${mark}`, 'data-field': k },
      h('span', { class: 'field-name', text: k }), h('span', { class: 'field-value', text: text(v) }));
  });
  for (const k of change.removed ?? []) {
    items.push(h('li', { class: 'field field-removed', 'data-field': k }, h('span', { class: 'field-name', text: k })));
  }
  return h('ul', { class: 'step-fields' }, items);
}
