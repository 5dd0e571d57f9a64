import request from 'supertest';
import { DEMO_PASSWORD, seedDemo } from '../src/seed/seed';
import { startTestApp, type TestApp } from './support/app';

describe('the IDE served by this server', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { GRAPHQL_LANDING_PAGE: 'true' } });
    await seedDemo(app.db, app.config);
  });
  afterAll(() => app.close());

  it('serves GraphiQL at GET /graphql to browsers, loading only its own assets, with a policy naming no other host', async () => {
    const res = await request(app.server).get('/graphql').set('accept', 'text/html,application/xhtml+xml,*/*;q=0.8');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toContain('<html lang="zh-CN">');
    expect(res.text).toContain('GraphQL 调试台');
    expect(res.text).not.toMatch(/https?:\/\//);
    const sources = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(sources.length).toBeGreaterThanOrEqual(6);
    for (const source of sources) expect(source).toMatch(/^\/ide\/assets\/[\w.-]+$/);
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https?:|\*/);
    for (const source of sources) {
      const asset = await request(app.server).get(source);
      expect(asset.status).toBe(200);
      expect(asset.headers['content-type']).toMatch(/^(application\/javascript|text\/css)/);
    }
  });

  it('saves an example for each kind of user, with the demo data’s ids filled in', async () => {
    const res = await request(app.server).get('/graphql').set('accept', 'text/html');
    const config = JSON.parse(/<script type="application\/json" id="ide-config">([^<]*)<\/script>/.exec(res.text)![1]);
    const [community] = await app.db.query(`SELECT id FROM community WHERE name = '江畔家园公租房社区'`);
    const tabs = config.tabs as { query: string; variables?: string }[];
    expect(tabs).toHaveLength(4);
    expect(tabs[0].query).toContain('query ResidentPublicBoard');
    expect(JSON.parse(tabs[0].variables!).c).toBe(community.id);
    expect(tabs[1].query).toContain('secretary.jiangpan@demo.cn');
    expect(tabs[1].query).toContain('subscription SecretaryQueueLive');
    expect(tabs[2].query).toContain('library@demo.cn');
    expect(tabs[3].query).toContain('english@demo.cn');
    // The examples run as saved: every operation in them is valid against the schema.
    for (const tab of tabs) {
      for (const name of [...tab.query.matchAll(/^(?:query|mutation) (\w+)/gm)].map((m) => m[1])) {
        const answer = await request(app.server)
          .post('/graphql')
          .send({ query: tab.query, operationName: name, variables: tab.variables ? JSON.parse(tab.variables) : {} });
        const codes = (answer.body.errors ?? []).map((e: { extensions: { code: string } }) => e.extensions.code);
        // Anonymous here: operations that need a signed-in user may refuse, but none is malformed.
        expect(codes.filter((c: string) => c !== 'UNAUTHENTICATED')).toEqual([]);
      }
    }
    const board = await request(app.server).post('/graphql').send({ query: tabs[0].query, variables: JSON.parse(tabs[0].variables!) });
    expect(board.body.data.publicBoard.community.name).toBe('江畔家园公租房社区');
  });

  it('holds residents’ requests at every status in the demo, in Chinese, each with its history (issue #14)', async () => {
    const login = async (email: string) =>
      (await request(app.server).post('/graphql').send({ query: `mutation($e: String!) { logIn(input: { email: $e, password: "${DEMO_PASSWORD}" }) { token } }`, variables: { e: email } })).body.data.logIn.token as string;
    const secretary = await login('secretary.jiangpan@demo.cn');
    const [community] = await app.db.query(`SELECT id FROM community WHERE name = '江畔家园公租房社区'`);
    const res = await request(app.server)
      .post('/graphql')
      .set('authorization', `Bearer ${secretary}`)
      .send({
        query: `query($c: ID!) { residentRequests(filter: { communityId: $c }, first: 50) { edges { node {
          kind title status declineReason requester { displayName } rating { score } demand { status matches { status partner { name } volunteer { displayName } } } history { from to by { displayName } } } } } }`,
        variables: { c: community.id },
      });
    expect(res.body.errors).toBeUndefined();
    type Node = { kind: string; title: string; status: string; declineReason: string | null; requester: { displayName: string }; rating: { score: number } | null; demand: { status: string; matches: { status: string; partner: { name: string } | null; volunteer: { displayName: string } | null }[] } | null; history: { from: string | null; to: string; by: { displayName: string } | null }[] };
    const nodes: Node[] = res.body.data.residentRequests.edges.map((e: { node: Node }) => e.node);
    const byTitle = (title: string) => nodes.find((n) => n.title === title)!;
    expect(new Set(nodes.map((n) => n.status))).toEqual(new Set(['SUBMITTED', 'ACCEPTED', 'IN_PROGRESS', 'AWAITING_INSPECTION', 'RESOLVED', 'DECLINED']));
    for (const n of nodes) {
      expect(n.title).toMatch(/[\u4e00-\u9fff]/);
      // Every request's history starts at its submission by the requester and ends at its status.
      expect(n.history[0]).toEqual({ from: null, to: 'SUBMITTED', by: { displayName: n.requester.displayName } });
      expect(n.history.at(-1)!.to).toBe(n.status);
    }
    const pipe = byTitle('厨房水管漏水');
    expect(pipe).toMatchObject({ kind: 'REPAIR', status: 'RESOLVED', rating: { score: 5 }, demand: { status: 'FULFILLED', matches: [{ status: 'FULFILLED', partner: { name: '绿城物业江畔项目部' } }] } });
    expect(pipe.history.map((h) => h.to)).toEqual(['SUBMITTED', 'ACCEPTED', 'IN_PROGRESS', 'AWAITING_INSPECTION', 'RESOLVED']);
    const wish = byTitle('想给孙子找一位读书伙伴');
    // Claimed alone by a resident, approved: in progress.
    expect(wish).toMatchObject({ kind: 'WISH', status: 'IN_PROGRESS', demand: { status: 'MATCHED', matches: [{ status: 'APPROVED', partner: null, volunteer: { displayName: '居民小林' } }] } });
    expect(byTitle('想学用手机在网上挂号')).toMatchObject({ kind: 'WISH', status: 'ACCEPTED', demand: { status: 'OPEN', matches: [] } });
    const complaint = byTitle('楼下商铺油烟扰民');
    expect(complaint).toMatchObject({ kind: 'COMPLAINT', status: 'DECLINED', declineReason: expect.stringContaining('12345') });
    expect(complaint.history.map((h) => [h.to, h.by?.displayName])).toEqual([['SUBMITTED', '陈先生（江畔家园7号楼）'], ['DECLINED', '王秀英（江畔家园社区书记）']]);
    // The history rows themselves: one per step, none for a request that does not exist.
    const [rows] = await app.db.query(
      `SELECT count(*)::int AS n FROM status_change s JOIN resident_request r ON r.id = s.object_id WHERE s.object_type = 'RESIDENT_REQUEST' AND r.community_id = $1`,
      [community.id],
    );
    expect(rows.n).toBe(nodes.reduce((sum, n) => sum + n.history.length, 0));
  });

  it('publishes the demo projects on the board, in Chinese: one a meeting decided, one at 60 % with its updates, one completed; a proposal stays off it (issue #15)', async () => {
    const [community] = await app.db.query(`SELECT id FROM community WHERE name = '江畔家园公租房社区'`);
    const res = await request(app.server)
      .post('/graphql')
      .send({ query: `query($c: ID!) { publicBoard(communityId: $c) { projects { title status progressPercent leadPartner { name } demands { title } updates { text progressPercent authorName } } } }`, variables: { c: community.id } });
    expect(res.body.errors).toBeUndefined();
    const projects = res.body.data.publicBoard.projects;
    expect(projects.map((p: { title: string; status: string; progressPercent: number }) => [p.title, p.status, p.progressPercent])).toEqual([
      ['7号楼楼道堆物集中清理', 'APPROVED', 0],
      ['3号楼楼道微改造', 'IN_PROGRESS', 60],
      ['儿童之家绘本角焕新', 'COMPLETED', 100],
    ]);
    expect(projects[1]).toMatchObject({ leadPartner: { name: '绿城物业江畔项目部' }, demands: [{ title: '楼道消防安全检查志愿者' }] });
    expect(projects[1].updates.map((u: { progressPercent: number; authorName: string }) => [u.progressPercent, u.authorName])).toEqual([
      [20, '绿城物业江畔项目部'],
      [45, '绿城物业江畔项目部'],
      [60, '王秀英（江畔家园社区书记）'],
    ]);
    const [proposal] = await app.db.query(`SELECT status FROM project WHERE title = '中心花园遮阳棚'`);
    expect(proposal.status).toBe('PROPOSED');
  });

  it('holds a closed rating round with its results on the board, and the next round open (issue #15)', async () => {
    const [community] = await app.db.query(`SELECT id FROM community WHERE name = '江畔家园公租房社区'`);
    const res = await request(app.server)
      .post('/graphql')
      .send({
        query: `query($c: ID!) { ratingRounds(communityId: $c) { title period status panelSize ballotsCast criteria { name } results { partner { name stats { stars } } stars ballots } }
          publicBoard(communityId: $c) { ratings { partner { name } stars round { period } } } }`,
        variables: { c: community.id },
      });
    expect(res.body.errors).toBeUndefined();
    const [open, closed] = res.body.data.ratingRounds;
    expect(open).toMatchObject({ period: '2026Q4', status: 'OPEN', panelSize: 4, results: [] });
    expect(closed).toMatchObject({ title: expect.stringMatching(/评估定星/), period: '2026Q3', status: 'CLOSED', panelSize: 4, ballotsCast: 4 });
    expect(closed.criteria.map((c: { name: string }) => c.name)).toEqual(['党建引领作用', '制度规范化建设', '整体工作效能', '社会评估', '创新工作机制']);
    expect(closed.results).toHaveLength(4);
    for (const r of closed.results) {
      expect(r.ballots).toBe(4);
      expect(r.partner.stats.stars).toBe(r.stars);
    }
    expect(closed.results[0]).toMatchObject({ partner: { name: '浦江镇图书馆江畔分馆' }, stars: 5 });
    expect(res.body.data.publicBoard.ratings.map((r: { partner: { name: string } }) => r.partner.name)).toEqual(closed.results.map((r: { partner: { name: string } }) => r.partner.name));
  });

  it('holds an open agenda item with opinions and a decided one that created a demand item and a project, in Chinese (issue #15)', async () => {
    const [community] = await app.db.query(`SELECT id FROM community WHERE name = '江畔家园公租房社区'`);
    const res = await request(app.server)
      .post('/graphql')
      .send({
        query: `query($c: ID!) { publicBoard(communityId: $c) { agenda { id title status support oppose neutral outcome attendees linkedDemands { title status }
          opinions(first: 5) { totalCount edges { node { text authorName } } } history { to } } } }`,
        variables: { c: community.id },
      });
    expect(res.body.errors).toBeUndefined();
    const [open, decided] = res.body.data.publicBoard.agenda;
    expect(open).toMatchObject({ title: '中心花园是否加装遮阳棚', status: 'OPEN_FOR_OPINIONS', support: 2, oppose: 1, neutral: 0, opinions: { totalCount: 3 }, history: [{ to: 'OPEN_FOR_OPINIONS' }] });
    // The anonymous author is not named; the others are.
    expect(open.opinions.edges.map((e: { node: { authorName: string | null } }) => e.node.authorName)).toEqual(['居民小林', '周阿姨（江畔家园5号楼）', null]);
    expect(decided).toMatchObject({
      status: 'DECIDED',
      attendees: 27,
      outcome: expect.stringMatching(/[\u4e00-\u9fff]/),
      linkedDemands: [{ title: '7号楼楼道堆物清理志愿者', status: 'OPEN' }],
    });
    expect(decided.history.map((h: { to: string }) => h.to)).toEqual(['OPEN_FOR_OPINIONS', 'DECIDED']);
    // The project the meeting created, asked of the one item (the board's agenda with every link would cost too much).
    const item = await request(app.server)
      .post('/graphql')
      .send({ query: `query($id: ID!) { agendaItem(id: $id) { linkedProjects { title status leadPartner { name } } } }`, variables: { id: decided.id } });
    expect(item.body.data.agendaItem.linkedProjects).toEqual([{ title: '7号楼楼道堆物集中清理', status: 'APPROVED', leadPartner: { name: '绿城物业江畔项目部' } }]);
  });

  it('GraphQL over GET and JSON clients still reach the GraphQL server', async () => {
    const res = await request(app.server).get('/graphql').query({ query: '{ __typename }' }).set('apollo-require-preflight', 'true');
    expect(res.body.data.__typename).toBe('Query');
    expect((await request(app.server).get('/ide/assets/nothing.js')).status).toBe(404);
  });
});

describe('in production', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { NODE_ENV: 'production', JWT_SECRET: '9f86d081884c7d659a2feaa0c55ad015b3f1e0a4', ADMIN_PASSWORD: 'x-admin-pass-1' } });
  });
  afterAll(() => app.close());

  it('serves no IDE unless GRAPHQL_LANDING_PAGE enables it', async () => {
    const res = await request(app.server).get('/graphql').set('accept', 'text/html');
    expect(res.headers['content-type'] ?? '').not.toMatch(/html/);
    expect((await request(app.server).get('/ide/assets/graphiql.min.js')).status).toBe(404);
  });
});
