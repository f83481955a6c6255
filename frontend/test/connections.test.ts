import { describe, expect, it } from 'vitest';
import { type Graph, type GraphEdge, type GraphNode, localDetail, mergeGraph, neighbours, networkHref, nodeHref, parseNodeId, shapePath, visibleGraph } from '../src/connections/graph';
import { describeReason, formatScore, formatYears } from '../src/connections/similar';
import { i18nFor } from '../src/i18n';
import { NO_WAVE_COLOR, WAVE_PALETTE, timelineRows, waveColor, wavesOf, yearDomain, yearTicks } from '../src/connections/timeline';

const kase = (id: string, year_start: number, year_end: number | null, report_wave: number | null, report_number: number | null = null) => ({
  id,
  title: `Caso ${id}`,
  year_start,
  year_end,
  report_wave,
  report_number,
});

describe('timeline rows', () => {
  it('orders by start, then end, then report number, and keeps each period inclusive', () => {
    const rows = timelineRows([kase('c', 2016, 2016, 2, 9), kase('a', 2007, 2018, 1, 15), kase('b', 2016, 2016, 1, 1), kase('d', 2006, 2006, null)]);
    expect(rows.map((r) => r.id)).toEqual(['d', 'a', 'b', 'c']);
    expect(rows[1]).toEqual({ id: 'a', title: 'Caso a', start: 2007, end: 2018, open: false, wave: 1 });
  });
  it('an open period (no end year) is drawn over its start year and marked open', () => {
    const [row] = timelineRows([kase('x', 2019, null, 3)]);
    expect(row).toMatchObject({ start: 2019, end: 2019, open: true, wave: 3 });
  });
  it('an end before the start is not drawn backwards', () => {
    const [row] = timelineRows([kase('x', 2019, 2015, 1)]);
    expect(row).toMatchObject({ start: 2019, end: 2019, open: false });
  });
  it('the year domain covers every period; waves are listed in order with "none" last', () => {
    const rows = timelineRows([kase('a', 2007, 2018, 2), kase('b', 2001, 2001, null), kase('c', 2023, null, 1)]);
    expect(yearDomain(rows)).toEqual([2001, 2023]);
    expect(wavesOf(rows)).toEqual([1, 2, null]);
    expect(yearDomain([])).toEqual([0, 0]);
  });
  it('a wave keeps its colour whatever else is shown; no wave is grey', () => {
    expect(waveColor(1)).toBe(WAVE_PALETTE[0]);
    expect(waveColor(4)).toBe(WAVE_PALETTE[3]);
    expect(waveColor(null)).toBe(NO_WAVE_COLOR);
    expect(new Set([1, 2, 3, 4].map(waveColor)).size).toBe(4);
  });
  it('year ticks thin out when years are narrow', () => {
    expect(yearTicks([2001, 2005], 50)).toEqual([2001, 2002, 2003, 2004, 2005]);
    expect(yearTicks([2001, 2023], 20)).toEqual([2002, 2004, 2006, 2008, 2010, 2012, 2014, 2016, 2018, 2020, 2022]);
    expect(yearTicks([2001, 2023], 8)).toEqual([2005, 2010, 2015, 2020]);
  });
});

const U = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const node = (kind: GraphNode['kind'], n: number, label = `${kind} ${n}`): GraphNode => ({ id: `${kind}:${U(n)}`, kind, record_id: U(n), label, detail: null });
const edge = (kind: GraphEdge['kind'], a: GraphNode, b: GraphNode): GraphEdge => ({ id: `${kind}:${a.id}->${b.id}`, source: a.id, target: b.id, kind, label: null });

const order = node('court_order', 1);
const proceeding = node('proceeding', 2);
const caseA = node('case', 3);
const caseB = node('case', 4);
const school = node('institution', 5);
const person = node('person', 6);

