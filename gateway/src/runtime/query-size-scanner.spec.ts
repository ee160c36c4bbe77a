import { describe, expect, it } from 'vitest';
import { QuerySizeScanner } from './query-size-scanner.ts';

/** What the scanner must report for a body: the UTF-8 size of its top-level "query" when that is a string. */
function expected(body: string): number {
  const q = (JSON.parse(body) as { query?: unknown }).query;
  return typeof q === 'string' ? Buffer.byteLength(q, 'utf8') : 0;
}

function scan(body: string, cut: (i: number) => number = () => Infinity): number {
  const bytes = Buffer.from(body, 'utf8');
  const s = new QuerySizeScanner();
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const n = Math.max(1, Math.min(bytes.length - at, cut(i)));
    s.push(bytes.subarray(at, at + n));
    at += n;
  }
  return s.largest;
}

// A small deterministic PRNG (mulberry32), so a failure reproduces.
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('QuerySizeScanner', () => {
  it('measures the decoded UTF-8 size of the top-level query string, escapes and all', () => {
    const cases = [
      '{"query":"{ me { id } }"}',
      '{"operationName":"A","query":"query A { x }","variables":{"query":"not this one, it is nested much deeper than the top"}}',
      '{"variables":{"a":[1,{"query":"nested"}],"b":"}{\\"query\\":\\"fake\\""},"query":"{ ok }"}',
      '{"query":"\\u00e9\\u20ac\\ud83d\\ude00 \\n\\t\\"\\\\\\/\\b\\f\\r é€😀"}',
      '{"query":"lone \\ud800 high, lone \\udc00 low, \\ud800\\u0041"}',
      '{"\\u0071uery":"{ escaped key }"}',
      '{ "query" : "{ spaced }" , "extensions" : { } }',
      '{"query":null,"documentId":"abc"}',
      '{"query":{"not":"a string"}}',
      '{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"query"}}}',
      '["query","array bodies"]',
    ];
    for (const body of cases) expect(scan(body), body).toBe(expected(body));
  });

  it('gives the same answer however the body is cut into chunks', () => {
    const rnd = prng(12);
    const pieces = ['a', 'é', '€', '😀', '\\"', '\\\\', '\\n', '\\u0041', '\\u00e9', '\\ud83d\\ude00', '\\ud800', ' ', '{', '}', '"'];
    for (let n = 0; n < 300; n++) {
      let q = '';
      for (let k = Math.floor(rnd() * 40); k > 0; k--) {
        const p = pieces[Math.floor(rnd() * pieces.length)]!;
        q += p === '"' ? '\\"' : p;
      }
      const body = rnd() < 0.5
        ? `{"variables":{"x":["${q}",{"query":"${q}"}]},"query":"${q}","operationName":null}`
        : `{"query":"${q}"}`;
      const want = expected(body);
      expect(scan(body), body).toBe(want);
      expect(scan(body, () => 1 + Math.floor(rnd() * 7)), body).toBe(want);
    }
  });
});
