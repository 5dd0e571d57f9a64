import { DateTime } from 'luxon';
import type { DataSource } from 'typeorm';
import { now } from '../common/clock';

/** One saved tab of the IDE: an example for one kind of user, against the demo data (npm run seed). */
export interface IdeTab {
  query: string;
  variables?: string;
  headers?: string;
}

interface DemoIds {
  community: string | null;
  room: string | null;
}

const PLACEHOLDER = '先运行 npm run seed 载入演示数据';

/** The demo data's ids (they are made at seeding), so the examples run as they are. */
async function demoIds(db: DataSource): Promise<DemoIds> {
  const [community] = await db.query(`SELECT id FROM community WHERE name = '江畔家园公租房社区' ORDER BY created_at LIMIT 1`);
  const [room] = community ? await db.query(`SELECT id FROM room WHERE community_id = $1 ORDER BY name LIMIT 1`, [community.id]) : [];
  return { community: community?.id ?? null, room: room?.id ?? null };
}

const vars = (v: Record<string, unknown>) => JSON.stringify(v, null, 2);

/** Examples for residents, secretaries, departments and merchants (README "Example operations"). */
export async function ideTabs(db: DataSource): Promise<IdeTab[]> {
  const ids = await demoIds(db);
  const c = ids.community ?? PLACEHOLDER;
  const today = DateTime.fromJSDate(now()).setZone('Asia/Shanghai').startOf('day');
  return [
    {
      query: `# 居民：不用登录，查看江畔家园公租房社区的公告栏。点击上方 ▶ 运行。
# 公告栏也可以由社区书记生成签名链接（带二维码的打印页），见“书记”示例。
query ResidentPublicBoard($c: ID!) {
  publicBoard(communityId: $c) {
    community { name district }
    openDemands(first: 5) { title remainingQuantity unit urgency }
    upcomingPublicBenefitSessions { start end purpose partner { name } }
    recentlyFulfilled(first: 5) { partner { name } demand { title } }
    agenda { title status opinionsCloseAt support oppose neutral outcome opinions(first: 3) { edges { node { stance text authorName } } } }
  }
}
`,
      variables: vars({ c }),
    },
    {
      query: `# 社区书记（secretary.jiangpan@demo.cn，密码 demo2026）。点击 ▶ 时选择要运行的操作：
# 1. SecretaryLogIn 登录；本页记住登录结果，本标签之后的操作自动带上令牌。
# 2. SecretaryPendingWork 一次看到全部待办：认领、合同、合作申请、服务时长、居民诉求的数量，以及最急的在前的列表。
# 3. SecretaryReviewQueue 查看待审核的认领（加急的在前）。
# 4. SecretaryQueueLive 订阅审核队列的变化（WebSocket，保持运行）。
# 5. SecretaryBoardLink 生成公告栏的签名链接（带二维码，可打印张贴）。
mutation SecretaryLogIn {
  logIn(input: { email: "secretary.jiangpan@demo.cn", password: "demo2026" }) {
    token
    user { displayName secretaryOf { id name } }
  }
}

query SecretaryPendingWork($c: ID!) {
  pendingWork(communityId: $c) {
    claims contracts partnerships serviceLogs requests total
    items(first: 10) {
      edges { node {
        __typename
        ... on Match { id quantity demand { title urgency neededBy } claimant: partner { name } }
        ... on SpaceContract { id title startsOn room { name } tenant: partner { name } }
        ... on Partnership { id applicant: partner { name category } }
        ... on ServiceLog { id minutes description volunteer { displayName } }
        ... on ResidentRequest { id kind title building }
      } }
    }
  }
}

query SecretaryReviewQueue($c: ID!) {
  reviewQueue(communityId: $c, first: 10) {
    edges { node { id quantity note createdAt partner { name } demand { title urgency remainingQuantity } } }
  }
}

subscription SecretaryQueueLive($c: ID!) {
  reviewQueueChanged(communityId: $c) { id status demand { title } partner { name } }
}

mutation SecretaryBoardLink($c: ID!) {
  createBoardLink(communityId: $c) { url expiresAt }
}
`,
      variables: vars({ c }),
    },
    {
      query: `# 政府部门（library@demo.cn，浦江镇图书馆江畔分馆，密码 demo2026）。点击 ▶ 时选择操作：
# 1. DepartmentLogIn 登录。
# 2. DepartmentDispatches 查看书记派给本单位、等待答复的对接。
# 3. DepartmentFindDemands 搜索各社区待认领的需求。
mutation DepartmentLogIn {
  logIn(input: { email: "library@demo.cn", password: "demo2026" }) {
    token
    user { displayName partners { id name } }
  }
}

query DepartmentDispatches {
  matches(filter: { status: [PROPOSED] }) {
    edges { node { id quantity note demand { title } offer { title } } }
  }
}

query DepartmentFindDemands {
  demandItems(filter: { search: "绘本", status: [OPEN] }, first: 5) {
    edges { node { id title remainingQuantity unit community { name } } }
  }
}
`,
    },
    {
      query: `# 商户（english@demo.cn，小橡树少儿英语，密码 demo2026）。点击 ▶ 时选择操作：
# 1. MerchantLogIn 登录。
# 2. MerchantRoomAvailability 查看江畔家园活动室未来一周的空闲时段。
# 3. MerchantContribution 查看本单位的贡献星级。
mutation MerchantLogIn {
  logIn(input: { email: "english@demo.cn", password: "demo2026" }) {
    token
    user { displayName partners { id name } }
  }
}

query MerchantRoomAvailability($r: ID!, $from: DateTime!, $to: DateTime!) {
  room(id: $r) {
    name
    weeklySlots { weekday startTime endTime }
    availability(from: $from, to: $to) { start end available }
  }
}

query MerchantContribution {
  me { displayName partners { name category stats { stars } } }
}
`,
      variables: vars({ r: ids.room ?? PLACEHOLDER, from: today.toISO({ suppressMilliseconds: true }), to: today.plus({ days: 7 }).toISO({ suppressMilliseconds: true }) }),
    },
  ];
}
