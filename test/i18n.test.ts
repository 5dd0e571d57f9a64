import { IntlMessageFormat } from 'intl-messageformat';
import request from 'supertest';
import { count, errorCode, ok, startTestApp, type TestApp } from './support/app';
import { postDemand, publishOffer, scene } from './support/demand-fixtures';
import { signUp } from './support/fixtures';
import { loggedService, minutesAgo, VERIFY } from './support/service-hours';
import { book, CANCEL, EVERY_DAY, localDate, nextOccurrence, propose, REVIEW, slot, spaceSetup, TERMINATE } from './support/spaces';
import { bearer, Subscription, until, wsClient } from './support/live';
import { topics } from '../src/live/events';
import { LOCALES, negotiateLocale } from '../src/i18n/locale';
import { catalogues, t } from '../src/i18n/messages';
import { AgendaStatus } from '../src/agendas/agenda-item.entity';
import { agendaLifecycle } from '../src/agendas/agendas.lifecycle';
import { demandLifecycle, matchLifecycle, offerLifecycle } from '../src/demand/demand.lifecycle';
import { DemandStatus } from '../src/demand/demand-item.entity';
import { MatchStatus } from '../src/demand/match.entity';
import { OfferStatus } from '../src/demand/supply-offer.entity';
import { invitationLifecycle } from '../src/partners/invitation.lifecycle';
import { InvitationStatus } from '../src/partners/partner-invitation.entity';
import { PartnershipStatus } from '../src/partners/partner.entity';
import { partnershipLifecycle } from '../src/partners/partnership.lifecycle';
import { ProjectStatus } from '../src/projects/project.entity';
import { projectLifecycle } from '../src/projects/projects.lifecycle';
import { RatingRoundStatus } from '../src/ratings/rating-round.entity';
import { ratingRoundLifecycle } from '../src/ratings/ratings.lifecycle';
import { RequestStatus } from '../src/residents/resident-request.entity';
import { requestLifecycle } from '../src/residents/residents.lifecycle';
import { ServiceLogStatus } from '../src/service-hours/service-log.entity';
import { serviceLogLifecycle } from '../src/service-hours/service-log.lifecycle';
import { BookingStatus } from '../src/spaces/booking.entity';
import { bookingLifecycle } from '../src/spaces/booking.lifecycle';
import { contractLifecycle } from '../src/spaces/contract.lifecycle';
import { ContractStatus } from '../src/spaces/space-contract.entity';

