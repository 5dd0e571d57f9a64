import { now as clockNow } from '../common/clock';
import { readFromReplica } from '../db/replica';
import { timingSafeEqual } from 'node:crypto';
import ical, { ICalEventStatus } from 'ical-generator';
import { DateTime } from 'luxon';
import { tzlib_get_ical_block } from 'timezones-ical-library';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { Ctx } from '../context';
import { byId } from '../common/loaders';
import { inTransaction } from '../db/transaction';
import { Partner } from '../partners/partner.entity';
import { newCalendarToken } from '../partners/partners.service';
import { DEFAULT_LOCALE, type Locale } from '../i18n/locale';
import { t } from '../i18n/messages';

/** How far back a feed reaches; everything ahead is included (contracts book at most a year). */
export const FEED_PAST_DAYS = 90;

export const partnerCalendarUrl = (config: Config, partner: Partner) =>
  `${config.publicUrl}/calendar/partners/${partner.id}.ics?token=${encodeURIComponent(partner.calendarToken)}`;

export async function rotateCalendarToken(ctx: Ctx, partnerId: string): Promise<Partner> {
  const partner = await inTransaction(ctx.db, async (tx) => {
    await tx.update(Partner, { id: partnerId }, { calendarToken: newCalendarToken() });
    return tx.findOneByOrFail(Partner, { id: partnerId });
  });
  byId(ctx, Partner).clear(partnerId).prime(partnerId, partner);
  return partner;
}

interface FeedRow {
  id: string;
  start_at: Date;
  end_at: Date;
  purpose: string;
  contract_id: string | null;
  commitment: string | null;
  partner_name: string | null;
  room_name: string;
  community_name: string;
  timezone: string;
  created_at: Date;
}

const FEED_SELECT = `
  SELECT b.id, b.start_at, b.end_at, b.purpose, b.contract_id, b.created_at, sc.public_benefit_commitment AS commitment,
         p.name AS partner_name, r.name AS room_name, c.name AS community_name, c.timezone
    FROM booking b
    JOIN room r ON r.community_id = b.community_id AND r.id = b.room_id
    JOIN community c ON c.id = b.community_id
    LEFT JOIN partner p ON p.id = b.partner_id
    LEFT JOIN space_contract sc ON sc.community_id = b.community_id AND sc.id = b.contract_id`;

/** The VTIMEZONE of an IANA zone (timezones-ical-library: the IANA rules as iCalendar), null for a zone it does not know. */
const vtimezones = new Map<string, string | null>();
export function vtimezone(zone: string): string | null {
  let found = vtimezones.get(zone);
  if (found === undefined) {
    const block = tzlib_get_ical_block(zone);
    found = Array.isArray(block) && block[0]?.startsWith('BEGIN:VTIMEZONE') ? block[0] : null;
    vtimezones.set(zone, found);
  }
  return found;
}

function feed(name: string, zone: string | null, rows: FeedRow[], describe: (r: FeedRow) => { summary: string; description: string | null }, host: string) {
  // Events are written in their community's local time (DTSTART;TZID=Asia/Shanghai:20261205T190000)
  // with a VTIMEZONE for each zone used, so a calendar app shows the community's wall-clock time and
  // keeps it across daylight-saving changes. A zone without a VTIMEZONE is written in UTC (…Z).
  const calendar = ical({
    name,
    prodId: { company: 'community-marketplace', product: 'spaces', language: 'ZH' },
    ttl: 15 * 60,
    timezone: { name: zone && vtimezone(zone) ? zone : null, generator: vtimezone },
  });
  for (const r of rows) {
    const { summary, description } = describe(r);
    const local = vtimezone(r.timezone) ? r.timezone : null;
    const at = (instant: Date) => (local ? DateTime.fromJSDate(new Date(instant)).setZone(local) : new Date(instant));
    calendar.createEvent({
      id: `${r.id}@${host}`,
      timezone: local,
      start: at(r.start_at),
      end: at(r.end_at),
      stamp: new Date(r.created_at),
      summary,
      description,
      location: `${r.community_name} ${r.room_name}`,
      status: ICalEventStatus.CONFIRMED,
    });
  }
  return calendar.toString();
}

/**
 * Every CONFIRMED booking of the room from 90 days ago on; only contract sessions (public) name partner and purpose.
 * Event titles are in `locale` (the feed's `?lang=`, else Chinese: calendar apps send no Accept-Language).
 */
export async function roomFeed(db: DataSource, config: Config, roomId: string, locale: Locale = DEFAULT_LOCALE): Promise<string | null> {
  // Public and polled by calendar apps: read on the replica when there is one (nobody's own write to wait for).
  const read = await readFromReplica(db, null, async (source) => {
    const [room] = await source.query(`SELECT r.name, c.name AS community_name, c.timezone FROM room r JOIN community c ON c.id = r.community_id WHERE r.id = $1`, [roomId]);
    if (!room) return null;
    const rows: FeedRow[] = await source.query(
      `${FEED_SELECT} WHERE b.room_id = $1 AND b.status = 'CONFIRMED' AND b.end_at > $3::timestamptz - make_interval(days => $2) ORDER BY b.start_at, b.id`,
      [roomId, FEED_PAST_DAYS, clockNow()],
    );
    return { room, rows };
  });
  if (!read) return null;
  const { room, rows } = read;
  return feed(`${room.community_name} ${room.name}`, room.timezone, rows, (r) =>
    r.contract_id
      ? { summary: t(locale, 'calendar.session', { partner: r.partner_name ?? '', purpose: r.purpose }), description: r.commitment }
      : { summary: t(locale, 'calendar.booked'), description: null },
    new URL(config.publicUrl).hostname,
  );
}

/** The partner's own CONFIRMED bookings, every community; null when the partner or the token is wrong. */
export async function partnerFeed(db: DataSource, config: Config, partnerId: string, token: string): Promise<string | null> {
  const [partner] = await db.query(`SELECT name, calendar_token FROM partner WHERE id = $1`, [partnerId]);
  if (!partner || !sameSecret(partner.calendar_token, token)) return null;
  // The token is checked on the primary (a rotated one ends at once); the bookings may come from the replica.
  const rows: FeedRow[] = await readFromReplica(db, null, (source) =>
    source.query(
      `${FEED_SELECT} WHERE b.partner_id = $1 AND b.status = 'CONFIRMED' AND b.end_at > $3::timestamptz - make_interval(days => $2) ORDER BY b.start_at, b.id`,
      [partnerId, FEED_PAST_DAYS, clockNow()],
    ),
  );
  return feed(partner.name, null, rows, (r) => ({ summary: r.purpose, description: r.commitment }), new URL(config.publicUrl).hostname);
}

function sameSecret(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
