// Loaded lazily (dynamic import): d3-force and the drawing stay out of every other page.
import { forceCollide, forceLink, forceManyBody, forceSimulation, forceX, forceY, type SimulationNodeDatum } from 'd3-force';
import { useMemo, useRef, useState } from 'preact/hooks';
import { EDGE_STYLE, type Graph, NODE_STYLE, degrees, shapePath } from '../connections/graph';
import { truncate } from '../format';
import { useI18n } from '../i18n';

interface Point {
  x: number;
  y: number;
}
type SimNode = SimulationNodeDatum & { id: string };

const RADIUS = 11;

/**
 * Positions for the nodes. Nodes already placed start where they were and the simulation restarts
 * gently; new ones start just outside a neighbour already placed: an expansion grows the drawing
 * around the clicked node instead of reshuffling it. d3-force's random source is seeded, so the same graph
 * always gets the same layout.
 */
export function layout(graph: Graph, previous: Map<string, Point>, center: string): Map<string, Point> {
  const placedNeighbour = new Map<string, Point>();
  for (const e of graph.edges) {
    const a = previous.get(e.source);
    const b = previous.get(e.target);
    if (a && !previous.has(e.target) && !placedNeighbour.has(e.target)) placedNeighbour.set(e.target, a);
    if (b && !previous.has(e.source) && !placedNeighbour.has(e.source)) placedNeighbour.set(e.source, b);
  }
  const middle = previous.get(center) ?? { x: 0, y: 0 };
  const nodes: SimNode[] = graph.nodes.map((n, i) => {
    const known = previous.get(n.id);
    if (known) return { id: n.id, x: known.x, y: known.y };
    const near = placedNeighbour.get(n.id);
    if (near) {
      // Outwards, away from the center, fanned by the golden angle so that siblings do not stack.
      const out = Math.atan2(near.y - middle.y, near.x - middle.x) + ((i * 2.399963) % 1.6) - 0.8;
      return { id: n.id, x: near.x + 80 * Math.cos(out), y: near.y + 80 * Math.sin(out) };
    }
    if (n.id === center) return { id: n.id, x: 0, y: 0 };
    return { id: n.id };
  });
  const fresh = previous.size === 0;
  const degree = degrees(graph);
  // Around a hub, the ring of its neighbours needs room for their labels: the edge grows with its degree.
  const distance = (e: { source: string | SimNode; target: string | SimNode }) => {
    const id = (end: string | SimNode) => (typeof end === 'string' ? end : end.id);
    const hub = Math.max(degree.get(id(e.source)) ?? 1, degree.get(id(e.target)) ?? 1);
    return Math.max(90, (hub * 46) / (2 * Math.PI));
  };
  const simulation = forceSimulation(nodes)
    .force(
      'link',
      forceLink<SimNode, { source: string; target: string }>(graph.edges.map((e) => ({ source: e.source, target: e.target })))
        .id((d) => d.id)
        .distance(distance),
    )
    .force('charge', forceManyBody().strength(-420))
    .force('collide', forceCollide(RADIUS * 3.2))
    .force('x', forceX(0).strength(0.04))
    .force('y', forceY(0).strength(0.04))
    .alpha(fresh ? 1 : 0.3)
    .stop();
  for (let i = 0; i < 300; i += 1) simulation.tick();
  return new Map(nodes.map((n) => [n.id, { x: n.x ?? 0, y: n.y ?? 0 }]));
}

