import { Client } from 'pg';
import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import { afterCommit } from '../db/transaction';
import { Hub } from './hub';

/** The one PostgreSQL channel every server process LISTENs on. */
export const CHANNEL = 'marketplace_events';
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; events are batched below this. */
const NOTIFY_MAX_BYTES = 7900;

export type { LiveEvent, Refs } from './live-event';
import type { LiveEvent } from './live-event';

/** Topics: who listens to what. Subscription resolvers authorize the caller for the topic first. */
export const topics = {
  /** Everything that happens to this partner's matches, contracts, bookings and partnerships. */
  partnerActivity: (partnerId: string) => `partner:${partnerId}`,
  /** A match of this community entered or left PENDING_REVIEW. */
  reviewQueue: (communityId: string) => `review-queue:${communityId}`,
  /** A partnership request of this community entered or left PENDING. */
  partnershipRequests: (communityId: string) => `partnership-requests:${communityId}`,
  /** A resident's request of this community entered or left SUBMITTED (the secretary's triage queue). */
  residentRequests: (communityId: string) => `resident-requests:${communityId}`,
  /** What waits for this community's secretaries changed: any of the queues above, contracts to review, logs to verify (pendingWorkChanged). */
  pendingWork: (communityId: string) => `pending-work:${communityId}`,
  /** A notification was written for this user. */
  inbox: (userId: string) => `inbox:${userId}`,
  /** A request this user raised moved (myRequestChanged). */
  myRequests: (userId: string) => `my-requests:${userId}`,
  /** Every session of a user ended for good (an erased account): each process forgets its cached token version. */
  sessionsEnded: () => 'sessions-ended',
};

const pending = new WeakMap<EntityManager, LiveEvent[]>();

/**
 * Queues `event` on `topic`; it is sent once the transaction of `tx` commits, never after a
 * rollback. All events of one transaction go out together, in as few NOTIFYs as fit the limit.
 */
export function publish(tx: EntityManager, topic: string, event: Omit<LiveEvent, 'topic' | 'at'> & { at?: string }): void {
  let queued = pending.get(tx);
  if (!queued) {
    const events: LiveEvent[] = (queued = []);
    pending.set(tx, events);
    const db = tx.dataSource;
    afterCommit(tx, () => deliver(db, events));
  }
  queued.push({ ...event, topic, at: event.at ?? new Date().toISOString() });
}

/** Splits events into JSON arrays that each fit one NOTIFY. */
export function batches(events: LiveEvent[]): string[] {
  const out: string[] = [];
  let current: string[] = [];
  let size = 2;
  for (const event of events) {
    const json = JSON.stringify(event);
    const bytes = Buffer.byteLength(json) + 1;
    if (bytes + 2 > NOTIFY_MAX_BYTES) continue; // cannot happen with ids only; never break the batch for it
    if (size + bytes > NOTIFY_MAX_BYTES) {
      out.push(`[${current.join(',')}]`);
      current = [];
      size = 2;
    }
    current.push(json);
    size += bytes;
  }
  if (current.length) out.push(`[${current.join(',')}]`);
  return out;
}

const buses = new WeakMap<DataSource, EventBus>();

/** The event bus createApp started on `db`, if any. */
export function busOf(db: DataSource): EventBus | undefined {
  return buses.get(db);
}

const embedded = (db: DataSource) => !!(db.options as { driver?: unknown }).driver;

async function deliver(db: DataSource, events: LiveEvent[]): Promise<void> {
  const bus = buses.get(db);
  if (bus) return bus.send(events);
  // No bus in this process (a CLI, a script): other processes still hear PostgreSQL.
  if (!embedded(db)) for (const payload of batches(events)) await db.query(`SELECT pg_notify($1, $2)`, [CHANNEL, payload]);
}

/**
 * Moves events from publishers to this process's subscribers. On PostgreSQL every process sends
 * through NOTIFY and hears every process (itself included) on one dedicated LISTEN connection; on
 * the embedded store there is only this process, so events go straight to the hub.
 */
