// The simulator's two callers of the gateway (operations and finance), each signed in once at a time.
import { randomUUID } from 'node:crypto';
import { log } from '@omniroute/core';

export type Caller = 'ops' | 'finance';

export interface SimulatorAccounts {
  /** Default dispatch@lagos.demo. */
  email?: string;
  /** Default finance@lagos.demo. */
  financeEmail?: string;
  password?: string;
}

export class GatewayClient {
  private token = '';
  private financeToken = '';
  // One sign-in at a time per account, whichever loop asks: a sign-in is a deliberately slow scrypt, and on a busy
  // machine two loops each retrying theirs every tick queued sign-ins faster than identity could hash them.
  private readonly signingIn: { ops?: Promise<boolean>; finance?: Promise<boolean> } = {};

  constructor(private readonly gatewayUrl: string, private readonly accounts: SimulatorAccounts) {}

  /** The operation's data (null on failure); an UNAUTHENTICATED answer forgets the caller's token. */
  async gql<T = any>(query: string, variables: Record<string, unknown> = {}, as: Caller = 'ops', timeoutMs = 10_000): Promise<T | null> {
    const bearer = query.startsWith('mutation($i: LoginInput!)') ? '' : as === 'finance' ? this.financeToken : this.token;
    const res = await fetch(this.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), 'x-request-id': `sim-${randomUUID()}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
    if (body.errors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) {
      if (as === 'finance') this.financeToken = '';
      else this.token = '';
    }
    if (body.errors?.length) log.debug('simulator: errors', { errors: body.errors.map((e) => e.message).slice(0, 3) });
    return body.data ?? null;
  }

  async ensureLogin(): Promise<boolean> {
    return this.token ? true : this.signIn('ops', this.accounts.email ?? 'dispatch@lagos.demo');
  }

  async ensureFinanceLogin(): Promise<boolean> {
    return this.financeToken ? true : this.signIn('finance', this.accounts.financeEmail ?? 'finance@lagos.demo');
  }

  private signIn(as: Caller, email: string): Promise<boolean> {
    this.signingIn[as] ??= (async () => {
      try {
        const d = await this.gql<{ login: { accessToken: string | null } }>('mutation($i: LoginInput!) { login(input: $i) { accessToken } }', {
          i: { email, password: this.accounts.password ?? 'omniroute-demo' },
        }, 'ops', 60_000);
        const t = d?.login.accessToken ?? '';
        if (as === 'finance') this.financeToken = t;
        else this.token = t;
        return !!t;
      } finally {
        this.signingIn[as] = undefined;
      }
    })();
    return this.signingIn[as];
  }
}
