import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import { replicaRouterOf } from '../db/replica';

/** Distinct operation names kept as label values; names beyond this are counted as `other`. */
const MAX_OPERATION_LABELS = 200;

/**
 * The Prometheus metrics of one app (its own registry, so several apps can live in one process).
 * Operation labels are the client's operation names, bounded in number and shape.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly graphqlRequests: Counter<'operation' | 'type' | 'outcome'>;
  readonly graphqlDuration: Histogram<'operation' | 'type'>;
  readonly graphqlSqlStatements: Histogram<'operation'>;
  readonly errors: Counter<'code'>;
  readonly httpRequests: Counter<'route' | 'method' | 'status'>;
  /** Rows the retention job deleted, by kind (src/privacy/retention.ts). */
  readonly retentionPurged: Counter<'kind'>;
  /** Responses sent as bytes kept from an earlier identical one (common/kept-answer.ts). */
  readonly keptAnswersSent: Counter;
  readonly keptAnswersUnexecuted: Counter;
  private readonly operations = new Set<string>();

  constructor(db: DataSource) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.graphqlRequests = new Counter({
      name: 'graphql_requests_total',
      help: 'GraphQL requests by operation name, operation type and outcome (ok or error)',
      labelNames: ['operation', 'type', 'outcome'],
      registers,
    });
    this.graphqlDuration = new Histogram({
      name: 'graphql_request_duration_seconds',
      help: 'Time from receiving a GraphQL request to sending its response',
      labelNames: ['operation', 'type'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.graphqlSqlStatements = new Histogram({
      name: 'graphql_request_sql_statements',
      help: 'SQL statements issued per GraphQL request (transaction control excluded)',
      labelNames: ['operation'],
      buckets: [0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 100],
      registers,
    });
    this.errors = new Counter({
      name: 'graphql_errors_total',
      help: 'Errors answered, by extensions.code (including requests refused before GraphQL, such as RATE_LIMITED)',
      labelNames: ['code'],
      registers,
    });
    this.httpRequests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by route, method and status',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    this.retentionPurged = new Counter({
      name: 'retention_purged_rows_total',
      help: 'Rows the retention job deleted, by kind (read_notifications, idempotency_keys, expired_signed_links)',
      labelNames: ['kind'],
      registers,
    });
    this.keptAnswersSent = new Counter({
      name: 'graphql_kept_answers_sent_total',
      help: 'GraphQL responses sent again as the bytes kept from an earlier identical answer (a kept service-hours summary asked the same way)',
      registers,
    });
    this.keptAnswersUnexecuted = new Counter({
      name: 'graphql_kept_answers_unexecuted_total',
      help: 'Of those, the ones answered before execution: the same operation and variables, checked again for this request',
      registers,
    });
    new Gauge({
      name: 'db_pool_connections',
      help: 'Database pool connections: total open, idle, and requests waiting for one',
      labelNames: ['state'],
      registers,
      collect() {
        // TypeORM's PostgreSQL driver keeps its pg.Pool as `master`; the embedded store has no such counts.
        const pool = (db.driver as { master?: { totalCount?: unknown; idleCount?: unknown; waitingCount?: unknown } }).master;
        for (const [state, value] of [
          ['total', pool?.totalCount],
          ['idle', pool?.idleCount],
          ['waiting', pool?.waitingCount],
        ] as const) {
          if (typeof value === 'number') this.set({ state }, value);
        }
      },
    });
    const router = replicaRouterOf(db);
    if (router) {
      new Gauge({
        name: 'db_replica_lag_seconds',
        help: 'How far the read replica is behind the primary, in seconds (absent until it first answers)',
        registers,
        collect() {
          const { lagMs } = router.status();
          if (lagMs !== null) this.set(lagMs / 1000);
        },
      });
      new Gauge({
        name: 'db_replica_lag_bytes',
        help: "WAL bytes the read replica has not replayed of the primary's last seen position",
        registers,
        collect() {
          const { lagBytes } = router.status();
          if (lagBytes !== null) this.set(lagBytes);
        },
      });
      new Gauge({
        name: 'db_replica_state',
        help: 'Read replica state: 1 on the current one (ok: reads may go there; lagging beyond REPLICA_MAX_LAG_MS or down: they go to the primary)',
        labelNames: ['state'],
        registers,
        collect() {
          const { state } = router.status();
          for (const s of ['ok', 'lagging', 'down'] as const) this.set({ state: s }, s === state ? 1 : 0);
        },
      });
      new Counter({
        name: 'db_heavy_reads_total',
        help: "Heavy reads by where they ran: replica, primary (the caller's own write not replayed yet) or fallback (replica down or lagging)",
        labelNames: ['target'],
        registers,
        collect() {
          this.reset();
          for (const [target, n] of Object.entries(router.reads)) this.inc({ target }, n);
        },
      });
    }
  }

  /** Children of the labelled metrics by their label values (bounded: operation labels are, and the rest are few). */
  private readonly children = new WeakMap<object, Map<string, unknown>>();

  /** A counter a domain keeps itself (a running total), read when /metrics is scraped; wired in app.ts. */
  countedElsewhere(name: string, help: string, read: () => number): void {
    new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  }

  /**
   * The child of `metric` for these label values, in its labelNames order: prom-client checks and
   * hashes a labels object on every inc or observe, which is a measurable part of a small request.
   */
  child<M extends Counter<string> | Histogram<string>>(metric: M, ...values: string[]): ReturnType<M['labels']> {
    let byValues = this.children.get(metric);
    if (!byValues) this.children.set(metric, (byValues = new Map()));
    const key = values.join('\u0000');
    let found = byValues.get(key) as ReturnType<M['labels']> | undefined;
    if (!found) byValues.set(key, (found = metric.labels(...values) as ReturnType<M['labels']>));
    return found;
  }

  /** Label for an operation: its name when it looks like one and the label set is not full. */
  operationLabel(name: string | null | undefined, resolved: boolean): string {
    if (!resolved) return 'invalid';
    if (!name) return 'anonymous';
    if (this.operations.has(name)) return name;
    if (!/^[A-Za-z_]\w{0,63}$/.test(name) || this.operations.size >= MAX_OPERATION_LABELS) return 'other';
    this.operations.add(name);
    return name;
  }
}

/**
 * GET /metrics in the Prometheus text format; behind a bearer token when one is configured. In
 * production without a token it answers 404, as if absent: operation names and error counts are
 * not for everyone, and an operator who wants them sets METRICS_TOKEN.
 */
export function metricsHandler(metrics: Metrics, config: Pick<Config, 'env' | 'metricsToken'>): RequestHandler {
  const token = config.metricsToken;
  if (!token && config.env === 'production') {
    return (_req, res) => {
      res.status(404).json({ error: 'not found' });
    };
  }
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const expected = token ? digest(`Bearer ${token}`) : undefined;
  return async (req, res) => {
    if (expected && !timingSafeEqual(digest(req.header('authorization') ?? ''), expected)) {
      res.status(401).json({ error: 'metrics token required' });
      return;
    }
    res.setHeader('content-type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  };
}
