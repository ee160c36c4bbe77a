import { describe, expect, it } from 'vitest';
import { decodeCursor, pageById, pageWindow, toConnection } from './pagination.ts';

describe('pagination', () => {
  it('builds connections with hasNextPage from first + 1 rows', () => {
    const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    const c = toConnection(rows, 2, null);
    expect(c.edges.map((e) => e.node.id)).toEqual(['a', 'b']);
    expect(c.pageInfo.hasNextPage).toBe(true);
    expect(decodeCursor(c.pageInfo.endCursor!)).toBe('b');
  });
  it('refuses bad windows and cursors', () => {
    expect(() => pageWindow({ first: -1 })).toThrow(/first/);
    expect(() => pageWindow({ first: 1000 })).toThrow(/first/);
    expect(() => pageWindow({ first: 1, after: 'garbage' })).toThrow(/cursor/);
    expect(pageWindow({})).toEqual({ first: 20, afterId: null });
  });
});

describe('pageById', () => {
  const rows = ['a', 'b', 'c', 'd'].map((id) => ({ id }));
  const fetch = async ({ take, after }: { take: number; after: { id?: { gt: string } } }) => rows.filter((r) => !after.id || r.id > after.id.gt).slice(0, take);
  it('asks for one more row than the page, after the cursor, and says whether more follow', async () => {
    const first = await pageById({ first: 2 }, fetch);
    expect(first.edges.map((e) => e.node.id)).toEqual(['a', 'b']);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const next = await pageById({ first: 2, after: first.pageInfo.endCursor }, fetch);
    expect(next.edges.map((e) => e.node.id)).toEqual(['c', 'd']);
    expect(next.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });
  it('refuses a page size out of range before fetching', async () => {
    let fetched = false;
    await expect(pageById({ first: 101 }, async () => ((fetched = true), []))).rejects.toThrow(/first must be between/);
    expect(fetched).toBe(false);
  });
});
