import { createHash } from 'node:crypto';
import type { UserErrorCode } from '@omniroute/core';

/** One operation of an Apollo persisted-query manifest. */
export interface ManifestOperation {
  id: string;
  name: string | null;
  type: 'query' | 'mutation' | 'subscription';
  body: string;
}

export const MANIFEST_FORMAT = 'apollo-persisted-query-manifest';
export const MAX_MANIFEST_OPERATIONS = 5000;
export const MAX_OPERATION_BODY = 100_000;

export const sha256Hex = (s: string) => createHash('sha256').update(s).digest('hex');

export type ManifestResult = { ok: true; operations: ManifestOperation[] } | { ok: false; code: UserErrorCode; message: string; field: (string | number)[] };

/**
 * Parses and checks an Apollo persisted-query manifest
 * (`{"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id","name","type","body"}]}`):
 * every id must be the sha256 (hex) of its body, as Apollo's generator writes it.
 */
export function parseManifest(text: string): ManifestResult {
  const bad = (message: string, field: (string | number)[] = ['manifest'], code: UserErrorCode = 'INVALID_MANIFEST'): ManifestResult => ({ ok: false, code, message, field });
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return bad('The manifest is not valid JSON');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return bad('The manifest must be a JSON object');
  const m = doc as Record<string, unknown>;
  if (m.format !== MANIFEST_FORMAT) return bad(`format must be "${MANIFEST_FORMAT}"`, ['manifest', 'format']);
  if (m.version !== 1) return bad('version must be 1', ['manifest', 'version']);
  if (!Array.isArray(m.operations)) return bad('operations must be an array', ['manifest', 'operations']);
  if (m.operations.length > MAX_MANIFEST_OPERATIONS) return bad(`At most ${MAX_MANIFEST_OPERATIONS} operations per manifest`, ['manifest', 'operations'], 'TOO_LARGE');
  const out: ManifestOperation[] = [];
  for (const [i, raw] of m.operations.entries()) {
    const at = ['manifest', 'operations', i];
    if (!raw || typeof raw !== 'object') return bad('Each operation must be an object', at);
    const op = raw as Record<string, unknown>;
    if (typeof op.body !== 'string' || !op.body.trim()) return bad('body must be a non-empty string', [...at, 'body']);
    if (op.body.length > MAX_OPERATION_BODY) return bad(`body exceeds ${MAX_OPERATION_BODY} characters`, [...at, 'body'], 'TOO_LARGE');
    if (typeof op.id !== 'string' || !/^[0-9a-f]{64}$/.test(op.id)) return bad('id must be a sha256 hex digest', [...at, 'id']);
    if (sha256Hex(op.body) !== op.id) return bad(`id ${op.id.slice(0, 12)}… is not the sha256 of its body`, [...at, 'id'], 'HASH_MISMATCH');
    if (op.type !== 'query' && op.type !== 'mutation' && op.type !== 'subscription') return bad('type must be query, mutation or subscription', [...at, 'type']);
    if (op.name != null && (typeof op.name !== 'string' || op.name.length > 200)) return bad('name must be a string of at most 200 characters', [...at, 'name']);
    out.push({ id: op.id, name: (op.name as string | null | undefined) ?? null, type: op.type, body: op.body });
  }
  return { ok: true, operations: out };
}
