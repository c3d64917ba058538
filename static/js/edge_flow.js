// Lines per second along each edge. There are no per-edge counters, so the flow is
// the target's input rate when the edge is its only way in, else the source's output
// rate when the edge is its only way out, else unknown (null).

/** Input rate of a stage, from its /stats entry. */
export function inRate(stats, id) {
  const p = stats?.processors?.[id];
  if (p) return p.lines_per_second;
  return stats?.sinks?.[id]?.lines_per_second;
}

/** Output rate of a stage, from its /stats entry. */
export function outRate(stats, id) {
  const p = stats?.processors?.[id];
  if (p) return p.lines_out_per_second;
  return stats?.sources?.[id]?.lines_per_second;
}

/** Flow of every edge, in order: a number or null. */
export function edgeFlows(edges, stats) {
  const ins = new Map(), outs = new Map();
  for (const e of edges) {
    ins.set(e.to, (ins.get(e.to) ?? 0) + 1);
    outs.set(e.from, (outs.get(e.from) ?? 0) + 1);
  }
  return edges.map((e) => {
    if (ins.get(e.to) === 1 && Number.isFinite(inRate(stats, e.to))) return inRate(stats, e.to);
    if (outs.get(e.from) === 1 && Number.isFinite(outRate(stats, e.from))) return outRate(stats, e.from);
    return null;
  });
}
