import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startTestApp, type TestApp } from './app';

/** A real graphql-ws client on `server`'s /graphql, authenticated as `connectionParams` say. */
export function wsClient(server: http.Server | number, connectionParams: Record<string, unknown> = {}): Client {
  const port = typeof server === 'number' ? server : (server.address() as AddressInfo).port;
  return createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: true });
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export interface Received {
  data?: any;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** One subscription and what it has received so far; `next()` waits (bounded) for the next result. */
export class Subscription {
  readonly results: Received[] = [];
  completed = false;
  error: unknown = null;
  private taken = 0;
  private wake: (() => void) | null = null;
  readonly unsubscribe: () => void;

  constructor(client: Client, query: string, variables: Record<string, unknown> = {}) {
    this.unsubscribe = client.subscribe(
      { query, variables },
      {
        next: (r) => {
          this.results.push(r as Received);
          this.poke();
        },
        error: (e) => {
          this.error = e;
          this.poke();
        },
        complete: () => {
          this.completed = true;
          this.poke();
        },
      },
    );
  }

  private poke() {
    this.wake?.();
    this.wake = null;
  }

  /** The next result not yet taken, waiting at most `ms`. */
  async next(ms = 10_000): Promise<Received> {
    const deadline = performance.now() + ms;
    while (this.taken >= this.results.length) {
      if (this.completed || this.error) throw new Error(`subscription ended: ${String(this.error ?? 'complete')}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error('no event within the time allowed');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.results[this.taken++];
  }

  /** Waits until the server ends the subscription (complete or error). */
  async ended(ms = 10_000): Promise<void> {
    await until(() => this.completed || !!this.error, ms);
  }

  /** Results not yet taken by next(). */
  get unread(): Received[] {
    return this.results.slice(this.taken);
  }
}

/** Polls `condition` every 10 ms until it holds, failing after `ms`. */
export async function until(condition: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error('condition not met within the time allowed');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Two servers on one PostgreSQL database, each with its own pool and its own LISTEN connection, so
 * an event made on A reaches subscribers on B only through PostgreSQL. Registers its own hooks.
 */
export function twoServersOnOneDatabase() {
  const servers = {} as { a: TestApp; b: TestApp };
  const clients: Client[] = [];
  beforeAll(async () => {
    servers.a = await startTestApp();
    servers.b = await startTestApp({ databaseUrl: servers.a.databaseUrl });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await servers.b.close();
    await servers.a.close();
  });
  return {
    servers,
    client(app: TestApp, params: Record<string, unknown>) {
      const c = wsClient(app.server, params);
      clients.push(c);
      return c;
    },
    /** Waits until `app` holds `n` subscribers of `topic`: the subscription is live, events will reach it. */
    subscribed: (app: TestApp, topic: string, n = 1) => until(() => app.handle.events.hub.subscriberCount(topic) === n),
  };
}
