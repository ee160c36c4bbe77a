import { randomBytes } from 'node:crypto';
import { authorize, fail, isCurrency, log, newId, ok, type CurrencyCode, type Result } from '@omniroute/core';
import type { DemoPaymentAccounts } from '@omniroute/demo';
import type { RequestScope } from '../../context.ts';
import type { PaymentProviderConfig, PrismaClient } from '../../generated/prisma/client.ts';
import type { CredentialVault } from './rails/credentials.ts';
import type { RailAccount, RailName } from './rails/rail.ts';
import { paymentPolicies } from './payments.policies.ts';

/** The credentials each rail needs (besides the callbackSecret finance generates). */
export const RAIL_SECRETS: Record<RailName, readonly string[]> = {
  MPESA: ['consumerKey', 'consumerSecret', 'shortCode', 'passkey'],
  MTN_MOMO: ['apiUser', 'apiKey', 'subscriptionKey', 'targetEnvironment'],
  PAYSTACK: ['secretKey'],
};

/** Credentials a rail's payouts need, optional for collections: M-Pesa B2C's initiator, MoMo Disbursement's subscription key. */
export const PAYOUT_SECRETS: Record<RailName, readonly string[]> = {
  MPESA: ['initiatorName', 'securityCredential'],
  MTN_MOMO: ['disbursementSubscriptionKey'],
  PAYSTACK: [],
};

/** Provider accounts: each tenant's configuration per rail, credentials sealed with the vault, opened per call. */
export class ProviderAccountService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly vault: CredentialVault | null,
  ) {}

  get configured(): boolean {
    return this.vault !== null;
  }

  /** The tenant's enabled account on a rail with its credentials opened; null when there is none (or no key). */
  async account(tenantId: string, rail: RailName): Promise<RailAccount | null> {
    if (!this.vault) return null;
    const row = await this.prisma.paymentProviderConfig.findUnique({ where: { tenantId_rail: { tenantId, rail } } });
    return row?.enabled ? this.open(row) : null;
  }

  /** Null (and an error in the log) when the credentials were sealed under another key or tampered with. */
  private open(row: PaymentProviderConfig): RailAccount | null {
    let secrets: Record<string, string>;
    try {
      secrets = this.vault!.open(row.tenantId, row.rail, row.credentials);
    } catch {
      log.error('finance: provider credentials do not open with PAYMENT_CREDENTIALS_KEY; configure the account again', { tenantId: row.tenantId, rail: row.rail });
      return null;
    }
    return {
      tenantId: row.tenantId,
      rail: row.rail,
      baseUrl: row.baseUrl.replace(/\/$/, ''),
      currencies: row.currencies as CurrencyCode[],
      secrets,
      version: `${row.id}@${row.updatedAt.getTime()}`,
    };
  }

  /** configurePaymentProvider (ADMIN): validates, then seals and stores the account. */
  async configure(
    { viewer }: RequestScope,
    input: { provider: RailName; baseUrl: string; currencies: string[]; credentials: { name: string; value: string }[]; enabled?: boolean | null },
  ): Promise<Result<PaymentProviderConfig>> {
    const v = authorize(paymentPolicies['Mutation.configurePaymentProvider'], viewer);
    const bad = (message: string, field: string) => fail<PaymentProviderConfig>('INVALID_INPUT', message, ['input', field]);
    if (!this.vault) return bad('Provider credentials cannot be stored: PAYMENT_CREDENTIALS_KEY is not set', 'credentials');
    let url: URL;
    try {
      url = new URL(input.baseUrl);
    } catch {
      return bad('baseUrl must be an http or https URL', 'baseUrl');
    }
    if (!['http:', 'https:'].includes(url.protocol) || input.baseUrl.length > 500) return bad('baseUrl must be an http or https URL', 'baseUrl');
    const currencies = [...new Set(input.currencies)];
    if (currencies.length === 0 || !currencies.every(isCurrency)) return bad('currencies must name at least one currency', 'currencies');
    const needed = RAIL_SECRETS[input.provider];
    const secrets: Record<string, string> = {};
    for (const c of input.credentials) {
      const known = [...needed, ...PAYOUT_SECRETS[input.provider]];
      if (!known.includes(c.name)) return bad(`${input.provider} takes the credentials ${known.join(', ')}; not ${c.name.slice(0, 50)}`, 'credentials');
      if (!c.value || c.value.length > 500) return bad(`${c.name} must be 1–500 characters`, 'credentials');
      secrets[c.name] = c.value;
    }
    const missing = needed.filter((n) => !(n in secrets) && !(input.provider === 'MTN_MOMO' && n === 'targetEnvironment'));
    if (missing.length) return bad(`${input.provider} needs ${missing.join(', ')}`, 'credentials');
    await this.upsert(v.tenantId, input.provider, { baseUrl: url.toString().replace(/\/$/, ''), currencies: currencies as CurrencyCode[], secrets, enabled: input.enabled ?? true });
    return ok((await this.prisma.paymentProviderConfig.findUnique({ where: { tenantId_rail: { tenantId: v.tenantId, rail: input.provider } } }))!);
  }

  /** The tenant's configured rails, without secrets (FINANCE or ADMIN). */
  async list({ viewer }: RequestScope): Promise<PaymentProviderConfig[]> {
    const v = authorize(paymentPolicies['Query.paymentProviders'], viewer);
    return this.prisma.paymentProviderConfig.findMany({ where: { tenantId: v.tenantId }, orderBy: { rail: 'asc' } });
  }

  /**
   * Creates or replaces a tenant's account on a rail. The callback secret (the MAC key of unsigned rails' callback
   * URLs) is generated once and kept across updates, so callbacks of payments in flight stay valid.
   */
  async upsert(tenantId: string, rail: RailName, cfg: { baseUrl: string; currencies: CurrencyCode[]; secrets: Record<string, string>; enabled?: boolean }): Promise<void> {
    if (!this.vault) throw new Error('PAYMENT_CREDENTIALS_KEY is not set: provider credentials cannot be stored');
    const existing = await this.prisma.paymentProviderConfig.findUnique({ where: { tenantId_rail: { tenantId, rail } } });
    const callbackSecret = existing ? this.open(existing)?.secrets.callbackSecret : undefined;
    const credentials = this.vault.seal(tenantId, rail, { ...cfg.secrets, callbackSecret: callbackSecret ?? randomBytes(32).toString('base64url') });
    const data = { baseUrl: cfg.baseUrl, currencies: cfg.currencies, credentials, enabled: cfg.enabled ?? true };
    await this.prisma.paymentProviderConfig.upsert({
      where: { tenantId_rail: { tenantId, rail } },
      create: { id: newId('ppc'), tenantId, rail, ...data },
      update: data,
    });
  }

  /** Points the demo tenants' accounts at a provider sandbox (every start: the sandbox's port may have changed). */
  async seedDemo(accounts: DemoPaymentAccounts[], sandboxUrl: string): Promise<void> {
    for (const a of accounts) {
      const currencies = [a.currency as CurrencyCode];
      await this.upsert(a.tenantId, 'MPESA', { baseUrl: sandboxUrl, currencies, secrets: { ...a.mpesa } });
      await this.upsert(a.tenantId, 'MTN_MOMO', { baseUrl: sandboxUrl, currencies, secrets: { ...a.momo } });
      await this.upsert(a.tenantId, 'PAYSTACK', { baseUrl: sandboxUrl, currencies, secrets: { secretKey: a.paystack.secretKey } });
    }
  }
}
