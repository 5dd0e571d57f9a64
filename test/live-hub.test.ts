import { now } from '../src/common/clock';
import { Hub, MAX_BACKLOG } from '../src/live/hub';
import type { LiveEvent } from '../src/live/events';

const event = (kind: string, topic = 't'): LiveEvent => ({ topic, kind, at: now().toISOString(), refs: {} });

describe('hub', () => {
  it('queues events per subscriber, in order, and only of its topic', async () => {
    const hub = new Hub();
    const one = hub.subscribe('t');
    const other = hub.subscribe('u');
    hub.dispatch(event('a'));
    hub.dispatch(event('x', 'u'));
    hub.dispatch(event('b'));
    expect((await one.next()).value.kind).toBe('a');
    expect((await one.next()).value.kind).toBe('b');
    expect((await other.next()).value.kind).toBe('x');
    const waiting = one.next();
    hub.dispatch(event('c'));
    expect((await waiting).value.kind).toBe('c');
  });

  it('leaves the topic when the consumer returns, and ends everyone on closeAll', async () => {
    const hub = new Hub();
    const one = hub.subscribe('t');
    const two = hub.subscribe('t');
    expect(hub.subscriberCount('t')).toBe(2);
    await one.return!();
    expect(hub.subscriberCount('t')).toBe(1);
    expect(await one.next()).toEqual({ value: undefined, done: true });
    const waiting = two.next();
    hub.closeAll();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(hub.subscriberCount('t')).toBe(0);
  });

  it('cuts off a subscriber that falls too far behind instead of buffering without end', async () => {
    const hub = new Hub();
    const slow = hub.subscribe('t');
    const fast = hub.subscribe('t');
    for (let i = 0; i <= MAX_BACKLOG; i++) {
      hub.dispatch(event(`e${i}`));
      await fast.next();
    }
    expect(hub.subscriberCount('t')).toBe(1);
    await expect(slow.next()).rejects.toThrow('Too many undelivered events');
    expect(await slow.next()).toEqual({ value: undefined, done: true });
  });
});
