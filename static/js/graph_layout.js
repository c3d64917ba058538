// Layout of the pipeline graph by dagre (from npm, served under /vendor/): left to
// right, or top to bottom where the panel is phone-narrow.

import { Graph, layout } from '/vendor/dagre.esm.js';

export const NODE_WIDTH = 184;
export const NODE_HEIGHT = 78;

/**
 * Positions for every stage and a polyline for every edge (not for hiddenEdges);
 * `direction` is dagre's rankdir, 'LR' or 'TB'.
 * @returns {{width, height, nodes: Map<string, {x, y}>, edges: Array<{from, to, route, points}>}}
 */
export function layoutPipeline(stages, edges, hiddenEdges = [], direction = 'LR') {
  const g = new Graph({ multigraph: true });
  g.setGraph({ rankdir: direction, nodesep: 24, ranksep: direction === 'LR' ? 56 : 40, edgesep: 16, marginx: 12, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const stage of stages) g.setNode(stage.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  edges.forEach((e, i) => {
    if (g.hasNode(e.from) && g.hasNode(e.to)) g.setEdge(e.from, e.to, { width: 60, height: 16 }, `edge${i}`);
  });
  // Hidden edges only steer the placement (rank) of their ends; they are never drawn.
  hiddenEdges.forEach((e, i) => g.setEdge(e.from, e.to, { minlen: 1, weight: 0 }, `hidden${i}`));
  layout(g);
  const nodes = new Map();
  for (const id of g.nodes()) {
    const n = g.node(id);
    nodes.set(id, { x: n.x, y: n.y });
  }
  const placed = edges
    .map((e, i) => ({ ...e, points: g.edge(e.from, e.to, `edge${i}`)?.points ?? [] }))
    .filter((e) => e.points.length);
  const size = g.graph();
  return { width: Math.ceil(size.width ?? 0), height: Math.ceil(size.height ?? 0), nodes, edges: placed };
}
