// Reference data the screens share, fetched once per session and kept in memory.
import { allPages, api, must, type Schemas } from './api/client';
import { useAsync } from './components/ui';
import { isAdmin, sessionStore } from './session';

export type State = Schemas['StateOut'];
export type Institution = Schemas['InstitutionOut'];

let states: Promise<State[]> | null = null;
let institutions: Promise<Institution[]> | null = null;
let actors: Promise<Map<string, string>> | null = null;

// A new session (another user) starts from a clean cache.
sessionStore.subscribe(() => {
  states = null;
  institutions = null;
  actors = null;
});

/**
 * Names for the audit trail's actors (`user:<id>`, `partner:<id>`). Only admins may list accounts and
 * partners; for everyone else the map is empty and actors are shown by a short id.
 */
export function loadActors(): Promise<Map<string, string>> {
  if (!isAdmin(sessionStore.get())) return Promise.resolve(new Map());
  actors ??= Promise.all([
    allPages((cursor) => api.GET('/api/v1/users', { params: { query: { limit: 200, cursor } } }).then(must)),
    allPages((cursor) => api.GET('/api/v1/partners', { params: { query: { limit: 200, cursor } } }).then(must)),
  ]).then(
    ([users, partners]) =>
      new Map([
        ...users.map((u) => [`user:${u.id}`, u.full_name ? `${u.full_name} (${u.email})` : u.email] as [string, string]),
        ...partners.map((p) => [`partner:${p.id}`, p.name] as [string, string]),
      ]),
    () => new Map(),
  );
  return actors;
}

export function loadStates(): Promise<State[]> {
  states ??= api.GET('/api/v1/states').then(must).then((list) => [...list].sort((a, b) => a.name.localeCompare(b.name, 'es')));
  states.catch(() => (states = null));
  return states;
}

export function loadInstitutions(): Promise<Institution[]> {
  institutions ??= allPages((cursor) =>
    api.GET('/api/v1/institutions', { params: { query: { limit: 200, cursor } } }).then(must),
  ).then((list) => list.sort((a, b) => a.name.localeCompare(b.name, 'es')));
  institutions.catch(() => (institutions = null));
  return institutions;
}

export function forgetInstitutions(): void {
  institutions = null;
}

export interface Reference {
  states: State[];
  stateName: (code: string | null | undefined) => string;
  institutions: Institution[];
  institutionName: (id: string | null | undefined) => string;
}

export async function loadReference(): Promise<Reference> {
  const [s, i] = await Promise.all([loadStates(), loadInstitutions()]);
  const byCode = new Map(s.map((x) => [x.code, x.name]));
  const byId = new Map(i.map((x) => [x.id, x.name]));
  return {
    states: s,
    stateName: (code) => (code ? (byCode.get(code) ?? code) : '—'),
    institutions: i,
    institutionName: (id) => (id ? (byId.get(id) ?? '—') : '—'),
  };
}

export function useReference() {
  return useAsync(loadReference, []);
}

// The API's vocabularies, in the order forms offer them.
export const LEGAL_STATUSES: Schemas['LegalStatus'][] = [
  'documented',
  'complaint_filed',
  'under_investigation',
  'in_trial',
  'sentenced',
  'closed',
];
export const PATTERNS: Schemas['Pattern'][] = [
  'multiple_aggressors',
  'group_victimization',
  'children_forced_to_harm_each_other',
  'cameras_or_recording',
  'costumes',
  'sedation',
  'other_children_asleep',
  'on_campus_residence',
  'covered_windows',
  'staff_from_management_to_maintenance',
  'assault_in_bathrooms',
  'assault_in_office',
];
export const SECTORS: Schemas['Sector'][] = ['public', 'private'];
export const VISIBILITIES: Schemas['Visibility'][] = ['internal', 'restricted', 'partners', 'public'];
export const SOURCE_KINDS: Schemas['SourceKind'][] = [
  'court_file',
  'human_rights_recommendation',
  'media_report',
  'family_testimony',
  'ngo_report',
  'other',
];
export const COMPLIANCE: Schemas['ComplianceStatus'][] = ['pending', 'partial', 'complied', 'disputed'];
export const LINK_REASONS: Schemas['LinkReason'][] = [
  'shared_pattern',
  'shared_person',
  'shared_institution',
  'same_authority',
  'other',
];
export const INSTITUTION_KINDS: Schemas['InstitutionKind'][] = [
  'school',
  'education_authority',
  'prosecutor',
  'court',
  'human_rights_commission',
  'government',
  'police',
  'ngo',
  'other',
];
export const ROLES: Schemas['Role'][] = ['admin', 'editor', 'viewer'];
