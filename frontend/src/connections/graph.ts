// The network view's rules as plain functions: merging what an expansion fetched into what is shown,
// filtering by edge kind, where a node's page is, how each kind is drawn. No I/O, no rendering.
import type { Schemas } from '../api/client';

export type GraphNode = Schemas['NodeOut'];
export type GraphEdge = Schemas['EdgeOut'];
export type NodeKind = Schemas['NodeKind'];
export type EdgeKind = Schemas['EdgeKind'];

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export const NODE_KINDS: NodeKind[] = ['case', 'institution', 'person', 'proceeding', 'court_order'];
export const EDGE_KINDS: EdgeKind[] = ['case_link', 'same_school', 'same_person', 'same_proceeding', 'order_from_proceeding'];

export type Shape = 'circle' | 'square' | 'diamond' | 'triangle' | 'hexagon';

/** Each kind of node has its own shape as well as its own colour: the colour is never the only cue. */
export const NODE_STYLE: Record<NodeKind, { color: string; shape: Shape }> = {
  case: { color: '#2c5d8a', shape: 'circle' },
  institution: { color: '#2f7a4a', shape: 'square' },
  person: { color: '#8a2617', shape: 'diamond' },
  proceeding: { color: '#6e4500', shape: 'triangle' },
  court_order: { color: '#5a2c72', shape: 'hexagon' },
};

