import type { LiveEvent } from './live-event';

/** Undelivered events one subscriber may hold before it is cut off as too slow. */
export const MAX_BACKLOG = 1000;

interface Subscriber {
  push(event: LiveEvent): void;
  end(): void;
}

/**
 * This process's subscribers by topic. Events reach it from the database listener (or, on the
 * embedded store, straight from the publisher) and are queued per subscriber, so a slow socket
 * never holds up the others.
 */
export class Hub {
  private readonly topics = new Map<string, Set<Subscriber>>();

  /** Subscribers of `topic` in this process (tests wait on it before acting). */
  subscriberCount(topic: string): number {
    return this.topics.get(topic)?.size ?? 0;
  }

  dispatch(event: LiveEvent): void {
    for (const subscriber of this.topics.get(event.topic) ?? []) subscriber.push(event);
  }

  /** Ends every subscription (server shutdown). */
  closeAll(): void {
    for (const set of this.topics.values()) for (const s of [...set]) s.end();
    this.topics.clear();
  }

  /** The events of `topic` from now on, until the consumer returns (the client completes or leaves). */
  subscribe(topic: string): AsyncIterableIterator<LiveEvent> {
    const queue: LiveEvent[] = [];
    let waiting: { resolve: (r: IteratorResult<LiveEvent>) => void; reject: (e: Error) => void } | null = null;
    let finished = false;
    let failure: Error | null = null;
    const topics = this.topics;

    const detach = () => {
      const set = topics.get(topic);
      set?.delete(subscriber);
      if (set && !set.size) topics.delete(topic);
    };
    const end = () => {
      if (finished) return;
      finished = true;
      detach();
      queue.length = 0;
      waiting?.resolve({ value: undefined, done: true });
      waiting = null;
    };
    const subscriber: Subscriber = {
      push(event) {
        if (finished) return;
        if (waiting) {
          waiting.resolve({ value: event, done: false });
          waiting = null;
        } else if (queue.length >= MAX_BACKLOG) {
          failure = new Error('Too many undelivered events; subscribe again');
          finished = true;
          detach();
          queue.length = 0;
        } else {
          queue.push(event);
        }
      },
      end,
    };
    let set = topics.get(topic);
    if (!set) topics.set(topic, (set = new Set()));
    set.add(subscriber);

    const iterator: AsyncIterableIterator<LiveEvent> = {
      next() {
        if (queue.length) return Promise.resolve({ value: queue.shift()!, done: false });
        if (failure) {
          const error = failure;
          failure = null;
          return Promise.reject(error);
        }
        if (finished) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => (waiting = { resolve, reject }));
      },
      return() {
        end();
        return Promise.resolve({ value: undefined, done: true });
      },
      throw(error?: unknown) {
        end();
        return Promise.reject(error);
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }
}
