// The pipeline as an SVG graph: laid out once per pipeline (dagre), then only its
// texts and classes change with each stats frame. Clicking a node selects it.

import { clear, s, setText, toggleClass } from './dom.js';
import { edgeFlows } from './edge_flow.js';
import { compact, count, micros, percent, rate } from './format.js';
import { layoutPipeline, NODE_HEIGHT, NODE_WIDTH } from './graph_layout.js';

/** Smallest scale the graph shrinks to before the panel scrolls instead. */
const MIN_SCALE = 0.55;
/** Below this panel width the graph runs top to bottom. */
const NARROW_PX = 600;

/**
 * Layout-only edges that put the dead letter beside the sinks: from every processor
 * that feeds a sink. Failures can come from any stage, so none is drawn.
 */
function deadLetterFeeders(stages, edges) {
  if (!stages.some((st) => st.id === 'dead_letter')) return [];
  const kind = new Map(stages.map((st) => [st.id, st.kind]));
  const feeders = new Set(edges.filter((e) => kind.get(e.to) === 'sink' && kind.get(e.from) === 'processor').map((e) => e.from));
  return [...feeders].map((from) => ({ from, to: 'dead_letter' }));
}

export class GraphView {
  constructor(container, { onSelect }) {
    this.container = container;
    this.onSelect = onSelect;
    this.nodes = new Map();  // id -> {group, lines: [text, text, text], badge, stage}
    this.edges = [];         // {path, label, edge}
    this.selected = '';
    this.direction = '';
    this.lastState = null;
    // A phone-narrow panel gets the graph top to bottom; crossing the width relayouts.
    new ResizeObserver(() => {
      if (this.lastState && this.wantedDirection() !== this.direction) this.layout(this.lastState);
    }).observe(container);
  }

  wantedDirection() {
    return this.container.clientWidth && this.container.clientWidth < NARROW_PX ? 'TB' : 'LR';
  }

  /** Rebuilds the SVG for the pipeline (and the dead letter, when there is one). */
  layout(state) {
    const stages = [...state.pipeline.stages];
    if (state.stats?.sinks?.dead_letter && !stages.some((st) => st.id === 'dead_letter')) {
      stages.push({ id: 'dead_letter', kind: 'sink', type: 'dead_letter', description: 'failed lines', params: {} });
    }
    this.lastState = state;
    this.direction = this.wantedDirection();
    const placed = layoutPipeline(stages, state.pipeline.edges, deadLetterFeeders(stages, state.pipeline.edges), this.direction);
    const svg = s('svg', {
      class: 'graph', viewBox: `0 0 ${placed.width} ${placed.height}`, role: 'img', 'aria-label': 'pipeline graph',
    });
    // Shrinks to fit the panel down to MIN_SCALE (then the panel scrolls); never grows.
    svg.style.maxWidth = `${placed.width}px`;
    svg.style.minWidth = `${Math.round(placed.width * MIN_SCALE)}px`;
    const defs = s('defs', {}, s('marker', {
      id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse',
    }, s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow-head' })));
    const edgeLayer = s('g', { class: 'edges' });
    const nodeLayer = s('g', { class: 'nodes' });
    svg.append(defs, edgeLayer, nodeLayer);

    this.edges = placed.edges.map((edge) => {
      const d = edge.points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
      const path = s('path', { d, class: 'edge', 'marker-end': 'url(#arrow)' });
      const mid = edge.points[Math.floor(edge.points.length / 2)];
      const label = this.direction === 'LR'
        ? s('text', { x: mid.x, y: mid.y - 6, class: 'edge-label', 'text-anchor': 'middle' })
        : s('text', { x: mid.x + 6, y: mid.y + 4, class: 'edge-label', 'text-anchor': 'start' });
      edgeLayer.append(path, label);
      return { path, label, edge };
    });

    this.nodes.clear();
    for (const stage of stages) {
      const pos = placed.nodes.get(stage.id);
      if (!pos) continue;
      const x = pos.x - NODE_WIDTH / 2, y = pos.y - NODE_HEIGHT / 2;
      const lines = [0, 1, 2].map((i) => s('text', { x: x + 10, y: y + 36 + i * 15, class: `node-line line-${i}` }));
      const group = s('g', {
        class: `node kind-${stage.kind}`, tabindex: 0, role: 'button', 'data-id': stage.id,
        'aria-label': `${stage.kind} ${stage.id}`,
      },
      s('rect', { x, y, width: NODE_WIDTH, height: NODE_HEIGHT, rx: 8, class: 'node-box' }),
      s('text', { x: x + 10, y: y + 18, class: 'node-title', text: stage.id }),
      s('text', { x: x + NODE_WIDTH - 10, y: y + 18, class: 'node-type', 'text-anchor': 'end', text: stage.type }),
      ...lines);
      const badge = s('text', { x: x + NODE_WIDTH - 8, y: y - 5, class: 'node-badge', 'text-anchor': 'end' });
      group.append(badge);
      group.addEventListener('click', () => this.onSelect(stage.id));
      group.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          this.onSelect(stage.id);
        }
      });
      nodeLayer.append(group);
      this.nodes.set(stage.id, { group, lines, badge, stage });
    }
    clear(this.container);
    this.container.append(svg);
    this.update(state);
  }

  /** Refreshes figures, flows and marks from the latest stats. */
  update(state) {
    const stats = state.stats ?? {};
    const components = state.health?.components ?? {};
    const bottleneck = stats.system?.bottleneck_stage;
    for (const [id, node] of this.nodes) {
      const texts = nodeTexts(node.stage, stats);
      node.lines.forEach((line, i) => setText(line, texts[i] ?? ''));
      const status = components[id]?.status ?? 'healthy';
      const circuit = state.circuits[id] ?? 'closed';
      const isBottleneck = id === bottleneck && (stats.processors?.[id]?.lines_per_second ?? 0) > 0;
      toggleClass(node.group, 'degraded', status === 'degraded');
      toggleClass(node.group, 'unhealthy', status === 'unhealthy');
      toggleClass(node.group, 'circuit-open', circuit !== 'closed');
      toggleClass(node.group, 'bottleneck', isBottleneck);
      toggleClass(node.group, 'selected', id === this.selected);
      const marks = [];
      if (circuit !== 'closed') marks.push(`circuit ${circuit.replace('_', '-')}`);
      if (status !== 'healthy') marks.push(status);
      if (isBottleneck) marks.push('bottleneck');
      setText(node.badge, marks.join(' · '));
    }
    const flows = edgeFlows(this.edges.map((e) => e.edge), stats);
    this.edges.forEach(({ path, label, edge }, i) => {
      const flow = flows[i];
      const width = flow ? 1.5 + Math.min(7, Math.log10(1 + flow)) : 1.5;
      path.setAttribute('stroke-width', width.toFixed(1));
      toggleClass(path, 'idle', !flow);
      const route = edge.route ? `${edge.route}: ` : '';
      setText(label, flow === null ? route.replace(/: $/, '') : `${route}${rate(flow)}`);
    });
  }

  select(id) {
    this.selected = id;
  }
}

