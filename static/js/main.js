// Composition: the live feed updates the state, the state names what changed, and
// each view redraws at most once per animation frame.

import { ChartsView } from './charts_view.js';
import { DashboardState } from './dashboard_state.js';
import { byId } from './dom.js';
import { ErrorsView } from './errors_view.js';
import { invalidate, onRender } from './frame_scheduler.js';
import { GraphView } from './graph_view.js';
import { AlertsView } from './alerts_view.js';
import { HeaderView } from './header_view.js';
import { LiveFeed } from './live_feed.js';
import { NodeDetailView } from './node_detail_view.js';
import { SystemView } from './system_view.js';
import { TraceTimelineView } from './trace_timeline_view.js';
import { TracesView } from './traces_view.js';

const state = new DashboardState();
const header = new HeaderView();
const alertsView = new AlertsView();
const timeline = new TraceTimelineView();
const detail = new NodeDetailView({
  onClose: () => selectNode(''),
  onTrace: (trace) => timeline.show(trace),
});
const graph = new GraphView(byId('graph'), { onSelect: (id) => selectNode(id === detail.id ? '' : id) });
const charts = new ChartsView(byId('charts'));
const traces = new TracesView({ onChange: () => invalidate('traces'), onSelect: (t) => timeline.show(t) });
const errors = new ErrorsView({ onChange: () => invalidate('errors') });
const system = new SystemView();

function selectNode(id) {
  graph.select(id);
  detail.select(id);
  detail.render(state, { force: true });
  invalidate('graph');
}

const feed = new LiveFeed({
  onMessage: (msg) => invalidate(...state.apply(msg)),
  onState: () => invalidate('feed'),
});

onRender('layout', () => {
  graph.layout(state);
  charts.layout(state);
});
onRender('header', () => header.render(state, feed));
onRender('alerts', () => alertsView.render(state.alerts));
onRender('feed', () => header.renderFeed(feed));
onRender('graph', () => graph.update(state));
onRender('reload', () => header.renderReload(state.lastReload));
// Charts redraw at most twice a second: at a 100 ms push interval a 15-minute window
// holds 9 000 points per series, and redrawing that every frame buys nothing visible.
const CHART_PERIOD_MS = 500;
let chartsDrawnAt = 0;
let chartsLater = 0;
onRender('charts', () => {
  const wait = chartsDrawnAt + CHART_PERIOD_MS - performance.now();
  if (wait > 0) {
    if (!chartsLater) chartsLater = setTimeout(() => { chartsLater = 0; invalidate('charts'); }, wait);
    return;
  }
  chartsDrawnAt = performance.now();
  charts.update(state);
});
onRender('traces', () => traces.render(state));
onRender('errors', () => errors.render(state));
onRender('system', () => system.render(state));
onRender('detail', () => detail.render(state));

timeline.render();
feed.start();
// For the browser test and for curious people: the state, read-only by convention.
window.sightline = { state, feed };
