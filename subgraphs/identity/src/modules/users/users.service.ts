import { fail, hashPassword, issueAccessToken, ok, verifyPassword, type Result, type Viewer } from '@omniroute/core';
import type { PrismaClient, User } from '../../generated/prisma/client.ts';

export const IdentityErrorCode = { INVALID_CREDENTIALS: 'INVALID_CREDENTIALS', INVALID_INPUT: 'INVALID_INPUT' } as const;

// A fixed hash to compare against when the email is unknown, so response time does not reveal which emails exist.
let dummyHash: Promise<string> | undefined;

/** Users: sign-in and the signed-in user. */
export class UserService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly jwtSecret: string,
  ) {}

  me(viewer: Viewer | null): Promise<User | null> {
    if (!viewer?.userId) return Promise.resolve(null);
    return this.prisma.user.findFirst({ where: { id: viewer.userId, tenantId: viewer.tenantId, active: true } });
  }

  async login(input: { email: string; password: string }): Promise<Result<{ accessToken: string; expiresAt: Date; user: User }>> {
    const email = input.email.trim().toLowerCase();
    if (email.length > 254 || input.password.length > 1024 || !email.includes('@')) {
      return fail(IdentityErrorCode.INVALID_INPUT, 'Email or password is malformed', ['input']);
    }
    const user = await this.prisma.user.findUnique({ where: { email } });
    dummyHash ??= hashPassword('not-a-real-password');
    const valid = await verifyPassword(input.password, user?.passwordHash ?? (await dummyHash));
    if (!user || !user.active || !valid) return fail(IdentityErrorCode.INVALID_CREDENTIALS, 'Email or password is wrong');
    // the account's bindings travel in the token, so every subgraph can apply its object rules (own customer, own worker)
    const { token, expiresAt } = await issueAccessToken(
      { userId: user.id, tenantId: user.tenantId, roles: user.roles, customerId: user.customerId, workerId: user.workerId },
      this.jwtSecret,
    );
    await this.prisma.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
    return ok({ accessToken: token, expiresAt, user });
  }
}
