import fs from 'node:fs';
import path from 'node:path';
import { nowMs } from '../src/common/clock';
import { allows, type Role, type RowScope } from '../src/auth/visibility';
import { PRIVATE_PURPOSE } from '../src/spaces/spaces.visibility';
import { VISIBILITY, visibilityMarkdown } from '../src/visibility';
import { startTestApp, type TestApp } from './support/app';
import { visibilityScene, type Persona, type VisibilityScene } from './support/visibility-scene';

/*
 * docs/visibility.md row by row, for every role: each row of the tables (src/**\/*.visibility.ts,
 * from which the page is generated) is read through the API by each of the seven viewers of the
 * scene, and must be readable exactly when the table says so for that viewer's roles on the row.
 */

let app: TestApp;
let s: VisibilityScene;
/** Projects in C (issue #15): P's proposal, P's approved project, and a proposal the secretary of C2 (who lives in C) leads themself. */
const projects = { proposed: '', approved: '', personal: '' };
/** An OPEN rating round of C (issue #15): its panel is the stranger and the member of P2. */
let ratingRound = '';
beforeAll(async () => {
  app = await startTestApp();
  s = await visibilityScene(app);
  const propose = async (token: string, input: Record<string, unknown>) =>
    (await app.gqlOk(`mutation($i: ProposeProjectInput!) { proposeProject(input: $i) { id } }`, { i: { communityId: s.C, title: '楼道微改造', ...input } }, token)).proposeProject.id as string;
  projects.proposed = await propose(s.member.token, { leadPartnerId: s.P });
  projects.approved = await propose(s.member.token, { leadPartnerId: s.P });
  await app.gqlOk(`mutation($id: ID!) { reviewProject(id: $id, decision: APPROVE, note: "同意") { id } }`, { id: projects.approved }, s.secretary.token);
  projects.personal = await propose(s.otherSecretary.token, { title: '楼栋花园' });
  const input = { communityId: s.C, title: '评估定星', period: '2026Q4', closesAt: new Date(nowMs() + 7 * 86_400_000).toISOString(), partnerIds: [s.P], panelUserIds: [s.stranger.id, s.otherMember.id] };
  const opened = await app.gql(`mutation($i: OpenRatingRoundInput!) { openRatingRound(input: $i) { id } }`, { i: input }, s.secretary.token);
  ratingRound = opened.data.openRatingRound.id;
  // The accepted request, as if resolved since and rated with a comment (ResidentRequest.rating { comment }).
  await app.db.query(
    `UPDATE resident_request SET status = 'RESOLVED', resolved_at = now(), rating_score = 4, rating_comment = '师傅很耐心', rated_at = now() WHERE id = $1`,
    [s.acceptedRequest],
  );
  // The stranger, on the panel, scores P with a comment (RatingRound.myBallots).
  const scores = ['party_leadership', 'institutional_standards', 'overall_effectiveness', 'social_assessment', 'innovation'].map((key) => ({ key, score: 4 }));
  await app.gqlOk(`mutation($r: ID!, $p: ID!, $s: [CriterionScoreInput!]!) { scorePartner(roundId: $r, partnerId: $p, scores: $s, comment: "服务及时") { id } }`, { r: ratingRound, p: s.P, s: scores }, s.stranger.token);
}, 120_000);
afterAll(() => app.close());

type Data = any;
const some = (list: { note?: string | null; by?: unknown }[] | undefined) => !!list?.some((e) => e.note || e.by);

/** One row of a table, read on one object of the scene. */
interface Probe {
  type: string;
  field: string;
  /** Which object, for the test's name. */
  object: string;
  scope: (s: VisibilityScene) => RowScope;
  /** Whether the rule's public condition holds for this object. */
  publicNow?: boolean;
  query: string;
  variables: (s: VisibilityScene) => Record<string, unknown>;
  /** True when the answer shows the field (or the row). */
  readable: (data: Data, s: VisibilityScene) => boolean;
}

