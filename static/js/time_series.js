// Columnar time series for the charts, fed by stats frames: one x column (seconds)
// and one column per named series, trimmed to a sliding window. uPlot reads the
// columns as they are.

export const WINDOW_SECONDS = 15 * 60;

export class TimeSeries {
  constructor(windowSeconds = WINDOW_SECONDS) {
    this.windowSeconds = windowSeconds;
    this.xs = [];
    this.columns = new Map();  // name -> values (null where the series had no value)
  }

  /** Appends one sample: time `t` (seconds) and a value per series name. */
  push(t, values) {
    const last = this.xs.length ? this.xs[this.xs.length - 1] : -Infinity;
    if (t <= last) return;  // out of order (a restarted server's clock may lag): skip
    for (const name of Object.keys(values)) {
      if (!this.columns.has(name)) this.columns.set(name, new Array(this.xs.length).fill(null));
    }
    this.xs.push(t);
    for (const [name, column] of this.columns) column.push(values[name] ?? null);
    this.trim(t - this.windowSeconds);
  }

  trim(oldest) {
    let drop = 0;
    while (drop < this.xs.length && this.xs[drop] < oldest) drop += 1;
    if (!drop) return;
    this.xs.splice(0, drop);
    for (const column of this.columns.values()) column.splice(0, drop);
  }

  /** uPlot data: [xs, column of names[0], column of names[1], ...]. */
  data(names) {
    return [this.xs, ...names.map((n) => this.columns.get(n) ?? new Array(this.xs.length).fill(null))];
  }
}
