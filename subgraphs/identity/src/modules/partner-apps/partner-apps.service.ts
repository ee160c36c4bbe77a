import type { RequestScope } from '../../context.ts';
import { UserErrorCode, authorize, fail, forbidden, newId, requireViewer, type PartnerAppLimits, ok, pageById, type ConnectionArgs, type Result } from '@omniroute/core';
import { Prisma, type PartnerApp, type PersistedOperation, type PrismaClient, type PersistedQueryMode } from '../../generated/prisma/client.ts';
import type { IdentityChanges } from '../api-keys/identity-changes.ts';
import { parseManifest } from './manifest.ts';
import { partnerAppPolicies } from './partner-apps.policies.ts';

const LIMIT_RANGES: Record<keyof PartnerAppLimits, [number, number]> = {
  maxDepth: [1, 50],
  maxAliases: [0, 1000],
  maxRootFields: [1, 100],
  maxCost: [1, 1_000_000],
  requestsPerMinute: [1, 100_000],
  maxConcurrentOperations: [1, 10_000],
  maxSubscriptions: [1, 100_000],
};

export const DEFAULT_APP_SLUG = 'default';
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** Who may call the gateway-only fields: a request the gateway signed as an internal call, never a client's. */
export function requireGateway(internalCaller: string | null): void {
  if (internalCaller !== 'gateway') throw forbidden('Internal field');
}

export function limitsOf(app: PartnerApp): PartnerAppLimits {
  const raw = (app.limits ?? {}) as Record<string, unknown>;
  const out: PartnerAppLimits = {};
  for (const k of Object.keys(LIMIT_RANGES) as (keyof PartnerAppLimits)[]) out[k] = typeof raw[k] === 'number' ? (raw[k] as number) : null;
  return out;
}

function checkLimits(limits: PartnerAppLimits | null | undefined): Result<Record<string, number> | null> {
  if (!limits) return ok(null);
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(limits)) {
    if (v == null) continue;
    const range = LIMIT_RANGES[k as keyof PartnerAppLimits];
    if (!range) continue;
    if (!Number.isInteger(v) || v < range[0] || v > range[1]) {
      return fail(UserErrorCode.INVALID_INPUT, `${k} must be an integer between ${range[0]} and ${range[1]}`, ['input', 'limits', k]);
    }
    out[k] = v;
  }
  return ok(out);
}

// NFKD splits 'é' into 'e' and a combining accent: the accents (marks) go, or each would cut its word with a dash
// ('São Paulo' → 'sa-o-paulo' instead of 'sao-paulo').
const slugOf = (name: string) => name.toLowerCase().normalize('NFKD').replace(/\p{M}+/gu, '').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64).replace(/-+$/, '') || 'app';

