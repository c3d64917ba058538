// Live errors, grouped by stage and message with counts, newest group first, with a
// stage filter. At most MAX_ROWS groups are in the DOM.

import { byId, h, setText } from './dom.js';
import { clock, count, lostNote } from './format.js';
import { setOptions } from './select_options.js';

export const MAX_ROWS = 100;

export class ErrorsView {
  constructor({ onChange }) {
    this.list = byId('errors-list');
    this.stage = byId('errors-stage');
    this.summary = byId('errors-count');
    this.stage.addEventListener('input', onChange);
    this.signature = '';
  }

  render(state) {
    const stages = [...new Set([...state.processorIds(), ...[...state.errors.groups.values()].map((g) => g.processor)])];
    setOptions(this.stage, stages, 'any stage');
    const groups = state.errors.newest(MAX_ROWS, this.stage.value);
    setText(this.summary,
      `${count(state.errors.total)} recent errors in ${count(state.errors.groups.size)} groups${lostNote(state.lost.error)}`);
    // Rebuild only when a shown group changed (count, newest time or order).
    const signature = groups.map((g) => `${g.processor}\u0000${g.message}\u0000${g.count}\u0000${g.last}`).join('\u0001');
    if (signature === this.signature) return;
    this.signature = signature;
    this.list.replaceChildren(...(groups.length ? groups.map(errorRow) : [h('li', { class: 'empty', text: 'no errors' })]));
  }
}

function errorRow(g) {
  return h('li', { class: 'error-row', 'data-stage': g.processor },
    h('span', { class: 'error-count', text: `×${count(g.count)}` }),
    h('span', { class: 'error-stage', text: g.processor }),
    h('span', { class: 'error-type', text: g.errorType }),
    h('span', { class: 'error-message', text: g.message }),
    h('span', { class: 'when', text: clock(g.last) }),
    h('span', { class: 'error-line', text: (g.line ?? '') + (g.lineCut ? ' …(cut)' : '') }));
}
