// Everything the page knows, updated from WebSocket messages only. apply() returns
// the topics that changed so the views redraw just those, once per animation frame.

import { ErrorGroups } from './error_groups.js';
import { TimeSeries } from './time_series.js';

/** Traces kept in memory (newest first); the list shows fewer. */
export const MAX_TRACES = 2000;

export class DashboardState {
  constructor() {
    this.pipeline = { stages: [], edges: [] };
    this.pipelineKey = '';
    this.stats = null;
    this.health = null;
    this.statsSeq = 0;
    this.statsTime = null;
    this.helloSeq = 0;
    this.circuits = {};
    this.alerts = [];  // active (pending and firing), from stats frames and alert messages
    this.traces = [];
    this.tracesSeen = 0;
    this.errors = new ErrorGroups();
    this.recentErrors = [];  // newest first, for the node detail
    this.series = new TimeSeries();
    this.lastReload = null;  // { at, changes } of the last reload pushed while connected
    // Trace and error frames the server dropped for this page while it fell behind.
    this.lost = { trace: 0, error: 0 };
  }

  apply(msg) {
    switch (msg.type) {
      case 'hello': return this.applyHello(msg);
      case 'stats': return this.applyStats(msg);
      case 'health':
        this.health = msg.health;
        return ['header', 'graph', 'detail'];
      case 'circuit':
        this.circuits = { ...this.circuits, ...msg.stages };
        return ['graph', 'detail'];
      case 'alert':
        this.applyAlerts(msg.alerts ?? []);
        return ['alerts'];
      case 'trace':
        if (msg.seq <= this.helloSeq) return [];  // already in the hello
        this.addTraces([...(msg.traces ?? [])].reverse());
        return ['traces', 'detail'];
      case 'error':
        if (msg.seq <= this.helloSeq) return [];
        this.addErrors(msg.errors ?? []);
        return ['errors', 'detail'];
      case 'pipeline':
        return this.applyPipeline(msg);
      case 'gap':
        this.lost = {
          trace: this.lost.trace + (msg.dropped?.trace ?? 0),
          error: this.lost.error + (msg.dropped?.error ?? 0),
        };
        return ['traces', 'errors'];
      default:
        return [];
    }
  }

  /** A (re)connection: the server's current picture replaces ours; chart history stays. */
  applyHello(msg) {
    const topics = ['header', 'alerts', 'graph', 'charts', 'traces', 'errors', 'system', 'detail'];
    this.pipeline = msg.pipeline ?? { stages: [], edges: [] };
    const key = JSON.stringify(this.pipeline);
    const pipelineChanged = key !== this.pipelineKey;
    this.pipelineKey = key;
    if (pipelineChanged) topics.unshift('layout');
    this.helloSeq = msg.seq ?? 0;
    this.statsSeq = 0;  // a restarted server counts from 1 again
    this.circuits = {};
    this.traces = [];
    this.addTraces([...(msg.traces ?? [])].reverse());
    this.errors.clear();
    this.recentErrors = [];
    this.addErrors([...(msg.errors ?? [])].reverse());
    if (msg.snapshot) this.applyStats(msg.snapshot);
    return topics;
  }

  /** A reload replaced the graph: it is drawn again, and the change is told. */
  applyPipeline(msg) {
    this.lastReload = { at: Date.now(), changes: msg.changes ?? {} };
    const next = msg.pipeline ?? { stages: [], edges: [] };
    const key = JSON.stringify(next);
    const topics = ['reload', 'graph', 'detail'];
    if (key !== this.pipelineKey) {
      this.pipeline = next;
      this.pipelineKey = key;
      topics.unshift('layout');
    }
    return topics;
  }

  applyStats(frame) {
    if (frame.seq <= this.statsSeq) return [];
    this.statsSeq = frame.seq;
    this.stats = frame.stats;
    this.health = frame.health;
    this.statsTime = frame.timestamp;
    this.alerts = frame.stats?.alerts?.active ?? [];
    for (const [id, p] of Object.entries(frame.stats?.processors ?? {})) {
      if (p.circuit) this.circuits[id] = p.circuit.state;
    }
    this.recordSeries(frame);
    return ['header', 'alerts', 'graph', 'charts', 'system', 'detail'];
  }

  /** Transitions of one tick: pending and firing alerts are upserted, resolved ones leave. */
  applyAlerts(changed) {
    const key = (a) => JSON.stringify(Object.entries(a.labels ?? {}).sort());
    const byKey = new Map(this.alerts.map((a) => [key(a), a]));
    for (const a of changed) {
      if (a.state === 'resolved') byKey.delete(key(a));
      else byKey.set(key(a), a);
    }
    this.alerts = [...byKey.values()];
  }

  recordSeries(frame) {
    const t = Date.parse(frame.timestamp) / 1000;
    if (!Number.isFinite(t)) return;
    const values = {};
    for (const [id, p] of Object.entries(frame.stats?.processors ?? {})) {
      values[`rate:${id}`] = p.lines_per_second ?? null;
      values[`errors:${id}`] = p.errors_per_second ?? null;
      values[`p99:${id}`] = p.latency_us?.p99 ?? null;
    }
    values['rate:total'] = frame.stats?.system?.lines_per_second ?? null;
    this.series.push(t, values);
  }

  /** Adds traces given oldest first; keeps the newest MAX_TRACES, newest first. */
  addTraces(oldestFirst) {
    if (!oldestFirst.length) return;
    const fresh = oldestFirst.slice(-MAX_TRACES).reverse();
    for (const t of fresh) t.key = `${t.line_id}:${this.tracesSeen++}`;  // fan-out shares line_id
    this.traces = fresh.concat(this.traces.slice(0, MAX_TRACES - fresh.length));
  }

  addErrors(oldestFirst) {
    if (!oldestFirst.length) return;
    this.errors.add(oldestFirst);
    this.recentErrors = oldestFirst.slice(-MAX_TRACES).reverse().concat(this.recentErrors).slice(0, MAX_TRACES);
  }

  /** Stage ids that are processors (the ones with latency, errors and circuits). */
  processorIds() {
    return this.pipeline.stages.filter((s) => s.kind === 'processor').map((s) => s.id);
  }
}