const PARTNER = `query($p: ID!) { partner(id: $p) { members { user { id } } calendarUrl offers { id history { to note by { id } } }
  suggestedDemands(first: 3) { demand { id } } partnerships { id history { to note by { id } } } } }`;
const BOARD = `query($c: ID!) { publicBoard(communityId: $c) { openDemands(first: 5) { id history { to note by { id } } suggestions(first: 1) { score }
  matches { id note reviewNote reviewedBy { id } offer { id } history { to note by { id } } } } } }`;
const FULFILLED = `query($c: ID!) { publicBoard(communityId: $c) { recentlyFulfilled(first: 5) { id rating evaluation { rating comment evaluatedBy { id } } } } }`;
const BOOKINGS = `query($p: ID!) { bookings(filter: { partnerId: $p }) { edges { node { id purpose partner { id } history { to note by { id } } } } } }`;
const CONTRACTS = `query($p: ID!) { contracts(filter: { partnerId: $p }) { edges { node { id history { to note by { id } } } } } }`;

const BOARD_W = `query($c: ID!) { publicBoard(communityId: $c) { openDemands(first: 5) { id matches { id volunteer { id } } } } }`;
const matchOfW = (d: Data, x: VisibilityScene, id: string) =>
  d.publicBoard.openDemands.find((i: { id: string }) => i.id === x.W)?.matches.find((m: { id: string }) => m.id === id);
const partnerVars = (x: VisibilityScene) => ({ p: x.P });
const boardVars = (x: VisibilityScene) => ({ c: x.C });
const inC = (x: VisibilityScene) => ({ communityId: x.C, partnerId: x.P });
const demandD = (d: Data, x: VisibilityScene) => d.publicBoard.openDemands.find((i: { id: string }) => i.id === x.D);
const matchOf = (d: Data, x: VisibilityScene, id: string) => demandD(d, x)?.matches.find((m: { id: string }) => m.id === id);
const evaluation = (d: Data, x: VisibilityScene) => d.publicBoard.recentlyFulfilled.find((m: { id: string }) => m.id === x.fulfilled)?.evaluation;
const offerO = (d: Data, x: VisibilityScene) => d.partner.offers.find((o: { id: string }) => o.id === x.O);
const partnership = (d: Data, id: string) => d.partner.partnerships.find((p: { id: string }) => p.id === id);
const booking = (d: Data, id: string) => d.bookings.edges.map((e: { node: unknown }) => e.node).find((b: { id: string }) => b.id === id);
const contract = (d: Data, id: string) => d.contracts.edges.map((e: { node: unknown }) => e.node).find((c: { id: string }) => c.id === id);

