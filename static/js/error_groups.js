// Live errors grouped by stage and message, with counts, newest group first. Bounded:
// the oldest groups are forgotten beyond MAX_GROUPS.

export const MAX_GROUPS = 500;

export class ErrorGroups {
  constructor() {
    this.groups = new Map();  // key -> group; Map order = least recently seen first
    this.total = 0;
  }

  clear() {
    this.groups.clear();
    this.total = 0;
  }

  /** Adds error records (oldest first). */
  add(records) {
    for (const r of records) {
      const key = `${r.processor}\u0000${r.message}`;
      let g = this.groups.get(key);
      if (g) this.groups.delete(key);  // re-inserted below: now the most recent
      else g = { processor: r.processor, message: r.message, errorType: r.error_type, count: 0 };
      g.count += 1;
      g.last = r.timestamp;
      g.line = r.line;
      g.lineCut = r.line_cut;
      g.lineId = r.line_id;
      this.groups.set(key, g);
      this.total += 1;
    }
    while (this.groups.size > MAX_GROUPS) this.groups.delete(this.groups.keys().next().value);
  }

  /** Up to `limit` groups, newest first, of one stage or all (stage ''). */
  newest(limit, stage = '') {
    const out = [];
    const all = [...this.groups.values()];
    for (let i = all.length - 1; i >= 0 && out.length < limit; i -= 1) {
      if (!stage || all[i].processor === stage) out.push(all[i]);
    }
    return out;
  }
}
