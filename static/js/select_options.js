// Keeps a <select>'s options in step with a list of values, keeping the choice.

import { h } from './dom.js';

/** Sets the options of `select` to an "all" entry plus `values`, if they changed. */
export function setOptions(select, values, allLabel) {
  const wanted = ['', ...values];
  const have = [...select.options].map((o) => o.value);
  if (have.length === wanted.length && have.every((v, i) => v === wanted[i])) return;
  const chosen = select.value;
  select.replaceChildren(...wanted.map((v) => h('option', { value: v, text: v || allLabel })));
  select.value = wanted.includes(chosen) ? chosen : '';
}