const PROBES: Probe[] = [
  {
    type: 'DemandItem',
    field: 'requests',
    object: 'D3, which a resident request was merged into',
    scope: (x) => ({ communityId: x.C }),
    query: `query($c: ID!) { publicBoard(communityId: $c) { openDemands(first: 20) { id requestCount requests { id } } } }`,
    variables: boardVars,
    readable: (d, x) => {
      const item = d.publicBoard.openDemands.find((i: { id: string }) => i.id === x.D3);
      // Everyone reads the count; the requests themselves only where the rule allows.
      if (item?.requestCount !== 1) throw new Error(`requestCount of D3: ${item?.requestCount}`);
      return item.requests.length > 0;
    },
  },
  ...([
    ['rows', 'submittedRequest', false],
    ['rows', 'acceptedRequest', true],
    ['requester', 'acceptedRequest', undefined],
    ['building', 'acceptedRequest', undefined],
    ['declineReason', 'declinedRequest', undefined],
    ['history { note by }', 'acceptedRequest', undefined],
    ['rating { comment }', 'acceptedRequest', undefined],
  ] as const).map(
    ([field, which, publicNow]): Probe => ({
      type: 'ResidentRequest',
      field,
      object: `the ${which.replace('Request', '')} request in C of the secretary of C2`,
      scope: (x) => ({ communityId: x.C, userId: x.otherSecretary.id }),
      publicNow,
      query: `query($id: ID!) { residentRequest(id: $id) { id building declineReason requester { id } history { to note by { id } } rating { score comment } } }`,
      variables: (x) => ({ id: x[which] }),
      readable: (d) => {
        const r = d.residentRequest;
        if (field === 'rows') return !!r;
        if (field === 'history { note by }') return some(r?.history);
        if (field === 'rating { comment }') return !!r?.rating?.comment;
        return !!r?.[field];
      },
    }),
  ),
  ...([
    ['rows', 'proposed', false],
    ['rows', 'approved', true],
    ['rows', 'personal', false],
    ['history { note by }', 'approved', undefined],
  ] as const).map(
    ([field, which, publicNow]): Probe => ({
      type: 'Project',
      field,
      object: which === 'personal' ? 'a proposal in C the secretary of C2 leads themself' : `the ${which} project in C led by P`,
      scope: (x) => (which === 'personal' ? { communityId: x.C, userId: x.otherSecretary.id } : { communityId: x.C, partnerId: x.P }),
      publicNow,
      query: `query($id: ID!) { project(id: $id) { id history { to note by { id } } } }`,
      variables: () => ({ id: projects[which] }),
      readable: (d) => (field === 'rows' ? !!d.project : some(d.project?.history)),
    }),
  ),
  {
    type: 'RatingRound',
    field: 'panel',
    object: 'an open round of C',
    scope: (x) => ({ communityId: x.C }),
    query: `query($id: ID!) { ratingRound(id: $id) { id panel { user { id } scoredPartners } } }`,
    variables: () => ({ id: ratingRound }),
    readable: (d) => d.ratingRound.panel.length > 0,
  },
  {
    type: 'RatingRound',
    field: 'myBallots',
    object: 'an open round of C the stranger scored',
    scope: (x) => ({ communityId: x.C, userId: x.stranger.id }),
    query: `query($id: ID!) { ratingRound(id: $id) { id myBallots { comment } } }`,
    variables: () => ({ id: ratingRound }),
    readable: (d) => d.ratingRound.myBallots.length > 0,
  },
  ...([
    ['rows', 'proposedAgenda', false],
    ['rows', 'openAgenda', true],
    ['history { note by }', 'openAgenda', undefined],
  ] as const).map(
    ([field, which, publicNow]): Probe => ({
      type: 'AgendaItem',
      field,
      object: which === 'proposedAgenda' ? "a resident's proposal in C (by the secretary of C2)" : 'an item of C open for opinions',
      scope: (x) => ({ communityId: x.C, userId: which === 'proposedAgenda' ? x.otherSecretary.id : x.secretary.id }),
      publicNow,
      query: `query($id: ID!) { agendaItem(id: $id) { id history { to note by { id } } } }`,
      variables: (x) => ({ id: x[which] }),
      readable: (d) => (field === 'rows' ? !!d.agendaItem : some(d.agendaItem?.history)),
    }),
  ),
  ...([
    ['openAgenda', false],
    ['namedAgenda', true],
  ] as const).map(
    ([which, publicNow]): Probe => ({
      type: 'Opinion',
      field: 'authorName',
      object: `an opinion voiced ${publicNow ? 'by name' : 'anonymously'}`,
      scope: (x) => ({ communityId: x.C }),
      publicNow,
      query: `query($id: ID!) { agendaItem(id: $id) { opinions { edges { node { text authorName } } } } }`,
      variables: (x) => ({ id: x[which] }),
      readable: (d) => {
        const [edge] = d.agendaItem.opinions.edges;
        if (edge?.node.text !== '支持') throw new Error('the opinion is not there');
        return !!edge.node.authorName;
      },
    }),
  ),
  {
    type: 'Residency',
    field: 'rows',
    object: 'the residency in C of the secretary of C2',
    scope: (x) => ({ communityId: x.C, userId: x.otherSecretary.id }),
    query: `query($c: ID!) { community(id: $c) { secretaries { id residencies { community { id } building } } } }`,
    variables: (x) => ({ c: x.C2 }),
    readable: (d, x) => !!d.community.secretaries.find((u: { id: string }) => u.id === x.otherSecretary.id)?.residencies.some((r: { community: { id: string } }) => r.community.id === x.C),
  },
  {
    type: 'VolunteerRecord',
    field: 'rows',
    object: "P's member, who volunteered alone in C2",
    scope: (x) => ({ communityId: x.C2, userId: x.member.id }),
    query: `query($p: ID!) { partner(id: $p) { members { user { id volunteerRecord { fulfilledMatches residentRatingCount } } } } }`,
    variables: partnerVars,
    readable: (d, x) => !!d.partner.members.find((m: { user: { id: string } }) => m.user.id === x.member.id)?.user.volunteerRecord,
  },
  {
    type: 'User',
    field: 'email',
    object: 'the secretary of C',
    scope: (x) => ({ userId: x.secretary.id }),
    query: `query($c: ID!) { community(id: $c) { secretaries { id email } } }`,
    variables: boardVars,
    readable: (d, x) => !!d.community.secretaries.find((u: { id: string }) => u.id === x.secretary.id)?.email,
  },
  {
    type: 'User',
    field: 'partners',
    object: 'the secretary of C, who also owns a partner',
    scope: (x) => ({ userId: x.secretary.id }),
    query: `query($c: ID!) { community(id: $c) { secretaries { id partners { id } } } }`,
    variables: boardVars,
    readable: (d, x) => d.community.secretaries.find((u: { id: string }) => u.id === x.secretary.id)?.partners.length > 0,
  },
  ...(['members', 'calendarUrl', 'offers', 'suggestedDemands'] as const).map(
    (field): Probe => ({
      type: 'Partner',
      field,
      object: 'P',
      scope: (x) => ({ partnerId: x.P }),
      query: PARTNER,
      variables: partnerVars,
      readable: (d) => (field === 'calendarUrl' ? !!d.partner.calendarUrl : d.partner[field].length > 0),
    }),
  ),
  {
    type: 'Partnership',
    field: 'rows',
    object: "P's PENDING request in C2",
    scope: (x) => ({ communityId: x.C2, partnerId: x.P }),
    publicNow: false,
    query: PARTNER,
    variables: partnerVars,
    readable: (d, x) => !!partnership(d, x.pendingPartnership),
  },
  {
    type: 'Partnership',
    field: 'rows',
    object: "P's ACTIVE partnership in C",
    scope: inC,
    publicNow: true,
    query: PARTNER,
    variables: partnerVars,
    readable: (d, x) => !!partnership(d, x.partnershipId),
  },
  {
    type: 'Partnership',
    field: 'history { note by }',
    object: "P's ACTIVE partnership in C",
    scope: inC,
    query: PARTNER,
    variables: partnerVars,
    readable: (d, x) => some(partnership(d, x.partnershipId)?.history),
  },
  {
    type: 'Match',
    field: 'rows',
    object: 'a PENDING_REVIEW claim',
    scope: inC,
    publicNow: false,
    query: BOARD,
    variables: boardVars,
    readable: (d, x) => !!matchOf(d, x, x.pending),
  },
  {
    type: 'Match',
    field: 'rows',
    object: 'a REJECTED claim',
    scope: inC,
    publicNow: false,
    query: BOARD,
    variables: boardVars,
    readable: (d, x) => !!matchOf(d, x, x.rejected),
  },
  {
    type: 'Match',
    field: 'rows',
    object: 'an APPROVED claim',
    scope: inC,
    publicNow: true,
    query: BOARD,
    variables: boardVars,
    readable: (d, x) => !!matchOf(d, x, x.approved),
  },
  ...(
    [
      ['note', (m: Data) => !!m.note],
      ['reviewNote', (m: Data) => !!m.reviewNote],
      ['reviewedBy', (m: Data) => !!m.reviewedBy],
      ['offer', (m: Data) => !!m.offer],
      ['history', (m: Data) => m.history.length > 0],
      ['history { note by }', (m: Data) => some(m.history)],
    ] as const
  ).map(
    ([field, shows]): Probe => ({
      type: 'Match',
      field,
      object: 'an APPROVED claim',
      scope: inC,
      query: BOARD,
      variables: boardVars,
      readable: (d, x) => shows(matchOf(d, x, x.approved)),
    }),
  ),
  {
    type: 'Match',
    field: 'rows',
    object: "an individual volunteer's PENDING_REVIEW claim in C2 (P's member, living in C2)",
    scope: (x) => ({ communityId: x.C2, userId: x.member.id }),
    publicNow: false,
    query: BOARD_W,
    variables: (x) => ({ c: x.C2 }),
    readable: (d, x) => !!matchOfW(d, x, x.individualPending),
  },
  {
    type: 'Match',
    field: 'volunteer',
    object: "an individual volunteer's APPROVED claim in C2 (P's member, living in C2)",
    scope: (x) => ({ communityId: x.C2, userId: x.member.id }),
    query: BOARD_W,
    variables: (x) => ({ c: x.C2 }),
    readable: (d, x) => !!matchOfW(d, x, x.individual)?.volunteer,
  },
  {
    type: 'Match',
    field: 'evaluation',
    object: 'a FULFILLED, evaluated match',
    scope: inC,
    query: FULFILLED,
    variables: boardVars,
    readable: (d, x) => !!evaluation(d, x)?.evaluatedBy,
  },
  {
    type: 'Evaluation',
    field: 'comment',
    object: 'the evaluation of a FULFILLED match',
    scope: inC,
    query: FULFILLED,
    variables: boardVars,
    readable: (d, x) => !!evaluation(d, x)?.comment,
  },
  ...(
    [
      ['history', (i: Data) => i.history.length > 0, undefined],
      ['history { note by }', (i: Data) => some(i.history), undefined],
      // An item P has no claim on: its offer is suggested for it.
      ['suggestions', (i: Data) => i.suggestions.length > 0, (x: VisibilityScene) => x.D3],
    ] as const
  ).map(
    ([field, shows, item]): Probe => ({
      type: 'DemandItem',
      field,
      object: 'an OPEN demand item',
      scope: (x) => ({ communityId: x.C }),
      query: BOARD,
      variables: boardVars,
      readable: (d, x) => shows(d.publicBoard.openDemands.find((i: { id: string }) => i.id === (item ?? ((y: VisibilityScene) => y.D))(x))),
    }),
  ),
  ...(
    [
      ['history', (o: Data) => !!o && o.history.length > 0],
      ['history { note by }', (o: Data) => !!o && some(o.history)],
    ] as const
  ).map(
    ([field, shows]): Probe => ({
      type: 'SupplyOffer',
      field,
      object: "P's offer",
      scope: (x) => ({ partnerId: x.P }),
      query: PARTNER,
      variables: partnerVars,
      readable: (d, x) => shows(offerO(d, x)),
    }),
  ),
  ...(['purpose', 'partner'] as const).flatMap((field): Probe[] =>
    [
      ['a private booking', (x: VisibilityScene) => x.privateBooking, false],
      ['a contract session', (x: VisibilityScene) => x.session, true],
    ].map(([object, id, publicNow]) => ({
      type: 'Booking',
      field,
      object: object as string,
      scope: inC,
      publicNow: publicNow as boolean,
      query: BOOKINGS,
      variables: partnerVars,
      readable: (d, x) => {
        const b = booking(d, (id as (x: VisibilityScene) => string)(x));
        return field === 'purpose' ? b.purpose !== PRIVATE_PURPOSE : !!b.partner;
      },
    })),
  ),
  {
    type: 'Booking',
    field: 'history { note by }',
    object: 'a private booking, cancelled',
    scope: inC,
    query: BOOKINGS,
    variables: partnerVars,
    readable: (d, x) => some(booking(d, x.privateBooking).history),
  },
  {
    type: 'SpaceContract',
    field: 'rows',
    object: 'a PENDING_REVIEW contract',
    scope: inC,
    publicNow: false,
    query: CONTRACTS,
    variables: partnerVars,
    readable: (d, x) => !!contract(d, x.pendingContract),
  },
  {
    type: 'SpaceContract',
    field: 'rows',
    object: 'an ACTIVE contract',
    scope: inC,
    publicNow: true,
    query: CONTRACTS,
    variables: partnerVars,
    readable: (d, x) => !!contract(d, x.activeContract),
  },
  {
    type: 'SpaceContract',
    field: 'history { note by }',
    object: 'an ACTIVE contract',
    scope: inC,
    query: CONTRACTS,
    variables: partnerVars,
    readable: (d, x) => some(contract(d, x.activeContract)?.history),
  },
];

