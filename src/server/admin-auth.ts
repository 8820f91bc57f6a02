import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * viewer: reads the sync's state, orders without the customers' personal data; support: reads like a
 * viewer, with personal data (who answers customers looks them up by e-mail); operator: reads it all
 * and acts. One source for the README's roles table.
 */
export type AdminRole = 'viewer' | 'support' | 'operator';
export interface AdminToken {
  name: string;
  token: string;
  role: AdminRole;
}
export interface Caller {
  name: string;
  role: AdminRole;
  /** Whether answers may show names, addresses, e-mail and phone (a privacy export is an operator's anyway). */
  personalData: boolean;
}

const SEES_PERSONAL_DATA: Record<AdminRole, boolean> = { viewer: false, support: true, operator: true };

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Bearer tokens from `server.admin.tokens`, compared in constant time: every configured token is
 * compared (digests of equal length), so neither the length nor the position of a match shows in the
 * time an answer takes.
 */
export function tokenChecker(tokens: AdminToken[]) {
  const known = tokens.map((t) => ({ ...t, digest: digest(t.token) }));
  return (header: string | undefined): Caller | undefined => {
    const m = /^Bearer (\S+)$/.exec(header ?? '');
    const given = digest(m?.[1] ?? '');
    let found: Caller | undefined;
    for (const t of known) if (timingSafeEqual(t.digest, given) && m) found = { name: t.name, role: t.role, personalData: SEES_PERSONAL_DATA[t.role] };
    return found;
  };
}

/** fastify preHandler: 401 without a valid token, 403 when a token that only reads asks to act. */
export function requireRole(check: ReturnType<typeof tokenChecker>, role: 'viewer' | 'operator') {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const caller = check(req.headers.authorization);
    if (!caller) return reply.code(401).header('www-authenticate', 'Bearer').send({ message: 'a valid admin token is required (Authorization: Bearer …)' });
    if (role === 'operator' && caller.role !== 'operator') return reply.code(403).send({ message: `token "${caller.name}" is a ${caller.role}: it may look, not act` });
    (req as FastifyRequest & { caller: Caller }).caller = caller;
  };
}

export const callerOf = (req: FastifyRequest): Caller => (req as FastifyRequest & { caller: Caller }).caller;
