import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Viewer } from './context.ts';
import { decide, effectiveScopes, objectRuleOf, policyProblems, ROLE_SCOPES, SCOPES, type Policy } from './policy.ts';
import { createSubgraph } from './subgraph-server.ts';

const user = (...roles: Viewer['roles']): Viewer => ({ tenantId: 't', userId: 'u', roles, scopes: [] });
const key = (scopes: string[], ...granted: Viewer['roles']): Viewer => ({ tenantId: 't', partnerId: 'app', roles: ['PARTNER', ...granted], scopes });

const INVOICES: Policy = { roles: ['FINANCE', 'SALES_REP', 'PARTNER'], scopes: ['finance:read'] };
const CANCEL: Policy = { roles: ['SALES_REP', 'RETAILER', 'PARTNER'], scopes: ['orders:write'], rules: { RETAILER: 'OWN_CUSTOMER', PARTNER: 'OWN_APP_ORDERS' } };

describe('decide', () => {
  it('lets ADMIN users and the listed roles through, refuses the others with FORBIDDEN and anonymous callers with UNAUTHENTICATED', () => {
    expect(decide(INVOICES, user('ADMIN')).ok).toBe(true);
    expect(decide(INVOICES, user('FINANCE')).ok).toBe(true);
    expect(decide(INVOICES, user('RIDER'))).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(decide(INVOICES, null)).toMatchObject({ ok: false, code: 'UNAUTHENTICATED' });
  });

  it('asks keys for every scope of the policy, whatever roles they were granted; a key is never ADMIN', () => {
    expect(decide(INVOICES, key([]))).toMatchObject({ ok: false, code: 'FORBIDDEN', message: expect.stringContaining('finance:read') });
    expect(decide(INVOICES, key(['finance:read'])).ok).toBe(true);
    expect(decide(INVOICES, key([], 'FINANCE')).ok).toBe(false);
    expect(decide({ roles: ['FINANCE'], scopes: ['finance:read'] }, key(['finance:read'])).ok).toBe(false);
    expect(decide({ roles: ['FINANCE'], scopes: ['finance:read'] }, key(['finance:read'], 'FINANCE')).ok).toBe(true);
    expect(decide({ roles: [] }, key(['*'], 'ADMIN')).ok).toBe(false);
  });

  it('opens anyone / signedIn / gateway fields as named', () => {
    expect(decide({ access: 'anyone' }, null).ok).toBe(true);
    expect(decide({ access: 'signedIn' }, null).ok).toBe(false);
    expect(decide({ access: 'signedIn' }, key([])).ok).toBe(true);
    expect(decide({ access: 'gateway' }, user('ADMIN')).ok).toBe(false);
    expect(decide({ access: 'gateway' }, null, 'gateway').ok).toBe(true);
  });

  it("gives users their roles' scopes, keys only theirs", () => {
    expect([...effectiveScopes(user('SALES_REP'))].sort()).toEqual([...ROLE_SCOPES.SALES_REP].sort());
    expect([...effectiveScopes(key(['orders:read'], 'SALES_REP'))]).toEqual(['orders:read']);
  });
});

describe('objectRuleOf', () => {
  it('names the rule of the role the caller reaches the field through, none for unrestricted roles and ADMIN', () => {
    expect(objectRuleOf(CANCEL, user('RETAILER'))).toBe('OWN_CUSTOMER');
    expect(objectRuleOf(CANCEL, key(['orders:write']))).toBe('OWN_APP_ORDERS');
    expect(objectRuleOf(CANCEL, key(['orders:write'], 'SALES_REP'))).toBeNull();
    expect(objectRuleOf(CANCEL, user('RETAILER', 'SALES_REP'))).toBeNull();
    expect(objectRuleOf(CANCEL, user('ADMIN'))).toBeNull();
  });
});