describe('network graph', () => {
  it('merging an expansion appends only new nodes and edges, keeping what is shown as it is', () => {
    const shown: Graph = { nodes: [order, proceeding], edges: [edge('order_from_proceeding', proceeding, order)] };
    const fetched: Graph = {
      nodes: [{ ...proceeding, label: 'relabelled' }, caseA, caseB],
      edges: [edge('order_from_proceeding', proceeding, order), edge('same_proceeding', caseA, proceeding), edge('same_proceeding', caseB, proceeding)],
    };
    const merged = mergeGraph(shown, fetched);
    expect(merged.nodes.map((n) => n.id)).toEqual([order.id, proceeding.id, caseA.id, caseB.id]);
    expect(merged.nodes[1].label).toBe('proceeding 2');
    expect(merged.edges).toHaveLength(3);
    expect(merged.added).toEqual([caseA.id, caseB.id]);
    // Merging the same answer again changes nothing.
    const again = mergeGraph(merged, fetched);
    expect(again.added).toEqual([]);
    expect(again.edges).toHaveLength(3);
  });
  it('an edge to a node that is not in the graph is left out', () => {
    const merged = mergeGraph({ nodes: [caseA], edges: [] }, { nodes: [], edges: [edge('same_school', caseA, school)] });
    expect(merged.edges).toEqual([]);
  });
  it('hiding a kind of edge hides the nodes reachable only through it', () => {
    const graph: Graph = {
      nodes: [order, proceeding, caseA, caseB, school, person],
      edges: [
        edge('order_from_proceeding', proceeding, order),
        edge('same_proceeding', caseA, proceeding),
        edge('same_school', caseA, school),
        edge('same_school', caseB, school),
        edge('same_person', person, caseA),
      ],
    };
    const all = visibleGraph(graph, new Set(['order_from_proceeding', 'same_proceeding', 'same_school', 'same_person', 'case_link']), order.id);
    expect(all.nodes).toHaveLength(6);
    const noSchools = visibleGraph(graph, new Set(['order_from_proceeding', 'same_proceeding', 'same_person']), order.id);
    expect(noSchools.nodes.map((n) => n.id)).toEqual([order.id, proceeding.id, caseA.id, person.id]);
    expect(noSchools.edges.every((e) => e.kind !== 'same_school')).toBe(true);
    // With no edge kind at all, the center stands alone.
    expect(visibleGraph(graph, new Set(), order.id).nodes.map((n) => n.id)).toEqual([order.id]);
  });
  it("a node's neighbours, whichever end it is", () => {
    const graph: Graph = { nodes: [caseA, school, person], edges: [edge('same_school', caseA, school), edge('same_person', person, caseA)] };
    expect(neighbours(graph, caseA.id).map((x) => x.other.id)).toEqual([school.id, person.id]);
    expect(neighbours(graph, school.id).map((x) => x.other.id)).toEqual([caseA.id]);
  });
  it('node ids from the URL are checked; each record has its page, persons none', () => {
    expect(parseNodeId(`case:${U(3)}`)).toEqual({ kind: 'case', recordId: U(3) });
    expect(parseNodeId('case:nope')).toBeNull();
    expect(parseNodeId(`agresor:${U(3)}`)).toBeNull();
    expect(parseNodeId(U(3))).toBeNull();
    expect(parseNodeId(null)).toBeNull();
    expect(nodeHref(caseA)).toBe(`/cases/${U(3)}`);
    expect(nodeHref(school)).toBe(`/institutions/${U(5)}`);
    expect(nodeHref(proceeding)).toBe(`/investigations/${U(2)}`);
    expect(nodeHref(order)).toBe(`/court-orders/${U(1)}`);
    expect(nodeHref(person)).toBeNull();
    expect(networkHref('court_order', U(1))).toBe(`/red?center=court_order%3A${U(1)}`);
  });
  it("a node's detail names its state and writes its years as a period", () => {
    const names = (code: string) => ({ 'MX-MOR': 'Morelos' })[code] ?? code;
    expect(localDetail('MX-MOR · 2007-2018', names)).toBe('Morelos · 2007–2018');
    expect(localDetail('MX-ZZZ · 2018', names)).toBe('MX-ZZZ · 2018');
    expect(localDetail(null, names)).toBeNull();
  });
  it('every shape is a closed outline', () => {
    for (const shape of ['circle', 'square', 'diamond', 'triangle', 'hexagon'] as const) expect(shapePath(shape, 10)).toMatch(/^M.*Z$/);
  });
});

describe('vocabulary for persons', () => {
  it('a person is a "persona señalada" / "person of interest", never an aggressor', async () => {
    const { es } = await import('../src/i18n/es');
    const { en } = await import('../src/i18n/en');
    expect(es['node_kind.person']).toBe('Persona señalada');
    expect(en['node_kind.person']).toBe('Person of interest');
    const mine = (d: Record<string, string>) => Object.entries(d).filter(([k]) => /^(network|node_kind|edge_kind|similar|reason)\./.test(k));
    for (const [key, text] of [...mine(es), ...mine(en)]) expect(text, key).not.toMatch(/agresor|aggressor|perpetrat/i);
  });
});