/** The arguments a message uses, each with its kind (string, plural, select...), nested ones included. */
function argumentsOf(source: string): string[] {
  const found = new Map<string, string>();
  const walk = (nodes: any[]) => {
    for (const n of nodes) {
      // Element types of @formatjs/icu-messageformat-parser: 1 argument, 2 number, 3 date, 4 time, 5 select, 6 plural.
      if (n.value !== undefined && n.type >= 1 && n.type <= 6) {
        // An argument both printed and pluralised counts as plural ("{n} of..." in one language, "{n, plural...}" in another).
        const kind = n.type === 1 ? 'text' : String(n.type);
        if (found.get(n.value) === undefined || found.get(n.value) === 'text') found.set(n.value, kind);
      }
      for (const option of Object.values(n.options ?? {}) as { value: any[] }[]) walk(option.value);
    }
  };
  walk(new IntlMessageFormat(source.replace(/'/g, "''"), 'en', undefined, { ignoreTag: true }).getAst());
  return [...found].map(([name, kind]) => `${name}:${kind}`).sort();
}

describe('message catalogues', () => {
  const ids = (locale: (typeof LOCALES)[number]) => Object.keys(catalogues[locale]).sort();

  it.each(LOCALES.filter((l) => l !== 'en'))('%s has exactly the ids of en, none empty', (locale) => {
    expect(ids(locale)).toEqual(ids('en'));
    for (const id of ids(locale)) expect(catalogues[locale][id as keyof (typeof catalogues)['en']].trim()).not.toBe('');
  });

  it.each(LOCALES.filter((l) => l !== 'en'))('%s uses the same ICU arguments as en in every message', (locale) => {
    const differing = ids('en').filter((id) => {
      const key = id as keyof (typeof catalogues)['en'];
      return JSON.stringify(argumentsOf(catalogues[locale][key])) !== JSON.stringify(argumentsOf(catalogues.en[key]));
    });
    expect(differing).toEqual([]);
  });

  it('the check sees a missing argument and a missing key', () => {
    expect(argumentsOf('{a} {n, plural, one {# x} other {# y}}')).toEqual(['a:text', 'n:6']);
    expect(argumentsOf('{n, plural, other {# 个}}')).not.toEqual(argumentsOf('{a} {n, plural, one {# x} other {# y}}'));
    const broken = { ...catalogues['zh-CN'] } as Record<string, string>;
    delete broken['error.forbidden'];
    expect(Object.keys(broken).sort()).not.toEqual(ids('en'));
  });

  it('names every lifecycle object and each of its statuses in Chinese, never by its key', () => {
    const lifecycles: [{ objectType: string }, Record<string, string>][] = [
      [agendaLifecycle, AgendaStatus], [projectLifecycle, ProjectStatus], [ratingRoundLifecycle, RatingRoundStatus], [requestLifecycle, RequestStatus],
      [demandLifecycle, DemandStatus], [matchLifecycle, MatchStatus], [offerLifecycle, OfferStatus], [invitationLifecycle, InvitationStatus],
      [partnershipLifecycle, PartnershipStatus], [serviceLogLifecycle, ServiceLogStatus], [bookingLifecycle, BookingStatus], [contractLifecycle, ContractStatus],
    ];
    const chinese = expect.stringMatching(/^[\u4e00-\u9fff]+$/);
    for (const [lifecycle, statuses] of lifecycles) {
      // The state machine names its object by the camel-cased object type (error.invalidTransition).
      const what = lifecycle.objectType.toLowerCase().replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
      expect([what, t('zh-CN', 'thing', { what })]).toEqual([what, chinese]);
      expect([what, t('en', 'thing', { what })]).toEqual([what, expect.stringMatching(/^[a-z ]+$/)]);
      for (const status of Object.values(statuses)) expect([status, t('zh-CN', 'status', { status })]).toEqual([status, chinese]);
    }
    expect(t('zh-CN', 'error.invalidTransition', { object: { msg: 'thing', values: { what: 'agendaItem' } }, from: { msg: 'status', values: { status: AgendaStatus.DECIDED } }, to: { msg: 'status', values: { status: AgendaStatus.OPEN_FOR_OPINIONS } } })).toBe(
      '议题不能从 已形成决议 变为 征集意见中',
    );
    expect(t('zh-CN', 'status', { status: ProjectStatus.IN_PROGRESS })).toBe('进行中');
    expect(t('zh-CN', 'status', { status: RatingRoundStatus.CLOSED })).toBe('已截止');
    expect(t('zh-CN', 'status', { status: RequestStatus.AWAITING_INSPECTION })).toBe('待验收');
    expect(t('en', 'thing', { what: 'project' })).toBe('project');
    expect(t('en', 'thing', { what: 'ratingRound' })).toBe('rating round');
  });

  it('formats plurals, weekdays and dates in the reader language and the community time zone', () => {
    const values = { count: 2, occurrences: { list: [{ at: '2026-12-05T06:00:00Z', timeZone: 'Asia/Shanghai' }, { at: '2026-12-12T06:00:00Z', timeZone: 'Asia/Shanghai' }] } };
    expect(t('en', 'history.skippedOccurrences', values)).toBe('Skipped 2 taken occurrences: Dec 5, 2026, 2:00 PM and Dec 12, 2026, 2:00 PM');
    expect(t('en', 'history.skippedOccurrences', { count: 1, occurrences: 'x' })).toBe('Skipped 1 taken occurrence: x');
    expect(t('zh-CN', 'history.skippedOccurrences', values)).toBe('跳过了 2 个已被占用的场次：2026年12月5日 14:00和2026年12月12日 14:00');
    const slot = { msg: 'slot' as const, values: { weekday: { weekday: 'MONDAY' }, startTime: '14:00', endTime: '16:00' } };
    expect(t('zh-CN', 'contract.slotNotOffered', { slot })).toBe('星期一 14:00-16:00 不是该活动室的每周开放时段');
    expect(t('en', 'contract.slotNotOffered', { slot })).toBe("Monday 14:00-16:00 is not one of the room's weekly slots");
  });

  it('negotiates Accept-Language by q-value, falling through when it names none of ours', () => {
    expect(negotiateLocale('en')).toBe('en');
    expect(negotiateLocale('en-GB,en;q=0.9')).toBe('en');
    expect(negotiateLocale('fr, en;q=0.5, zh-CN;q=0.4')).toBe('en');
    expect(negotiateLocale('en;q=0.2, zh-CN;q=0.9')).toBe('zh-CN');
    expect(negotiateLocale('zh-TW')).toBe('zh-CN');
    expect(negotiateLocale('zh')).toBe('zh-CN');
    expect(negotiateLocale('de')).toBeNull();
    expect(negotiateLocale('*')).toBeNull();
    expect(negotiateLocale('')).toBeNull();
    expect(negotiateLocale('x_y;;q=abc')).toBeNull();
  });
});

describe('the language of answers', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ language: null });
  });
  afterAll(() => app.close());

  const SET = `mutation($l: String!) { setMyLocale(locale: $l) { id locale } }`;
  const raw = (query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const req = request(app.server).post('/graphql').set('content-type', 'application/json');
    for (const [k, v] of Object.entries(headers)) req.set(k, v);
    return req.send({ query, variables });
  };

  it('refuses in Chinese without Accept-Language and in English with Accept-Language: en, same code', async () => {
    const zh = await raw(SET, { l: 'en' });
    expect(zh.body.errors[0]).toMatchObject({ message: '请先登录再进行此操作', extensions: { code: 'UNAUTHENTICATED' } });
    expect(zh.headers['content-language']).toBe('zh-CN');
    const en = await raw(SET, { l: 'en' }, { 'accept-language': 'en-US,en;q=0.9' });
    expect(en.body.errors[0]).toMatchObject({ message: 'You must be signed in to do this', extensions: { code: 'UNAUTHENTICATED' } });
    expect(en.headers['content-language']).toBe('en');
    const preferred = await raw(SET, { l: 'en' }, { 'accept-language': 'de, zh;q=0.5, en;q=0.1' });
    expect(preferred.body.errors[0].message).toBe('请先登录再进行此操作');
  });

  it('translates field messages and the message built from them', async () => {
    const user = await signUp(app);
    const zh = await raw(SET, { l: 'fr' }, { authorization: `Bearer ${user.token}` });
    expect(errorCode({ ...zh, data: zh.body.data, errors: zh.body.errors, status: zh.status, headers: {} })).toBe('BAD_USER_INPUT');
    expect(zh.body.errors[0].extensions.fields).toEqual([{ path: 'locale', message: '不是支持的语言，请使用 zh-CN, en 之一' }]);
    expect(zh.body.errors[0].message).toBe('locale：不是支持的语言，请使用 zh-CN, en 之一');
    const en = await raw(SET, { l: 'fr' }, { authorization: `Bearer ${user.token}`, 'accept-language': 'en' });
    expect(en.body.errors[0].extensions.fields).toEqual([{ path: 'locale', message: 'is not a supported language; use one of zh-CN, en' }]);
    expect(await count(app.db, 'app_user', 'id = $1 AND locale IS NOT NULL', [user.id])).toBe(0);
  });

  it('says in Chinese that an unknown project or agenda item does not exist, naming the thing, not its key', async () => {
    const admin = await app.adminToken();
    const nobody = '00000000-0000-4000-8000-000000000000';
    const project = await raw(`mutation($id: ID!) { reviewProject(id: $id, decision: APPROVE) { id } }`, { id: nobody }, { authorization: `Bearer ${admin}` });
    expect(project.body.errors[0]).toMatchObject({ message: `项目 ${nobody} 不存在`, extensions: { code: 'NOT_FOUND' } });
    const item = await raw(`mutation($id: ID!) { approveAgendaItem(id: $id) { id } }`, { id: nobody }, { authorization: `Bearer ${admin}` });
    expect(item.body.errors[0]).toMatchObject({ message: `议题 ${nobody} 不存在`, extensions: { code: 'NOT_FOUND' } });
    const round = await raw(`mutation($id: ID!) { closeRatingRound(id: $id) { id } }`, { id: nobody }, { authorization: `Bearer ${admin}` });
    expect(round.body.errors[0]).toMatchObject({ message: `评估轮次 ${nobody} 不存在`, extensions: { code: 'NOT_FOUND' } });
    const en = await raw(`mutation($id: ID!) { approveAgendaItem(id: $id) { id } }`, { id: nobody }, { authorization: `Bearer ${admin}`, 'accept-language': 'en' });
    expect(en.body.errors[0].message).toBe(`agenda item ${nobody} does not exist`);
  });

  it("uses the user's saved language when the request names none, and the header over it", async () => {
    const user = await signUp(app);
    const me = `{ me { id locale } }`;
    expect((await app.gql(me, {}, user.token)).data.me.locale).toBeNull();
    const set = await app.gql(SET, { l: 'en' }, user.token);
    expect(set.data.setMyLocale).toEqual({ id: user.id, locale: 'en' });
    const refused = await raw(SET, { l: 'xx' }, { authorization: `Bearer ${user.token}` });
    expect(refused.body.errors[0].extensions.fields[0].message).toBe('is not a supported language; use one of zh-CN, en');
    expect(refused.headers['content-language']).toBe('en');
    const asked = await raw(SET, { l: 'xx' }, { authorization: `Bearer ${user.token}`, 'accept-language': 'zh-CN' });
    expect(asked.body.errors[0].extensions.fields[0].message).toBe('不是支持的语言，请使用 zh-CN, en 之一');
  });

  it('reads a saved language once, not on every request that names none', async () => {
    const user = await signUp(app);
    const ME = `{ me { id } }`;
    const statements = async (headers: Record<string, string>) =>
      Number((await raw(ME, {}, { authorization: `Bearer ${user.token}`, ...headers })).headers['x-sql-statements']);
    const asking = await statements({ 'accept-language': 'en' });
    await statements({}); // reads the saved language (none)
    expect(await statements({})).toBe(asking);
    expect(await statements({})).toBe(asking);
  });

  it('honours connectionParams acceptLanguage / locale for errors over graphql-ws', async () => {
    const query = `{ notifications { totalCount } }`;
    const ask = async (params: Record<string, unknown>) => {
      const client = wsClient(app.server, params);
      try {
        const sub = new Subscription(client, query);
        return (await sub.next()).errors![0];
      } finally {
        await client.dispose();
      }
    };
    expect(await ask({})).toMatchObject({ message: '请先登录再进行此操作', extensions: { code: 'UNAUTHENTICATED' } });
    expect(await ask({ acceptLanguage: 'en;q=0.8, fr' })).toMatchObject({ message: 'You must be signed in to do this', extensions: { code: 'UNAUTHENTICATED' } });
    expect(await ask({ locale: 'en' })).toMatchObject({ message: 'You must be signed in to do this' });
    const user = await signUp(app);
    await app.gql(SET, { l: 'en' }, user.token);
    // No language in connectionParams: the user's saved one.
    const client = wsClient(app.server, bearer(user.token));
    try {
      const err = (await new Subscription(client, `mutation { setMyLocale(locale: "xx") { id } }`).next()).errors![0];
      expect(err).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', fields: [{ path: 'locale', message: 'is not a supported language; use one of zh-CN, en' }] } });
    } finally {
      await client.dispose();
    }
  });
});

