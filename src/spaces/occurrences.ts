import { DateTime } from 'luxon';
import { isoInZone } from '../common/local-time';
import type { DataSource, EntityManager } from 'typeorm';

/** A slot occurrence as an instant range; what `extensions.conflicts` lists. */
export interface Range {
  start: Date;
  end: Date;
}

export interface TakenQuery {
  key: string;
  communityId: string;
  roomId: string;
  /** Bookings of this contract do not count as taken (they are its own); null for a term not proposed yet (checkContract). */
  contractId: string | null;
  occurrences: Range[];
}

/**
 * The occurrences already overlapped by a CONFIRMED booking, for any number of contracts in ONE
 * statement (the exclusion constraint's GiST index answers each probe).
 */
export async function takenOccurrences(db: DataSource | EntityManager, queries: TakenQuery[]): Promise<Map<string, Range[]>> {
  const result = new Map<string, Range[]>(queries.map((q) => [q.key, []]));
  const index: number[] = [];
  const starts: Date[] = [];
  const ends: Date[] = [];
  queries.forEach((q, i) =>
    q.occurrences.forEach((o) => {
      index.push(i);
      starts.push(o.start);
      ends.push(o.end);
    }),
  );
  if (!index.length) return result;
  const rows: { k: number; s: Date; e: Date }[] = await db.query(
    `SELECT o.k, o.s, o.e
       FROM unnest($1::int[], $2::timestamptz[], $3::timestamptz[]) AS o(k, s, e)
       JOIN unnest($4::uuid[], $5::uuid[], $6::uuid[]) WITH ORDINALITY AS q(community_id, room_id, contract_id, k) ON q.k = o.k + 1
      WHERE EXISTS (
        SELECT 1 FROM booking b
         WHERE b.community_id = q.community_id AND b.room_id = q.room_id AND b.status = 'CONFIRMED'
           AND tstzrange(b.start_at, b.end_at) && tstzrange(o.s, o.e)
           AND (q.contract_id IS NULL OR b.contract_id IS DISTINCT FROM q.contract_id))
      ORDER BY o.k, o.s`,
    [index, starts, ends, queries.map((q) => q.communityId), queries.map((q) => q.roomId), queries.map((q) => q.contractId)],
  );
  for (const r of rows) result.get(queries[r.k].key)!.push({ start: new Date(r.s), end: new Date(r.e) });
  return result;
}

/** An occurrence as `extensions.conflicts` lists it: instants in the community's offset, as its bookings read. */
export const isoRange = (r: Range, zone: string) => ({ start: isoInZone(r.start, zone), end: isoInZone(r.end, zone) });

/** "2027-03-28 10:00-12:00" in the community's zone, for history notes and messages. */
export function localLabel(r: Range, zone: string): string {
  const s = DateTime.fromJSDate(r.start, { zone });
  return `${s.toFormat('yyyy-MM-dd HH:mm')}-${DateTime.fromJSDate(r.end, { zone }).toFormat('HH:mm')}`;
}

/** Midnight at the start of the local `date` in `zone`. */
export const startOfLocalDay = (date: string, zone: string) => DateTime.fromISO(date, { zone }).startOf('day').toJSDate();