describe('similarity reasons', () => {
  const names = {
    state: (code: string) => ({ 'MX-MOR': 'Morelos', 'MX-CMX': 'Ciudad de México' })[code] ?? code,
    institution: (id: string) => (id === U(9) ? 'Secretaría de Educación Pública (SEP)' : null),
    proceeding: (id: string) => (id === U(8) ? 'Carpeta de investigación federal' : null),
  };
  const reason = (kind: string, values: string[], weight = 1) => ({ kind, values, weight, detail: 'frase del servicio' }) as Parameters<typeof describeReason>[0];

  it('each kind has its label in Spanish and English, and its codes the dashboard names', () => {
    const es = i18nFor('es');
    const en = i18nFor('en');
    expect(describeReason(reason('pattern', ['multiple_aggressors', 'costumes'], 4.2), es, names)).toEqual({
      kind: 'pattern',
      label: 'Patrones en común',
      values: [
        { text: 'Varios presuntos agresores', href: '/cases?pattern=multiple_aggressors' },
        { text: 'Disfraces', href: '/cases?pattern=costumes' },
      ],
      weight: 4.2,
      detail: 'frase del servicio',
    });
    expect(describeReason(reason('pattern', ['costumes']), en, names).label).toBe('Shared patterns');
    expect(describeReason(reason('period', ['2016-2018']), es, names).values).toEqual([{ text: '2016–2018' }]);
    expect(describeReason(reason('period', ['2016-2016']), en, names)).toMatchObject({ label: 'Overlapping periods', values: [{ text: '2016' }] });
    expect(describeReason(reason('same_state', ['MX-MOR']), es, names)).toMatchObject({ label: 'Mismo estado', values: [{ text: 'Morelos' }] });
    expect(describeReason(reason('neighbouring_state', ['MX-MOR', 'MX-CMX']), en, names)).toMatchObject({
      label: 'Neighbouring state',
      values: [{ text: 'Morelos' }, { text: 'Ciudad de México' }],
    });
    expect(describeReason(reason('sector', ['private']), es, names).values).toEqual([{ text: 'Privada' }]);
    expect(describeReason(reason('level', ['preschool']), en, names)).toMatchObject({ label: 'Same school level', values: [{ text: 'Preschool' }] });
    expect(describeReason(reason('authority', [U(9)]), es, names).values).toEqual([{ text: 'Secretaría de Educación Pública (SEP)', href: `/institutions/${U(9)}` }]);
    expect(describeReason(reason('proceeding', [U(8)]), es, names)).toMatchObject({
      label: 'Mismo procedimiento',
      values: [{ text: 'Carpeta de investigación federal', href: `/investigations/${U(8)}` }],
    });
  });
  it('a record the dashboard cannot name is still linked, under its kind', () => {
    expect(describeReason(reason('proceeding', [U(7)]), i18nFor('es'), names).values).toEqual([{ text: 'Procedimiento', href: `/investigations/${U(7)}` }]);
  });
  it("a kind the dashboard does not know yet shows the service's sentence and the raw values", () => {
    expect(describeReason(reason('same_moon', ['full']), i18nFor('en'), names)).toMatchObject({ label: 'frase del servicio', values: [{ text: 'full' }] });
  });
  it('years and scores are written for the language', () => {
    expect(formatYears('2007-2018')).toBe('2007–2018');
    expect(formatYears('otra cosa')).toBe('otra cosa');
    expect(formatScore(7.254, 'es-MX')).toBe('7.25');
    expect(formatScore(1.5, 'en-US')).toBe('1.5');
  });
});

describe('network layout', () => {
  const hub = node('proceeding', 20);
  const spokes = Array.from({ length: 12 }, (_, i) => node('case', 30 + i));
  const star: Graph = { nodes: [hub, ...spokes], edges: spokes.map((s) => edge('same_proceeding', s, hub)) };

  it('places every node, the same way every time', async () => {
    const { layout } = await import('../src/charts/network');
    const a = layout(star, new Map(), hub.id);
    const b = layout(star, new Map(), hub.id);
    expect([...a.keys()].sort()).toEqual(star.nodes.map((n) => n.id).sort());
    expect([...a.entries()]).toEqual([...b.entries()]);
    for (const p of a.values()) expect(Number.isFinite(p.x) && Number.isFinite(p.y)).toBe(true);
  });
  it('an expansion keeps what was drawn about where it was and puts the new node near the one expanded', async () => {
    const { layout } = await import('../src/charts/network');
    const before = layout(star, new Map(), hub.id);
    const school = node('institution', 50);
    const grown: Graph = { nodes: [...star.nodes, school], edges: [...star.edges, edge('same_school', spokes[0], school)] };
    const after = layout(grown, before, hub.id);
    const dist = (p: { x: number; y: number }, q: { x: number; y: number }) => Math.hypot(p.x - q.x, p.y - q.y);
    const moved = star.nodes.map((n) => dist(before.get(n.id)!, after.get(n.id)!));
    const spread = Math.max(...star.nodes.map((n) => dist(before.get(n.id)!, before.get(hub.id)!)));
    expect(Math.max(...moved)).toBeLessThan(spread / 2);
    const nearest = [...after.entries()].filter(([id]) => id !== school.id).sort((p, q) => dist(p[1], after.get(school.id)!) - dist(q[1], after.get(school.id)!))[0][0];
    expect(nearest).toBe(spokes[0].id);
  });
});
