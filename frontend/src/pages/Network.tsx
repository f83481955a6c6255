// The network of connections around one record: cases, schools, persons of interest, proceedings and
// court orders, and the typed edges between them. Choosing a node shows it and fetches its own
// neighbourhood into the drawing; checkboxes hide kinds of edge; the same data is a plain table.
import { useEffect, useState } from 'preact/hooks';
import { allPages, api, must } from '../api/client';
import type { PageProps } from '../app';
import { Button, ErrorNotice, Loading, Notice, PageHeader, Section, useAsync } from '../components/ui';
import {
  EDGE_KINDS,
  degrees,
  type EdgeKind,
  type Graph,
  type GraphNode,
  NODE_KINDS,
  mergeGraph,
  localDetail,
  neighbours,
  networkHref,
  nodeHref,
  nodeId,
  parseNodeId,
  visibleGraph,
} from '../connections/graph';
import { useReference } from '../data';
import { useI18n } from '../i18n';
import { Link, navigate, queryString } from '../router';

type Charts = typeof import('../charts/network');

const DEPTHS = [1, 2, 3];

function depthOf(query: URLSearchParams): number {
  const d = Number(query.get('depth') ?? 1);
  return DEPTHS.includes(d) ? d : 1;
}

async function fetchNetwork(center: string, depth: number): Promise<Graph & { truncated: boolean }> {
  const answer = must(await api.GET('/api/v1/network', { params: { query: { center, depth, limit: 200 } } }));
  return { nodes: answer.nodes, edges: answer.edges, truncated: answer.truncated };
}

export default function Network({ query }: PageProps) {
  const { t } = useI18n();
  const center = query.get('center');
  const depth = depthOf(query);
  const valid = parseNodeId(center) !== null;
  return (
    <>
      <PageHeader title={t('network.title')} subtitle={t('network.subtitle')} />
      <CenterChooser current={valid ? center : null} depth={depth} />
      {center && !valid && <ErrorNotice error={new Error(center)} title={t('error.page_not_found_title')} />}
      {!center && <p class="empty">{t('network.no_center')}</p>}
      {valid && center && <NetworkView key={`${center}|${depth}`} center={center} depth={depth} />}
    </>
  );
}

