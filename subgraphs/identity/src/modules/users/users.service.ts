import type { RequestScope } from '../../context.ts';
import {
  UserErrorCode, decoyPasswordHash, fail, hashPassword, issueAccessToken, needsRehash, ok, userError, verifyPassword, type Result,
} from '@omniroute/core';
import type { PrismaClient, User } from '../../generated/prisma/client.ts';
import type { LoginThrottle } from './login-throttle.ts';

export type LoginResult =
  | Result<{ accessToken: string; expiresAt: Date; user: User }>
  | { ok: false; errors: ReturnType<typeof userError>[]; retryAfterSeconds: number };

/** What sign-in needs to know about the request: the client address the gateway saw (signed), if any. */
export type LoginScope = Pick<RequestScope, 'clientIp'>;

/** Users: sign-in and the signed-in user. */
export class UserService {
  // Unknown emails are checked against this, at the current parameters, so they take as long as a wrong password.
  private readonly decoyHash = decoyPasswordHash();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly jwtSecret: string,
    private readonly throttle: LoginThrottle,
    private readonly passwords = { verify: verifyPassword, hash: hashPassword, needsRehash },
  ) {}

  me({ viewer }: RequestScope): Promise<User | null> {
    if (!viewer?.userId) return Promise.resolve(null);
    return this.prisma.user.findFirst({ where: { id: viewer.userId, tenantId: viewer.tenantId, active: true } });
  }

  async login(scope: LoginScope, input: { email: string; password: string }): Promise<LoginResult> {
    const email = input.email.trim().toLowerCase();
    if (email.length > 254 || input.password.length > 1024 || !email.includes('@')) {
      return fail(UserErrorCode.INVALID_INPUT, 'Email or password is malformed', ['input']);
    }
    // Counted before the password is checked, for every email alike: parallel guesses count, and a refusal says
    // nothing about whether the account exists. While refused, not even the right password gets in.
    const waitMs = await this.throttle.attempt(email, scope.clientIp);
    if (waitMs > 0) {
      const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
      return { ok: false, errors: [userError(UserErrorCode.TOO_MANY_ATTEMPTS, `Too many sign-in attempts; try again in ${retryAfterSeconds} s`)], retryAfterSeconds };
    }
    const user = await this.prisma.user.findUnique({ where: { email } });
    const stored = user?.passwordHash ?? this.decoyHash;
    const valid = await this.passwords.verify(input.password, stored);
    if (!user || !user.active || !valid) return fail(UserErrorCode.INVALID_CREDENTIALS, 'Email or password is wrong');
    await this.throttle.succeeded(email, scope.clientIp);
    // the account's bindings travel in the token, so every subgraph can apply its object rules (own customer, own worker)
    const { token, expiresAt } = await issueAccessToken(
      { userId: user.id, tenantId: user.tenantId, roles: user.roles, customerId: user.customerId, workerId: user.workerId },
      this.jwtSecret,
    );
    await this.prisma.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
    if (this.passwords.needsRehash(stored)) {
      // The only moment the plain password is at hand: older, weaker hashes move to the current parameters here.
      // Conditional on the old hash, so a concurrent change of the password is never overwritten.
      const passwordHash = await this.passwords.hash(input.password);
      await this.prisma.user.updateMany({ where: { id: user.id, passwordHash: stored }, data: { passwordHash } });
    }
    return ok({ accessToken: token, expiresAt, user });
  }
}