/** The three figure lines under a node's title, by kind. */
function nodeTexts(stage, stats) {
  if (stage.kind === 'source') {
    const src = stats.sources?.[stage.id] ?? {};
    const conns = stage.type === 'tcp' ? ` · ${count(src.connections_active)} conn` : '';
    return [`out ${rate(src.lines_per_second)}${conns}`, `lines ${count(src.lines)}`, `drop ${compact(src.dropped)} · err ${compact(src.errors)}`];
  }
  if (stage.kind === 'sink') {
    const sink = stats.sinks?.[stage.id] ?? {};
    const texts = sinkTexts(sink);
    // A disk buffer's fill takes the last line: what waits there matters more than errors.
    if (sink.buffer) {
      const fill = sink.buffer.max_bytes ? sink.buffer.bytes / sink.buffer.max_bytes : 0;
      texts[2] = `buffer ${percent(fill)} · ${compact(sink.buffer.lines)} lines · err ${compact(sink.errors)}`;
    }
    return texts;
  }
  const p = stats.processors?.[stage.id] ?? {};
  return [
    `in ${rate(p.lines_per_second)} · out ${rate(p.lines_out_per_second)}`,
    `lines ${count(p.lines_in)}`,
    `drop ${compact(p.dropped)} · err ${compact(p.errors)} · p99 ${micros(p.latency_us?.p99)}`,
  ];
}

/** A sink's three figure lines; a network sink's say whether it is connected and what waits for an ack. */
function sinkTexts(sink) {
  if (sink.connected !== undefined) {
    return [
      `in ${rate(sink.lines_per_second)} · ${sink.connected ? 'connected' : 'disconnected'}`,
      `lines ${count(sink.lines)} · in flight ${compact(sink.in_flight_lines)}`,
      `err ${compact(sink.errors)} · retries ${compact(sink.retries)} · p99 ${micros(sink.delivery_latency_us?.p99)}`,
    ];
  }
  return [`in ${rate(sink.lines_per_second)}`, `lines ${count(sink.lines)}`, `err ${compact(sink.errors)}`];
}