/** The persona's roles on a row, from what the scene made of it (not from the server). */
function rolesOf(p: Persona, scope: RowScope): Set<Role> {
  if (!p.token) return new Set(['anonymous']);
  const roles = new Set<Role>(['signedIn']);
  if (p.isAdmin) roles.add('admin');
  if (scope.partnerId && p.partners.includes(scope.partnerId)) roles.add('member');
  if (scope.communityId && p.communities.includes(scope.communityId)) roles.add('secretary');
  if (scope.userId && scope.userId === p.userId) roles.add('self');
  return roles;
}

const ruleOf = (type: string, field: string) => {
  const table = VISIBILITY.find((t) => t.type === type)!;
  return field === 'rows' ? table.rows! : (table.fields as Record<string, NonNullable<typeof table.rows>>)[field];
};

describe('docs/visibility.md', () => {
  it('is the page generated from the tables the code enforces', () => {
    const page = fs.readFileSync(path.resolve(__dirname, '..', 'docs', 'visibility.md'), 'utf8');
    expect(page).toBe(visibilityMarkdown());
  });

  it('has a probe below for every row, and one each way for every row with a public condition', () => {
    for (const table of VISIBILITY) {
      const rows: [string, { publicWhen?: string }][] = [...(table.rows ? [['rows', table.rows] as [string, { publicWhen?: string }]] : []), ...Object.entries(table.fields)];
      for (const [field, rule] of rows) {
        const probes = PROBES.filter((p) => p.type === table.type && p.field === field);
        expect({ row: `${table.type}.${field}`, probed: probes.length > 0 }).toEqual({ row: `${table.type}.${field}`, probed: true });
        if (rule.publicWhen) {
          expect({ row: `${table.type}.${field}`, cases: [...new Set(probes.map((p) => !!p.publicNow))].sort() }).toEqual({ row: `${table.type}.${field}`, cases: [false, true] });
        }
      }
    }
  });
});

describe.each(PROBES.map((p) => [`${p.type}.${p.field === 'rows' ? '(row)' : p.field} of ${p.object}`, p] as const))('%s', (_name, probe) => {
  it('is readable by exactly the roles the table names', async () => {
    const rule = ruleOf(probe.type, probe.field);
    const seen: Record<string, boolean> = {};
    const expected: Record<string, boolean> = {};
    for (const persona of s.personas) {
      const res = await app.gql(probe.query, probe.variables(s), persona.token);
      expect({ persona: persona.name, errors: res.errors }).toEqual({ persona: persona.name, errors: undefined });
      seen[persona.name] = probe.readable(res.data, s);
      expected[persona.name] = allows(rule, rolesOf(persona, probe.scope(s)), probe.publicNow);
    }
    expect(seen).toEqual(expected);
  });
});
