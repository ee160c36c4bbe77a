import { describe, expect, it } from 'vitest';
import { decodeCursor, pageWindow, toConnection } from './pagination.ts';

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