export interface EventBus {
  readonly hub: Hub;
  send(events: LiveEvent[]): Promise<void>;
  /** Resolves once the bus hears events (immediately on the embedded store). */
  listening(): Promise<void>;
  stop(): Promise<void>;
}

export interface EventBusOptions {
  db: DataSource;
  /** Where LISTEN goes: a session of its own (DATABASE_LISTEN_URL), never through a transaction-mode pooler. */
  databaseUrl?: string;
  log: Logger;
}

/** Starts the bus for `db` and registers it, so `publish(tx, ...)` on that database reaches it. */
export async function startEventBus({ db, databaseUrl, log }: EventBusOptions): Promise<EventBus> {
  const hub = new Hub();
  const bus: EventBus = databaseUrl ? await PgEventBus.start(db, databaseUrl, hub, log) : inProcessBus(hub);
  buses.set(db, bus);
  const stop = bus.stop.bind(bus);
  bus.stop = async () => {
    if (buses.get(db) === bus) buses.delete(db);
    await stop();
  };
  return bus;
}

function inProcessBus(hub: Hub): EventBus {
  return {
    hub,
    async send(events) {
      for (const event of events) hub.dispatch(event);
    },
    listening: () => Promise.resolve(),
    async stop() {
      hub.closeAll();
    },
  };
}

/** LISTENs on its own connection (not one of the pool's), reconnecting with back-off when it drops. */
class PgEventBus implements EventBus {
  private client: Client | null = null;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private delay = 100;
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly db: DataSource,
    private readonly url: string,
    readonly hub: Hub,
    private readonly log: Logger,
  ) {}

  static async start(db: DataSource, url: string, hub: Hub, log: Logger): Promise<PgEventBus> {
    const bus = new PgEventBus(db, url, hub, log);
    await bus.connect();
    return bus;
  }

  async send(events: LiveEvent[]): Promise<void> {
    for (const payload of batches(events)) await this.db.query(`SELECT pg_notify($1, $2)`, [CHANNEL, payload]);
  }

  listening(): Promise<void> {
    if (this.client) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    this.hub.closeAll();
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    this.retryTimer = null;
    if (this.stopped) return;
    const client = new Client({ connectionString: this.url, application_name: 'marketplace-listener', keepAlive: true });
    client.on('notification', (msg) => {
      if (msg.channel === CHANNEL && msg.payload) this.receive(msg.payload);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, null));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      this.log.warn({ err: error }, 'live events: cannot LISTEN; retrying');
      client.end().catch(() => undefined);
      this.retry();
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.delay = 100;
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  /** The LISTEN connection failed: events sent until it is back are missed (the inbox keeps them). */
  private lost(client: Client, error: Error | null) {
    if (this.client !== client) return;
    this.client = null;
    client.end().catch(() => undefined);
    if (this.stopped) return;
    this.log.warn({ err: error ?? undefined }, 'live events: LISTEN connection lost; reconnecting');
    this.retry();
  }

  private retry() {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => void this.connect(), this.delay);
    this.delay = Math.min(this.delay * 2, 5000);
  }

  private receive(payload: string) {
    let events: LiveEvent[];
    try {
      events = JSON.parse(payload);
      if (!Array.isArray(events)) throw new Error('not an array');
    } catch (error) {
      this.log.warn({ err: error }, 'live events: unreadable NOTIFY payload ignored');
      return;
    }
    for (const event of events) if (event && typeof event.topic === 'string') this.hub.dispatch(event);
  }
}

/**
 * type-graphql insists on a PubSub once any @Subscription exists. Ours authorize and join topics in
 * their `subscribe` option (see live.service.ts) and publish with `publish(tx, ...)` after commit,
 * so this one only refuses to be used by accident (a `topics:` subscription would skip authorization).
 */
export const refusingPubSub = {
  publish(): void {
    throw new Error('publish live events with publish(tx, topic, event) from src/live/events.ts');
  },
  subscribe(): AsyncIterable<unknown> {
    throw new Error('give @Subscription a `subscribe` option that authorizes (src/live/live.service.ts)');
  },
};
