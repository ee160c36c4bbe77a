import type { RequestScope } from '../../context.ts';
import { randomBytes } from 'node:crypto';
import { UserErrorCode, authorize, fail, hashApiKey, newId, ok, pageById, ROLES, type ConnectionArgs, type Result } from '@omniroute/core';
import type { ApiKey, PartnerApp, PrismaClient, Role } from '../../generated/prisma/client.ts';
import { requireGateway, type PartnerAppService } from '../partner-apps/partner-apps.service.ts';
import type { IdentityChanges } from './identity-changes.ts';
import { apiKeyPolicies } from './api-keys.policies.ts';

/** An active key with its app, as the gateway's internal lookup returns it. */
export type GatewayApiKeyRow = ApiKey & { partnerApp: PartnerApp };

const KEY_PREFIX = 'omr_live_';
const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
// scope names: `area:action` style, lowercase; `internal:` is reserved for the platform.
const SCOPE = /^[a-z][a-z0-9_-]{0,39}(?::[a-z0-9_*-]{1,40}){0,3}$/;

/** Uniform random characters from `alphabet` (rejection sampling, no modulo bias). */
function randomString(length: number, alphabet: string): string {
  let out = '';
  const limit = 256 - (256 % alphabet.length);
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < limit && out.length < length) out += alphabet[b % alphabet.length];
    }
  }
  return out;
}

/** A new key `omr_live_<prefix>_<secret>`: 12 lowercase characters to recognise it, 40 random alphanumerics. */
export function generateApiKey(): { key: string; prefix: string } {
  const prefix = randomString(12, ALNUM.slice(0, 26) + ALNUM.slice(52));
  return { key: `${KEY_PREFIX}${prefix}_${randomString(40, ALNUM)}`, prefix };
}

/** API keys: issuing (secret shown once, stored hashed), listing, revocation, and the gateway's lookups. */
export class ApiKeyService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly partnerApps: PartnerAppService,
    private readonly changes: IdentityChanges,
  ) {}

  async list({ viewer }: RequestScope, args: ConnectionArgs) {
    const v = authorize(apiKeyPolicies['Query.apiKeys'], viewer);
    return pageById(args, ({ take, after }) => this.prisma.apiKey.findMany({ where: { tenantId: v.tenantId, ...after }, orderBy: { id: 'asc' }, take }));
  }

  async create(
    scope: RequestScope,
    input: { name: string; partnerAppId?: string | null; roles?: readonly Role[] | null; scopes?: readonly string[] | null; expiresAt?: Date | null },
  ): Promise<Result<{ apiKey: ApiKey; secret: string }>> {
    const v = authorize(apiKeyPolicies['Mutation.createApiKey'], scope.viewer);
    const name = input.name.trim();
    if (!name || name.length > 200) return fail(UserErrorCode.INVALID_INPUT, 'name must be 1–200 characters', ['input', 'name']);
    const roles = [...new Set(input.roles ?? [])].filter((r) => r !== 'PARTNER');
    if (roles.some((r) => !(ROLES as readonly string[]).includes(r))) return fail(UserErrorCode.INVALID_INPUT, 'Unknown role', ['input', 'roles']);
    if (roles.includes('ADMIN')) return fail(UserErrorCode.ROLE_NOT_GRANTABLE, 'API keys cannot be granted ADMIN', ['input', 'roles']);
    const scopes = [...new Set(input.scopes ?? [])];
    if (scopes.length > 50) return fail(UserErrorCode.INVALID_INPUT, 'At most 50 scopes', ['input', 'scopes']);
    const badScope = scopes.find((s) => !SCOPE.test(s) || s.startsWith('internal:'));
    if (badScope !== undefined) return fail(UserErrorCode.INVALID_INPUT, `Invalid scope "${badScope.slice(0, 60)}" (lowercase area:action)`, ['input', 'scopes']);
    if (input.expiresAt && !(input.expiresAt.getTime() > Date.now())) return fail(UserErrorCode.INVALID_INPUT, 'expiresAt must be in the future', ['input', 'expiresAt']);
    let app: PartnerApp | null;
    if (input.partnerAppId) {
      app = await this.prisma.partnerApp.findFirst({ where: { id: input.partnerAppId, tenantId: v.tenantId } });
      if (!app) return fail(UserErrorCode.NOT_FOUND, 'No such partner app', ['input', 'partnerAppId']);
    } else {
      app = await this.partnerApps.defaultApp(scope);
    }
    const { key, prefix } = generateApiKey();
    const apiKey = await this.prisma.apiKey.create({
      data: {
        id: newId('key'),
        tenantId: v.tenantId,
        partnerAppId: app.id,
        name,
        prefix,
        secretHash: hashApiKey(key),
        roles,
        scopes,
        expiresAt: input.expiresAt ?? null,
        createdById: v.userId ?? null,
      },
    });
    return ok({ apiKey, secret: key });
  }

  async revoke({ viewer }: RequestScope, id: string): Promise<Result<ApiKey>> {
    const v = authorize(apiKeyPolicies['Mutation.revokeApiKey'], viewer);
    const key = await this.prisma.apiKey.findFirst({ where: { id, tenantId: v.tenantId } });
    if (!key) return fail(UserErrorCode.NOT_FOUND, 'No such API key', ['input', 'id']);
    const revoked = key.revokedAt ? key : await this.prisma.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
    // Publish even when already revoked: a gateway that missed the first message forgets the key now.
    await this.changes.publish({ kind: 'api-key-revoked', id: key.id, tenantId: key.tenantId });
    return ok(revoked);
  }

  /** Gateway-only: the active key with this hash, with its app; null when unknown, revoked or expired. */
  async gatewayLookup({ internalCaller }: RequestScope, secretHash: string): Promise<GatewayApiKeyRow | null> {
    requireGateway(internalCaller);
    if (!/^[0-9a-f]{64}$/.test(secretHash)) return null;
    const key = await this.prisma.apiKey.findUnique({ where: { secretHash }, include: { partnerApp: true } });
    if (!key || key.revokedAt || key.partnerApp.disabledAt || (key.expiresAt && key.expiresAt.getTime() <= Date.now())) return null;
    return key;
  }

  /** Gateway-only: marks keys used at `at` (the gateway reports in batches, so this is one statement per batch). */
  async recordUse({ internalCaller }: RequestScope, ids: readonly string[], at: Date): Promise<boolean> {
    requireGateway(internalCaller);
    if (!ids.length) return true;
    await this.prisma.apiKey.updateMany({
      where: { id: { in: ids.slice(0, 1000) as string[] }, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: at } }] },
      data: { lastUsedAt: at },
    });
    return true;
  }
}
