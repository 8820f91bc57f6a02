import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { requireRole } from './admin-auth.ts';

/** What the admin API's parts share: the two guards (read, act) and how a bad request is answered. */
export type Guards = { view: { preHandler: ReturnType<typeof requireRole> }; act: { preHandler: ReturnType<typeof requireRole> } };

/** Each zod issue as `path: message`, joined: a 400's short message naming what was wrong. */
export const problems = (e: z.ZodError) => e.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
export const bad = (reply: FastifyReply, message: string) => reply.code(400).send({ message });

/** The largest ledger order id (the column is a PostgreSQL bigint): a longer one is refused here, not by the database. */
const MAX_ORDER_ID = 9223372036854775807n;
export const isOrderId = (v: string) => /^\d{1,19}$/.test(v) && BigInt(v) <= MAX_ORDER_ID;
export const NOT_AN_ORDER_ID = 'not an order id (the ledger id: digits, at most 9223372036854775807)';
