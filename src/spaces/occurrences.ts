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
  /** Nor do this partner's single bookings of exactly the occurrence: the contract adopts them. */
  partnerId: string | null;
  occurrences: Range[];
}

/** A query's occurrences that are taken, and those held only by its partner's own single booking of exactly the occurrence. */
export interface Occupied {
  taken: Range[];
  own: Range[];
}

/**
 * The occurrences already overlapped by a CONFIRMED booking, for any number of contracts in ONE
 * statement (the exclusion constraint's GiST index answers each probe). A booking of the contract
 * itself is not in the way; nor is a single booking (no contract) by the same partner of exactly
 * the occurrence: that one is listed in `own` (the contract adopts it at approval). The community's
 * own bookings have no partner: `NULL = partner` would make `taken` NULL (read as own), hence coalesce.
 * `community_id = ANY($4)` repeats what q says, so that Citus sees the shards from the parameters.
 */
export async function takenOccurrences(db: DataSource | EntityManager, queries: TakenQuery[]): Promise<Map<string, Occupied>> {
  const result = new Map<string, Occupied>(queries.map((q) => [q.key, { taken: [], own: [] }]));
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
  const rows: { k: number; s: Date; e: Date; taken: boolean }[] = await db.query(
    `SELECT o.k, o.s, o.e, EXISTS (
              SELECT 1 FROM booking b
               WHERE b.community_id = ANY($4::uuid[]) AND b.community_id = q.community_id AND b.room_id = q.room_id AND b.status = 'CONFIRMED'
                 AND tstzrange(b.start_at, b.end_at) && tstzrange(o.s, o.e)
                 AND (q.contract_id IS NULL OR b.contract_id IS DISTINCT FROM q.contract_id)
                 AND NOT coalesce(b.contract_id IS NULL AND b.partner_id = q.partner_id AND b.start_at = o.s AND b.end_at = o.e, false)) AS taken
       FROM unnest($1::int[], $2::timestamptz[], $3::timestamptz[]) AS o(k, s, e)
       JOIN unnest($4::uuid[], $5::uuid[], $6::uuid[], $7::uuid[]) WITH ORDINALITY AS q(community_id, room_id, contract_id, partner_id, k) ON q.k = o.k + 1
      WHERE EXISTS (
        SELECT 1 FROM booking b
         WHERE b.community_id = ANY($4::uuid[]) AND b.community_id = q.community_id AND b.room_id = q.room_id AND b.status = 'CONFIRMED'
           AND tstzrange(b.start_at, b.end_at) && tstzrange(o.s, o.e)
           AND (q.contract_id IS NULL OR b.contract_id IS DISTINCT FROM q.contract_id))
      ORDER BY o.k, o.s`,
    [index, starts, ends, queries.map((q) => q.communityId), queries.map((q) => q.roomId), queries.map((q) => q.contractId), queries.map((q) => q.partnerId)],
  );
  for (const r of rows) {
    const found = result.get(queries[r.k].key)!;
    (r.taken ? found.taken : found.own).push({ start: new Date(r.s), end: new Date(r.e) });
  }
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
