import { describe, expect, it } from 'vitest';
import { buildSchema, parse } from 'graphql';
import { pushIterator, subscribePerEventContext } from './subscriptions.ts';

const schema = buildSchema('type Query { ok: Boolean } type Subscription { tick: Tick } type Tick { n: Int, seenBy: Int }');

describe('subscribePerEventContext', () => {
  it('runs each event with a new context, and return() ends the source', async () => {
    let push!: (v: number) => void;
    let unsubscribed = 0;
    let made = 0;
    const source = pushIterator<number>((p) => {
      push = p;
      return () => void unsubscribed++;
    });
    const rootValue = { tick: () => source };
    // Tick.seenBy reads the event's context: a new one per event
    const fieldResolver = (parent: any, _a: unknown, ctx: { id: number }, info: { fieldName: string }) =>
      info.fieldName === 'tick' ? { n: parent } : info.fieldName === 'seenBy' ? ctx.id : parent[info.fieldName];
    const stream = await subscribePerEventContext(
      { schema, document: parse('subscription { tick { n seenBy } }'), rootValue, contextValue: { id: 0 }, subscribeFieldResolver: (r: any) => r.tick(), fieldResolver: fieldResolver as never },
      () => ({ id: ++made }),
    );
    if (!(Symbol.asyncIterator in stream)) throw new Error('expected a stream');
    push(10);
    push(20);
    const results = [await stream.next(), await stream.next()]; // one after the other, as graphql-ws reads them
    expect(results.map((r) => r.value?.data)).toEqual([{ tick: { n: 10, seenBy: 1 } }, { tick: { n: 20, seenBy: 2 } }]);
    expect(await stream.return!()).toEqual({ value: undefined, done: true });
    expect(unsubscribed).toBe(1);
    expect((await stream.next()).done).toBe(true);
  });

  it('returns the errors of a subscription that cannot start', async () => {
    const r = await subscribePerEventContext({ schema, document: parse('subscription { tick { n } }'), rootValue: {}, subscribeFieldResolver: () => { throw new Error('nope'); } }, () => ({}));
    if (Symbol.asyncIterator in r) throw new Error('expected errors, not a stream');
    expect(r.errors?.[0]?.message).toBe('nope');
  });
});