/** Partner apps of a tenant: creation, safelist mode and limits, and their registered persisted-query safelists. */
export class PartnerAppService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly changes: IdentityChanges,
  ) {}

  async list({ viewer }: RequestScope, args: ConnectionArgs) {
    const v = authorize(partnerAppPolicies['Query.partnerApps'], viewer);
    return pageById(args, ({ take, after }) => this.prisma.partnerApp.findMany({ where: { tenantId: v.tenantId, ...after }, orderBy: { id: 'asc' }, take }));
  }

  get({ viewer }: RequestScope, id: string): Promise<PartnerApp | null> {
    const v = authorize(partnerAppPolicies['Query.partnerApp'], viewer);
    return this.prisma.partnerApp.findFirst({ where: { id, tenantId: v.tenantId } });
  }

  async create(
    { viewer }: RequestScope,
    input: { name: string; slug?: string | null; persistedQueryMode?: PersistedQueryMode | null; limits?: PartnerAppLimits | null },
  ): Promise<Result<PartnerApp>> {
    const v = authorize(partnerAppPolicies['Mutation.createPartnerApp'], viewer);
    const name = input.name.trim();
    if (!name || name.length > 200) return fail(UserErrorCode.INVALID_INPUT, 'name must be 1–200 characters', ['input', 'name']);
    const slug = input.slug ?? slugOf(name);
    if (!SLUG.test(slug)) return fail(UserErrorCode.INVALID_INPUT, 'slug must be lowercase letters, digits and dashes (at most 64)', ['input', 'slug']);
    const limits = checkLimits(input.limits);
    if (!limits.ok) return limits;
    try {
      const app = await this.prisma.partnerApp.create({
        data: {
          id: newId('papp'),
          tenantId: v.tenantId,
          name,
          slug,
          persistedQueryMode: input.persistedQueryMode ?? 'ALLOW_ALL',
          limits: limits.value ?? Prisma.DbNull,
        },
      });
      return ok(app);
    } catch (e) {
      if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') {
        return fail(UserErrorCode.SLUG_TAKEN, `The tenant already has an app with slug "${slug}"`, ['input', 'slug']);
      }
      throw e;
    }
  }

  async update(
    { viewer }: RequestScope,
    input: { id: string; name?: string | null; persistedQueryMode?: PersistedQueryMode | null; limits?: PartnerAppLimits | null; disabled?: boolean | null },
  ): Promise<Result<PartnerApp>> {
    const v = authorize(partnerAppPolicies['Mutation.updatePartnerApp'], viewer);
    const app = await this.prisma.partnerApp.findFirst({ where: { id: input.id, tenantId: v.tenantId } });
    if (!app) return fail(UserErrorCode.NOT_FOUND, 'No such partner app', ['input', 'id']);
    const data: Prisma.PartnerAppUpdateInput = {};
    if (input.name != null) {
      const name = input.name.trim();
      if (!name || name.length > 200) return fail(UserErrorCode.INVALID_INPUT, 'name must be 1–200 characters', ['input', 'name']);
      data.name = name;
    }
    if (input.persistedQueryMode) data.persistedQueryMode = input.persistedQueryMode;
    if (input.disabled != null) data.disabledAt = input.disabled ? (app.disabledAt ?? new Date()) : null;
    if (input.limits !== undefined) {
      const limits = checkLimits(input.limits);
      if (!limits.ok) return limits;
      data.limits = limits.value ?? Prisma.DbNull;
    }
    const updated = await this.prisma.partnerApp.update({ where: { id: app.id }, data });
    await this.changes.publish({ kind: 'partner-app-changed', id: app.id, tenantId: app.tenantId });
    return ok(updated);
  }

  /** The caller's tenant's default app, for keys created without one; created on first use. */
  async defaultApp({ viewer }: RequestScope): Promise<PartnerApp> {
    const tenantId = requireViewer(viewer).tenantId;
    const found = await this.prisma.partnerApp.findUnique({ where: { tenantId_slug: { tenantId, slug: DEFAULT_APP_SLUG } } });
    if (found) return found;
    try {
      return await this.prisma.partnerApp.create({ data: { id: newId('papp'), tenantId, name: 'Default', slug: DEFAULT_APP_SLUG } });
    } catch (e) {
      if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') {
        return this.prisma.partnerApp.findUniqueOrThrow({ where: { tenantId_slug: { tenantId, slug: DEFAULT_APP_SLUG } } });
      }
      throw e;
    }
  }

  /** Adds (or with `replace`, sets) the operations of an Apollo persisted-query manifest to an app's safelist. */
  async registerManifest(
    { viewer }: RequestScope,
    input: { partnerAppId: string; manifest: string; replace?: boolean | null },
  ): Promise<Result<{ app: PartnerApp; registered: number }>> {
    const v = authorize(partnerAppPolicies['Mutation.registerPersistedQueries'], viewer);
    const app = await this.prisma.partnerApp.findFirst({ where: { id: input.partnerAppId, tenantId: v.tenantId } });
    if (!app) return fail(UserErrorCode.NOT_FOUND, 'No such partner app', ['input', 'partnerAppId']);
    const parsed = parseManifest(input.manifest);
    if (!parsed.ok) return fail(parsed.code, parsed.message, ['input', ...parsed.field.map(String)]);
    const unique = [...new Map(parsed.operations.map((o) => [o.id, o])).values()];
    const ids = unique.map((o) => o.id);
    await this.prisma.$transaction([
      this.prisma.persistedOperation.deleteMany({ where: { partnerAppId: app.id, ...(input.replace ? {} : { id: { in: ids } }) } }),
      this.prisma.persistedOperation.createMany({
        data: unique.map((o) => ({ partnerAppId: app.id, tenantId: app.tenantId, id: o.id, name: o.name, type: o.type, body: o.body })),
      }),
    ]);
    await this.changes.publish({ kind: 'partner-app-changed', id: app.id, tenantId: app.tenantId });
    return ok({ app, registered: unique.length });
  }

  /** Gateway-only: an app's registered safelist. */
  gatewayOperations({ internalCaller }: RequestScope, partnerAppId: string): Promise<PersistedOperation[]> {
    requireGateway(internalCaller);
    return this.prisma.persistedOperation.findMany({ where: { partnerAppId }, orderBy: { id: 'asc' } });
  }
}