/** Where to centre the network: a court order, a proceeding or a case, and how far to go. */
function CenterChooser({ current, depth }: { current: string | null; depth: number }) {
  const { t, n } = useI18n();
  const options = useAsync(
    () =>
      Promise.all([
        allPages((cursor) => api.GET('/api/v1/court-orders', { params: { query: { limit: 200, cursor } } }).then(must)),
        allPages((cursor) => api.GET('/api/v1/proceedings', { params: { query: { limit: 200, cursor } } }).then(must)).catch(() => []),
        allPages((cursor) => api.GET('/api/v1/cases', { params: { query: { limit: 200, cursor, sort: 'title' } } }).then(must)),
      ]),
    [],
  );
  const [choice, setChoice] = useState(current ?? '');
  const [steps, setSteps] = useState(String(depth));
  // The page stays mounted when only its query changes ("centre here", Back): follow the URL.
  useEffect(() => {
    setChoice(current ?? '');
    setSteps(String(depth));
  }, [current, depth]);
  const [orders, proceedings, cases] = options.data ?? [[], [], []];
  const groups: [string, { value: string; label: string }[]][] = [
    [t('node_kind.court_order'), orders.map((o) => ({ value: nodeId('court_order', o.id), label: o.title }))],
    [t('node_kind.proceeding'), proceedings.map((p) => ({ value: nodeId('proceeding', p.id), label: p.file_number ? `${p.title} (${p.file_number})` : p.title }))],
    [t('node_kind.case'), cases.map((c) => ({ value: nodeId('case', c.id), label: c.title }))],
  ];
  const known = groups.some(([, items]) => items.some((o) => o.value === choice));
  return (
    <form
      class="card network-chooser"
      onSubmit={(e) => {
        e.preventDefault();
        if (choice) navigate(`/red${queryString({ center: choice, depth: steps === '1' ? null : steps })}`);
      }}
    >
      <div class="field">
        <label for="network-center">{t('network.choose_center')}</label>
        <select id="network-center" value={choice} onChange={(e) => setChoice(e.currentTarget.value)} disabled={options.loading}>
          {!known && <option value={choice}>{options.loading ? t('common.loading') : current ? current : t('network.choose')}</option>}
          {groups.map(([label, items]) =>
            items.length ? (
              <optgroup key={label} label={label}>
                {items.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </optgroup>
            ) : null,
          )}
        </select>
      </div>
      <div class="field">
        <label for="network-depth">{t('network.depth')}</label>
        <select id="network-depth" value={steps} onChange={(e) => setSteps(e.currentTarget.value)}>
          {DEPTHS.map((d) => (
            <option key={d} value={String(d)}>
              {n('count.steps', d)}
            </option>
          ))}
        </select>
      </div>
      <div class="filters-actions">
        <button type="submit" class="button button-primary" disabled={!choice}>
          {t('network.show')}
        </button>
      </div>
      {options.error ? <ErrorNotice error={options.error} /> : null}
      <span class="sr-only">{n('count.cases', cases.length)}</span>
    </form>
  );
}

function NetworkView({ center, depth }: { center: string; depth: number }) {
  const { t, l, n } = useI18n();
  const [charts, setCharts] = useState<Charts | null>(null);
  const [graph, setGraph] = useState<Graph | null>(null);
  const [truncated, setTruncated] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set([center]));
  const [expanding, setExpanding] = useState<string | null>(null);
  const [expandError, setExpandError] = useState<unknown>(null);
  const [selected, setSelected] = useState<string | null>(center);
  const [kinds, setKinds] = useState<ReadonlySet<EdgeKind>>(new Set(EDGE_KINDS));
  const [status, setStatus] = useState('');

  // State names for the nodes' details; until they arrive (or if they fail) the ISO codes stay.
  const reference = useReference();
  const stateName = reference.data?.stateName ?? ((code: string) => code);
  useEffect(() => {
    import('../charts/network').then(setCharts, setError);
  }, []);
  useEffect(() => {
    fetchNetwork(center, depth).then(
      (answer) => {
        setGraph({ nodes: answer.nodes, edges: answer.edges });
        setTruncated(answer.truncated);
      },
      setError,
    );
  }, [center, depth]);

  if (error) return <ErrorNotice error={error} />;
  if (!graph || !charts) return <Loading label={t('network.loading_graph')} />;
  const { NetworkGraph, ShapeSwatch, LineSwatch } = charts;

  const expand = async (id: string) => {
    if (expanded.has(id) || expanding) return;
    setExpanding(id);
    setExpandError(null);
    try {
      const answer = await fetchNetwork(id, 1);
      const merged = mergeGraph(graph, answer);
      setGraph({ nodes: merged.nodes, edges: merged.edges });
      if (answer.truncated) setTruncated(true);
      setExpanded(new Set([...expanded, id]));
      const label = merged.nodes.find((x) => x.id === id)?.label ?? id;
      setStatus(`${label}: +${n('count.nodes', merged.added.length)}`);
    } catch (e) {
      setExpandError(e);
    } finally {
      setExpanding(null);
    }
  };
  const choose = (id: string) => {
    setSelected(id);
    void expand(id);
  };

  const shown = visibleGraph(graph, kinds, center);
  const countByKind = (kind: EdgeKind) => graph.edges.filter((e) => e.kind === kind).length;
  const linkCount = degrees(shown);
  const node = selected ? graph.nodes.find((x) => x.id === selected) ?? null : null;
  const nodeKindsShown = NODE_KINDS.filter((k) => graph.nodes.some((x) => x.kind === k));

  return (
    <>
      <p class="sr-only" role="status" aria-live="polite">
        {status}
      </p>
      {truncated && <Notice kind="warning">{t('network.truncated')}</Notice>}
      {expandError ? <ErrorNotice error={expandError} /> : null}
      <div class="grid-network">
        <Section class="network-card">
          <div class="network-controls">
            <fieldset class="edge-filter">
              <legend>{t('network.edge_types')}</legend>
              {EDGE_KINDS.map((kind) => (
                <label key={kind} class="checkbox">
                  <input
                    type="checkbox"
                    checked={kinds.has(kind)}
                    onChange={(e) => {
                      const next = new Set(kinds);
                      if (e.currentTarget.checked) next.add(kind);
                      else next.delete(kind);
                      setKinds(next);
                    }}
                  />
                  <LineSwatch kind={kind} /> {l('edge_kind', kind)} <span class="meta">({countByKind(kind)})</span>
                </label>
              ))}
            </fieldset>
            <div>
              <p class="legend-title">{t('network.legend_nodes')}</p>
              <ul class="legend-list legend-stack" aria-label={t('network.legend_nodes')}>
                {nodeKindsShown.map((kind) => (
                  <li key={kind}>
                    <ShapeSwatch kind={kind} /> {l('node_kind', kind)}
                  </li>
                ))}
              </ul>
            </div>
          </div>
          <div class="network-canvas" aria-busy={expanding ? 'true' : 'false'}>
            <NetworkGraph graph={shown} center={center} selected={selected} expanded={expanded} onSelect={choose} />
          </div>
          <p class="meta" data-testid="network-counts">
            {n('count.nodes', shown.nodes.length)} · {n('count.edges', shown.edges.length)} · {t('network.select_hint')}
          </p>
        </Section>

        <Section title={t('network.selected')} class="network-panel">
          {node ? (
            <SelectedNode
              node={node}
              links={neighbours(shown, node.id)}
              isExpanded={expanded.has(node.id)}
              busy={expanding === node.id}
              onExpand={() => void expand(node.id)}
              onSelect={choose}
              centerHere={node.id !== center}
              stateName={stateName}
            />
          ) : (
            <p class="empty">{t('network.select_hint')}</p>
          )}
        </Section>
      </div>

      <Section title={t('network.list_title')}>
        <p class="card-intro">{t('network.list_intro')}</p>
        <div class="table-scroll">
          <table class="table" data-testid="network-table">
            <caption class="sr-only">{t('network.list_title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('network.col_label')}</th>
                <th scope="col">{t('network.col_kind')}</th>
                <th scope="col">{t('network.col_detail')}</th>
                <th scope="col" class="num">
                  {t('network.col_links')}
                </th>
                <th scope="col">
                  <span class="sr-only">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.nodes.map((x) => {
                const href = nodeHref(x);
                return (
                  <tr key={x.id} aria-current={x.id === selected ? 'true' : undefined}>
                    <th scope="row">
                      {href ? <Link href={href}>{x.label}</Link> : x.label}
                      {x.id === center && <span class="meta"> · {t('network.center')}</span>}
                    </th>
                    <td class="nowrap">
                      <ShapeSwatch kind={x.kind} /> {l('node_kind', x.kind)}
                    </td>
                    <td>{localDetail(x.detail, stateName) ?? '—'}</td>
                    <td class="num">{linkCount.get(x.id) ?? 0}</td>
                    <td class="actions">
                      <Button
                        variant="link"
                        onClick={() => choose(x.id)}
                        aria-label={t(expanded.has(x.id) ? 'network.select_label' : 'network.expand_label', { label: x.label })}
                      >
                        {expanded.has(x.id) ? t('network.select') : t('network.expand')}
                      </Button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </Section>
    </>
  );
}

function SelectedNode({
  node,
  links,
  isExpanded,
  busy,
  onExpand,
  onSelect,
  centerHere,
  stateName,
}: {
  node: GraphNode;
  links: ReturnType<typeof neighbours>;
  isExpanded: boolean;
  busy: boolean;
  onExpand: () => void;
  onSelect: (id: string) => void;
  centerHere: boolean;
  stateName: (code: string) => string;
}) {
  const { t, l } = useI18n();
  const href = nodeHref(node);
  return (
    <div data-testid="network-selected">
      <p class="eyebrow">{l('node_kind', node.kind)}</p>
      <h3 class="network-selected-title">{node.label}</h3>
      {node.detail && <p class="meta">{localDetail(node.detail, stateName)}</p>}
      <p class="network-actions">
        {href && <Link href={href}>{t('network.open_page')}</Link>}
        {centerHere && <Link href={networkHref(node.kind, node.record_id)}>{t('network.center_here')}</Link>}
      </p>
      {isExpanded ? (
        <p class="meta">{t('network.expanded')}</p>
      ) : (
        <Button onClick={onExpand} busy={busy}>
          {t('network.expand')}
        </Button>
      )}
      <h4 class="network-subhead">{t('network.connections')}</h4>
      {links.length ? (
        <ul class="plain-list network-links">
          {links.map(({ edge, other }) => (
            <li key={edge.id}>
              <span class="meta">{l('edge_kind', edge.kind)}{edge.label ? ` · ${edge.label}` : ''}</span>
              <br />
              <Button variant="link" onClick={() => onSelect(other.id)}>
                {l('node_kind', other.kind)}: {other.label}
              </Button>
            </li>
          ))}
        </ul>
      ) : (
        <p class="empty">{t('network.no_connections')}</p>
      )}
    </div>
  );
}
