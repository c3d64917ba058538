// Three uPlot charts over the last 15 minutes, fed only by pushed stats frames:
// lines/s per stage (and in total), errors/s per stage, p99 latency per stage.
// uPlot's legend hides and shows a series on click.

import uPlot from '/vendor/uplot.esm.js';
import { clear, h } from './dom.js';
import { compact, micros } from './format.js';
import { colour } from './palette.js';

const CHARTS = [
  { key: 'rate', title: 'lines/s per stage', withTotal: true, format: compact },
  { key: 'errors', title: 'errors/s per stage', withTotal: false, format: compact },
  { key: 'p99', title: 'p99 latency per stage', withTotal: false, format: micros },
];
const HEIGHT = 170;

export class ChartsView {
  constructor(container) {
    this.container = container;
    this.charts = [];  // {plot, names, box}
    this.resizer = new ResizeObserver(() => this.resize());
    this.resizer.observe(container);
  }

  /** Rebuilds the charts for the current set of stages. */
  layout(state) {
    for (const c of this.charts) c.plot.destroy();
    clear(this.container);
    const ids = state.processorIds();
    this.charts = CHARTS.map((spec) => {
      const box = h('div', { class: 'chart', 'data-chart': spec.key });
      this.container.append(box);
      const width = this.widthOf(box);
      const names = ids.map((id) => `${spec.key}:${id}`);
      const series = [{}, ...ids.map((id, i) => ({
        label: id, stroke: colour(i), width: 1.5, spanGaps: false,
        value: (u, v) => (v === null || v === undefined ? '–' : spec.format(v)),
      }))];
      if (spec.withTotal) {
        names.push(`${spec.key}:total`);
        series.push({ label: 'total', stroke: '#8a8f98', width: 1, dash: [4, 3], value: (u, v) => (v == null ? '–' : spec.format(v)) });
      }
      const plot = new uPlot({
        title: spec.title,
        width,
        height: HEIGHT,
        series,
        scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(max ?? 0, 1) * 1.1] } },
        axes: [
          { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.15)' } },
          { stroke: 'currentColor', size: 56, grid: { stroke: 'rgba(128,128,128,0.15)' }, values: (u, ticks) => ticks.map(spec.format) },
        ],
        legend: { live: true },
        cursor: { drag: { x: false, y: false } },
      }, state.series.data(names), box);
      return { plot, names, box };
    });
  }

  update(state) {
    for (const c of this.charts) c.plot.setData(state.series.data(c.names));
  }

  /** A chart fills its grid cell (the cells reflow with the page width). */
  widthOf(box) {
    return Math.max(220, Math.floor(box.clientWidth || 400));
  }

  resize() {
    for (const c of this.charts) {
      const width = this.widthOf(c.box);
      if (c.plot.width !== width) c.plot.setSize({ width, height: HEIGHT });
    }
  }
}