export function NetworkGraph({
  graph,
  center,
  selected,
  expanded,
  onSelect,
}: {
  graph: Graph;
  center: string;
  selected: string | null;
  expanded: ReadonlySet<string>;
  onSelect: (id: string) => void;
}) {
  const { t, l, n } = useI18n();
  const positions = useRef(new Map<string, Point>());
  const key = `${graph.nodes.map((x) => x.id).join(',')}|${graph.edges.map((e) => e.id).join(',')}`;
  const placed = useMemo(() => {
    const next = layout(graph, positions.current, center);
    // Keep every position ever computed: a node hidden by a filter comes back where it was.
    for (const [id, p] of next) positions.current.set(id, p);
    return next;
  }, [key, center]);

  const xs = [...placed.values()].map((p) => p.x);
  const ys = [...placed.values()].map((p) => p.y);
  const pad = 70;
  const minX = Math.min(0, ...xs) - pad;
  const minY = Math.min(0, ...ys) - pad;
  const w = Math.max(...xs, 0) - minX + pad;
  const h = Math.max(...ys, 0) - minY + pad;
  const at = (id: string) => placed.get(id) ?? { x: 0, y: 0 };
  const linkCount = degrees(graph);
  // Zooming closes in on the selected node (or the middle of the drawing when none is).
  const [zoom, setZoom] = useState(1);
  const focus = selected && placed.has(selected) ? at(selected) : { x: minX + w / 2, y: minY + h / 2 };
  const view = zoom === 1 ? [minX, minY, w, h] : [focus.x - w / zoom / 2, focus.y - h / zoom / 2, w / zoom, h / zoom];

  return (
    <>
      <div class="network-zoom" role="group" aria-label={t('network.zoom')}>
        <button type="button" class="button" onClick={() => setZoom(Math.min(8, Math.round(zoom * 160) / 100))} aria-label={t('network.zoom_in')} title={t('network.zoom_in')}>
          +
        </button>
        <button type="button" class="button" onClick={() => setZoom(Math.max(1, Math.round(zoom * 62.5) / 100))} aria-label={t('network.zoom_out')} title={t('network.zoom_out')} disabled={zoom === 1}>
          −
        </button>
        <button type="button" class="button" onClick={() => setZoom(1)} disabled={zoom === 1}>
          {t('network.zoom_fit')}
        </button>
      </div>
      <svg
        class="network"
        viewBox={view.map((v) => v.toFixed(1)).join(' ')}
        data-zoom={zoom.toFixed(2)}
        preserveAspectRatio="xMidYMid meet"
        role="group"
        aria-label={t('network.graph_label', { nodes: graph.nodes.length, edges: graph.edges.length })}
        data-testid="network-graph"
      >
        <g class="network-edges" aria-hidden="true">
          {graph.edges.map((e) => {
            const a = at(e.source);
            const b = at(e.target);
            const style = EDGE_STYLE[e.kind];
            return (
              <line
                key={e.id}
                x1={a.x}
                y1={a.y}
                x2={b.x}
                y2={b.y}
                stroke={style.color}
                stroke-dasharray={style.dash || undefined}
                class={selected && (e.source === selected || e.target === selected) ? 'edge edge-active' : 'edge'}
                data-kind={e.kind}
                data-testid="network-edge"
              >
                <title>{[l('edge_kind', e.kind), e.label].filter(Boolean).join(': ')}</title>
              </line>
            );
          })}
        </g>
        <g class="network-nodes">
          {graph.nodes.map((node) => {
            const p = at(node.id);
            const style = NODE_STYLE[node.kind];
            const isCenter = node.id === center;
            const text = `${l('node_kind', node.kind)}: ${node.label}${node.detail ? ` (${node.detail})` : ''}`;
            const links = linkCount.get(node.id) ?? 0;
            return (
              <g
                key={node.id}
                class={`node${node.id === selected ? ' node-selected' : ''}${isCenter ? ' node-center' : ''}${expanded.has(node.id) ? ' node-expanded' : ''}`}
                transform={`translate(${p.x.toFixed(1)},${p.y.toFixed(1)})`}
                role="button"
                tabindex={0}
                aria-pressed={node.id === selected}
                aria-label={`${text}; ${n('count.edges', links)}${isCenter ? `; ${t('network.center')}` : ''}`}
                data-node-id={node.id}
                data-kind={node.kind}
                data-testid="network-node"
                onClick={() => onSelect(node.id)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    onSelect(node.id);
                  }
                }}
              >
                <title>{text}</title>
                {isCenter && <circle r={RADIUS * 1.9} class="node-halo" />}
                <path d={shapePath(style.shape, isCenter ? RADIUS * 1.3 : RADIUS)} fill={style.color} class="node-shape" />
                <text class="node-label" y={(isCenter ? RADIUS * 1.3 : RADIUS) + 13} text-anchor="middle">
                  {truncate(node.label, 26)}
                </text>
              </g>
            );
          })}
        </g>
      </svg>
    </>
  );
}

/** A node kind's shape as a small legend swatch. */
export function ShapeSwatch({ kind }: { kind: keyof typeof NODE_STYLE }) {
  const style = NODE_STYLE[kind];
  return (
    <svg width="18" height="18" viewBox="-9 -9 18 18" aria-hidden="true" class="shape-swatch">
      <path d={shapePath(style.shape, 6.5)} fill={style.color} />
    </svg>
  );
}

/** An edge kind's line as a small legend swatch. */
export function LineSwatch({ kind }: { kind: keyof typeof EDGE_STYLE }) {
  const style = EDGE_STYLE[kind];
  return (
    <svg width="30" height="10" viewBox="0 0 30 10" aria-hidden="true" class="line-swatch">
      <line x1="1" y1="5" x2="29" y2="5" stroke={style.color} stroke-width="2.5" stroke-dasharray={style.dash || undefined} />
    </svg>
  );
}