describe('notifications, history notes and reasons in the reader language', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ language: null });
  });
  afterAll(() => app.close());

  const INBOX = `{ notifications { edges { node { kind message } } } }`;
  const inbox = async (token: string, language?: string) => {
    const req = request(app.server).post('/graphql').set('content-type', 'application/json').set('authorization', `Bearer ${token}`);
    if (language) req.set('accept-language', language);
    const res = await req.send({ query: INBOX });
    return ok(res.body).notifications.edges.map((e: { node: unknown }) => e.node);
  };

  it("tells a volunteer of a verified log in their language: zh-CN by default, en when asked or saved", async () => {
    const { communityId, secretary } = await scene(app);
    const volunteer = await signUp(app);
    const id = await loggedService(app, volunteer.token, { communityId, start: minutesAgo(90), minutes: 45, description: '陪老人读报' });
    const verified = await app.gql(VERIFY, { id, d: 'APPROVE', n: '辛苦了' }, secretary.token);
    expect(verified.errors).toBeUndefined();

    expect(await inbox(volunteer.token)).toEqual([{ kind: 'SERVICE_LOG_VERIFIED', message: '您的服务记录“陪老人读报”（45 分钟）已通过核验：辛苦了' }]);
    expect(await inbox(volunteer.token, 'en')).toEqual([{ kind: 'SERVICE_LOG_VERIFIED', message: 'Your service log "陪老人读报" (45 min) was verified: 辛苦了' }]);
    // One stored row, rendered per reader; the table keeps the default-language text for other readers.
    const [row] = await app.db.query(`SELECT message, message_id, message_values FROM notification WHERE user_id = $1`, [volunteer.id]);
    expect(row).toMatchObject({ message: '您的服务记录“陪老人读报”（45 分钟）已通过核验：辛苦了', message_id: 'serviceLog.decided.notice' });
    await app.gql(`mutation { setMyLocale(locale: "en") { id } }`, {}, volunteer.token);
    expect((await inbox(volunteer.token))[0].message).toBe('Your service log "陪老人读报" (45 min) was verified: 辛苦了');
  });

  it('pushes a notification over graphql-ws in the language of the connection', async () => {
    const { communityId, secretary } = await scene(app);
    const volunteer = await signUp(app);
    const id = await loggedService(app, volunteer.token, { communityId, start: minutesAgo(120), minutes: 30, description: '打扫楼道' });
    const client = wsClient(app.server, { ...bearer(volunteer.token), acceptLanguage: 'en-US' });
    try {
      const sub = new Subscription(client, `subscription { notificationReceived { kind message } }`);
      await until(() => app.handle.events.hub.subscriberCount(topics.inbox(volunteer.id)) === 1);
      expect((await app.gql(VERIFY, { id, d: 'REJECT', n: '时间有误' }, secretary.token)).errors).toBeUndefined();
      expect(await sub.next()).toEqual({ data: { notificationReceived: { kind: 'SERVICE_LOG_REJECTED', message: 'Your service log "打扫楼道" (30 min) was rejected: 时间有误' } } });
    } finally {
      await client.dispose();
    }
    expect((await inbox(volunteer.token))[0].message).toBe('您的服务记录“打扫楼道”（30 分钟）未通过核验：时间有误');
  });

  it('writes the date of a cancelled booking in the reader language and the community time zone', async () => {
    const zone = 'Asia/Shanghai';
    const { roomId, secretary, owner, partnerId } = await spaceSetup(app, EVERY_DAY.map((d) => slot(d, '14:00', '16:00')), zone);
    const occurrence = await nextOccurrence(app, roomId);
    const booking = await book(app, owner, { roomId, partnerId, start: occurrence.start });
    const cancelled = await app.gql(CANCEL, { id: booking.id, r: '场地消杀' }, secretary.token);
    expect(cancelled.errors).toBeUndefined();
    const when = (locale: string) => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: zone }).format(new Date(occurrence.start));
    const [zh] = await inbox(owner.token);
    expect(zh.kind).toBe('BOOKING_CANCELLED');
    expect(zh.message).toMatch(new RegExp(` ${when('zh-CN')}（亲子绘本课）的预约已取消：场地消杀$`));
    expect(when('zh-CN')).toMatch(/年.*月.*日 14:00$/);
    const [en] = await inbox(owner.token, 'en');
    expect(en.message).toMatch(new RegExp(` on ${when('en')} \\(亲子绘本课\\) was cancelled: 场地消杀$`));
  });

  it("writes contract history notes in the reader's language, the person's own note untouched", async () => {
    const zone = 'Asia/Shanghai';
    const { roomId, secretary, owner, partnerId } = await spaceSetup(app, [slot('SATURDAY', '09:00', '11:00')], zone);
    const id = await propose(app, owner, { partnerId, roomId, weeklySlots: [slot('SATURDAY', '09:00', '11:00')], startsOn: localDate(zone, 1), endsOn: localDate(zone, 60) });
    expect((await app.gql(REVIEW, { id, d: 'APPROVE', n: '同意' }, secretary.token)).errors).toBeUndefined();
    expect((await app.gql(TERMINATE, { id, r: '装修' }, owner.token)).errors).toBeUndefined();
    const query = `query($id: ID!) { contract(id: $id) { history { to note } bookings { history { to note } } } }`;
    const read = async (language?: string) => {
      const req = request(app.server).post('/graphql').set('authorization', `Bearer ${secretary.token}`);
      if (language) req.set('accept-language', language);
      return (await req.send({ query, variables: { id } })).body.data.contract;
    };
    const zh = await read();
    expect(zh.history.map((h: { note: string }) => h.note)).toEqual([null, '同意', '装修']);
    expect(zh.bookings[0].history).toEqual([{ to: 'CONFIRMED', note: '因场地合同获批而预约' }, { to: 'CANCELLED', note: '合同已终止：装修' }]);
    const en = await read('en');
    expect(en.bookings[0].history).toEqual([{ to: 'CONFIRMED', note: 'Booked by the approval of its contract' }, { to: 'CANCELLED', note: 'Contract terminated: 装修' }]);
  });

  it('gives suggestion reasons in the reader language, with plurals', async () => {
    const { communityId, secretary, partner } = await scene(app);
    const demandId = await postDemand(app, secretary.token, communityId, { title: '院子需要六张木质长椅', quantity: 6, unit: '张' });
    await publishOffer(app, partner.owner.token, partner.partnerId, { title: '捐赠木质长椅', quantity: 10, unit: '张' });
    const query = `query($id: ID!) { demandItem(id: $id) { suggestions(first: 5) { reasons } } }`;
    const zh = await request(app.server).post('/graphql').set('authorization', `Bearer ${secretary.token}`).send({ query, variables: { id: demandId } });
    expect(zh.body.data.demandItem.suggestions[0].reasons).toEqual(expect.arrayContaining(['类别相同（物资）', '可满足仍需的全部 6 张', '长期可提供']));
    const en = await request(app.server).post('/graphql').set('authorization', `Bearer ${secretary.token}`).set('accept-language', 'en').send({ query, variables: { id: demandId } });
    expect(en.body.data.demandItem.suggestions[0].reasons).toEqual(expect.arrayContaining(['Same category (GOODS)', 'Covers all 6 张 still needed', 'Available with no end date']));
  });
});
