import request from 'supertest';
import { seedDemo } from '../src/seed/seed';
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