describe('policy consistency', () => {
  it('refuses scopes outside the vocabulary, roles without scopes, roles that do not imply the scopes, rules for roles not admitted', () => {
    expect(policyProblems('Q.a', { roles: ['FINANCE'], scopes: ['money:print' as never] })).toContainEqual(expect.stringContaining('not in the vocabulary'));
    expect(policyProblems('Q.b', { roles: ['FINANCE'] })).toEqual([expect.stringContaining('without scopes')]);
    expect(policyProblems('Q.c', { roles: ['RIDER'], scopes: ['finance:read'] })).toEqual([expect.stringContaining('RIDER does not imply finance:read')]);
    expect(policyProblems('Q.d', { roles: ['FINANCE'], scopes: ['finance:read'], rules: { RIDER: 'OWN_WORKER' } })).toEqual([expect.stringContaining('does not admit')]);
    expect(policyProblems('Q.e', {})).toEqual([expect.stringContaining('neither access nor roles')]);
    expect(policyProblems('Q.f', { roles: [] })).toEqual([]);
  });

  it('has a description for every scope and every role implies only known scopes', () => {
    for (const scopes of Object.values(ROLE_SCOPES)) for (const s of scopes) expect(s === '*' || s in SCOPES, s).toBe(true);
  });
});

describe('createSubgraph', () => {
  const typeDefs = parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@requiresScopes"])
    type Query { a: String b: Thing }
    type Mutation { c: String }
    type Thing { secret: String @requiresScopes(scopes: [["finance:read"]]) }
  `);
  const build = (policies: Record<string, Policy>) => () =>
    createSubgraph({ name: 'probe', typeDefs, resolvers: {}, createContext: () => ({}), secret: 's', policies });
  const complete: Record<string, Policy> = {
    'Query.a': { access: 'anyone' },
    'Query.b': { access: 'signedIn' },
    'Mutation.c': { roles: [] },
    'Thing.secret': { roles: ['FINANCE', 'PARTNER'], scopes: ['finance:read'] },
  };

  it('builds with a policy for every root field and every @requiresScopes field', () => {
    expect(build(complete)).not.toThrow();
  });

  it('refuses to build with a root field without a policy, a stale policy, or @requiresScopes that disagrees', () => {
    const { 'Mutation.c': _c, ...missing } = complete;
    expect(build(missing)).toThrow(/Mutation\.c has no policy/);
    expect(build({ ...complete, 'Query.gone': { access: 'anyone' } })).toThrow(/Query\.gone: no such field/);
    expect(build({ ...complete, 'Thing.secret': { roles: ['FINANCE', 'PARTNER'], scopes: ['finance:write'] } })).toThrow(/@requiresScopes .* differs/);
  });
});

describe('createSubgraph writeGate', () => {
  const typeDefs = parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
    type Query { a: String }
    type Mutation { place(fail: Boolean): String cancel: String }
  `);
  const policies: Record<string, Policy> = { 'Query.a': { access: 'anyone' }, 'Mutation.place': { roles: ['SALES_REP'], scopes: ['orders:write'] }, 'Mutation.cancel': { roles: ['FINANCE'], scopes: ['finance:write'] } };

  it('runs every Mutation resolver inside the gate (done called on errors too), after its policy check; queries pass by', async () => {
    const log: string[] = [];
    const gate = { enter: async () => (log.push('enter'), () => void log.push('done')) };
    const resolvers = {
      Query: { a: () => (log.push('a'), 'a') },
      Mutation: {
        place: (_: unknown, args: { fail?: boolean }) => {
          log.push('place');
          if (args.fail) throw new Error('refused');
          return 'ok';
        },
        cancel: () => 'cancelled',
      },
    };
    const { schema } = createSubgraph({ name: 'probe', typeDefs, resolvers, createContext: () => ({}), secret: 's', policies, writeGate: gate });
    const { execute } = await import('graphql');
    const run = (q: string) => execute({ schema, document: parse(q), contextValue: { viewer: user('SALES_REP') } });
    expect((await run('mutation { place }')).data).toEqual({ place: 'ok' });
    expect((await run('mutation { place(fail: true) }')).errors?.[0]?.message).toBe('refused');
    expect((await run('{ a }')).data).toEqual({ a: 'a' });
    const refused = await run('mutation { cancel }');
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(log).toEqual(['enter', 'place', 'done', 'enter', 'place', 'done', 'a']); // the refused cancel never entered
  });
});