/** Each kind of edge: a colour and a dash pattern (again, not colour alone). */
export const EDGE_STYLE: Record<EdgeKind, { color: string; dash: string }> = {
  case_link: { color: '#2c5d8a', dash: '' },
  same_school: { color: '#2f7a4a', dash: '6 3' },
  same_person: { color: '#8a2617', dash: '2 3' },
  same_proceeding: { color: '#a86a00', dash: '10 3 2 3' },
  order_from_proceeding: { color: '#5a2c72', dash: '' },
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A node id from the URL (`case:<uuid>`), or null when it is not one. */
export function parseNodeId(value: string | null | undefined): { kind: NodeKind; recordId: string } | null {
  if (!value) return null;
  const at = value.indexOf(':');
  const kind = value.slice(0, at) as NodeKind;
  const recordId = value.slice(at + 1);
  if (at < 0 || !NODE_KINDS.includes(kind) || !UUID.test(recordId)) return null;
  return { kind, recordId };
}

export function nodeId(kind: NodeKind, recordId: string): string {
  return `${kind}:${recordId}`;
}

/** The network view centred on a record. */
export function networkHref(kind: NodeKind, recordId: string): string {
  return `/red?center=${encodeURIComponent(nodeId(kind, recordId))}`;
}

/** The dashboard page of a node's record; persons have none. */
export function nodeHref(node: Pick<GraphNode, 'kind' | 'record_id'>): string | null {
  const id = encodeURIComponent(node.record_id);
  switch (node.kind) {
    case 'case':
      return `/cases/${id}`;
    case 'institution':
      return `/institutions/${id}`;
    case 'proceeding':
      return `/investigations/${id}`;
    case 'court_order':
      return `/court-orders/${id}`;
    default:
      return null;
  }
}

/**
 * What is shown plus what an expansion fetched: nodes and edges by id, those already shown keep their
 * place (and their data: a later answer does not relabel them), new ones are appended in the order
 * the service gave. `added` lists the new nodes' ids.
 */
export function mergeGraph(shown: Graph, fetched: Graph): Graph & { added: string[] } {
  const nodeIds = new Set(shown.nodes.map((n) => n.id));
  const edgeIds = new Set(shown.edges.map((e) => e.id));
  const nodes = [...shown.nodes];
  const added: string[] = [];
  for (const n of fetched.nodes) {
    if (nodeIds.has(n.id)) continue;
    nodeIds.add(n.id);
    nodes.push(n);
    added.push(n.id);
  }
  const edges = [...shown.edges];
  for (const e of fetched.edges) {
    // An edge whose end is not a node would have nothing to attach to.
    if (edgeIds.has(e.id) || !nodeIds.has(e.source) || !nodeIds.has(e.target)) continue;
    edgeIds.add(e.id);
    edges.push(e);
  }
  return { nodes, edges, added };
}

/**
 * The part of the graph to draw with only some kinds of edge: those edges, and the nodes they still
 * connect to the center (a node reachable only through a hidden kind is hidden with it).
 */
export function visibleGraph(graph: Graph, kinds: ReadonlySet<EdgeKind>, center: string): Graph {
  const edges = graph.edges.filter((e) => kinds.has(e.kind));
  const around = new Map<string, string[]>();
  for (const e of edges) {
    around.set(e.source, [...(around.get(e.source) ?? []), e.target]);
    around.set(e.target, [...(around.get(e.target) ?? []), e.source]);
  }
  const reached = new Set<string>();
  if (graph.nodes.some((n) => n.id === center)) {
    reached.add(center);
    const queue = [center];
    while (queue.length) {
      for (const next of around.get(queue.shift() as string) ?? []) {
        if (!reached.has(next)) {
          reached.add(next);
          queue.push(next);
        }
      }
    }
  }
  return {
    nodes: graph.nodes.filter((n) => reached.has(n.id)),
    edges: edges.filter((e) => reached.has(e.source) && reached.has(e.target)),
  };
}

/** A node's detail line with the states' ISO codes (`MX-MOR · 2007-2018`) written as their names. */
export function localDetail(detail: string | null, stateName: (code: string) => string): string | null {
  if (detail === null) return null;
  return detail.replace(/\bMX-[A-Z]{3}\b/g, (code) => stateName(code)).replace(/\b(\d{4})-(\d{4})\b/g, '$1–$2');
}

/** How many edges touch each node (a node without any is absent). */
export function degrees(graph: Pick<Graph, 'edges'>): Map<string, number> {
  const degree = new Map<string, number>();
  for (const e of graph.edges) for (const end of [e.source, e.target]) degree.set(end, (degree.get(end) ?? 0) + 1);
  return degree;
}

/** A node's edges, each with the node at its other end. */
export function neighbours(graph: Graph, id: string): { edge: GraphEdge; other: GraphNode }[] {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const out: { edge: GraphEdge; other: GraphNode }[] = [];
  for (const edge of graph.edges) {
    const otherId = edge.source === id ? edge.target : edge.target === id ? edge.source : null;
    const other = otherId === null ? undefined : byId.get(otherId);
    if (other) out.push({ edge, other });
  }
  return out;
}

/** The outline of a node's shape, centred on 0,0, about `r` in radius. */
export function shapePath(shape: Shape, r: number): string {
  const f = (v: number) => Number(v.toFixed(2));
  const polygon = (points: [number, number][]) => `M${points.map(([x, y]) => `${f(x)},${f(y)}`).join('L')}Z`;
  switch (shape) {
    case 'square':
      return polygon([[-r * 0.85, -r * 0.85], [r * 0.85, -r * 0.85], [r * 0.85, r * 0.85], [-r * 0.85, r * 0.85]]);
    case 'diamond':
      return polygon([[0, -r * 1.15], [r * 1.15, 0], [0, r * 1.15], [-r * 1.15, 0]]);
    case 'triangle':
      return polygon([[0, -r * 1.2], [r * 1.1, r * 0.75], [-r * 1.1, r * 0.75]]);
    case 'hexagon':
      return polygon([0, 1, 2, 3, 4, 5].map((i) => [r * 1.05 * Math.cos((Math.PI / 3) * i), r * 1.05 * Math.sin((Math.PI / 3) * i)]));
    default:
      return `M${-r},0A${r},${r} 0 1,0 ${r},0A${r},${r} 0 1,0 ${-r},0Z`;
  }
}
