// Per-request loaders are built module by module when first touched (issue 17): same loaders as building them all,
// one set per module and request, with that request's viewer.
import { describe, expect, it } from 'vitest';
import type { InternalContext, Viewer } from '../context.ts';
import { lazyLoaders } from './subgraph.ts';
import type { ModuleDefinition } from './module.ts';

const viewer = (tenantId: string): Viewer => ({ tenantId, userId: 'u', roles: [], scopes: [] });
const internal = (v: Viewer | null) => ({ requestId: 'r', viewer: v }) as InternalContext;

describe('lazyLoaders', () => {
  it('builds a module’s loaders on first use, once per request, with the request’s viewer; later modules win a shared name', () => {
    const built: string[] = [];
    const mod = (name: string, keys: string[]) =>
      ({
        name,
        loaders: (prisma: { db: string }, v: Viewer | null) => {
          built.push(`${name}:${v?.tenantId ?? 'none'}`);
          return Object.fromEntries(keys.map((k) => [k, { module: name, key: k, tenant: v?.tenantId ?? null, db: prisma.db }]));
        },
      }) as unknown as ModuleDefinition;
    const make = lazyLoaders([mod('a', ['x', 'shared']), { name: 'none' } as unknown as ModuleDefinition, mod('b', ['y', 'shared'])], { db: 'prisma' });
    expect(built).toEqual(['a:none', 'b:none']); // the names, learnt once at start
    built.length = 0;

    const one = make(internal(viewer('t1'))) as Record<string, { module: string; tenant: string | null; db: string }>;
    const two = make(internal(viewer('t2'))) as typeof one;
    expect(built).toEqual([]); // nothing built before a loader is touched
    expect(one.x).toEqual({ module: 'a', key: 'x', tenant: 't1', db: 'prisma' });
    expect(one.x).toBe(one.x); // the same loader for the whole request
    expect(built).toEqual(['a:t1']);
    expect(one.shared.module).toBe('b'); // as Object.assign of the sets: the later module's
    expect(two.y).toMatchObject({ module: 'b', tenant: 't2' });
    expect(built).toEqual(['a:t1', 'b:t1', 'b:t2']);
    expect(Object.keys(Object.getPrototypeOf(one)).sort()).toEqual(['shared', 'x', 'y']);
    const anonymous = make(internal(null)) as typeof one;
    expect(anonymous.y.tenant).toBeNull();
    expect((one as Record<string, unknown>).nope).toBeUndefined();
  });
});
