import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { payloadsByName, payloadsOf } from '../db/order-story.ts';
import type { StatusReport } from '../db/status.ts';
import { hideInText, personalValuesOf } from '../privacy/hide-personal.ts';

/**
 * The admin API's answers for a token that may not see customers' personal data (the viewer role):
 * where an answer quotes an order's free text (its error, a hold's reason), that order's personal
 * values are cut out of it. The order's story is hidePersonal's storyWithoutPersonalData.
 */

/** Only a token that sees personal data may search by e-mail: the answer would say whether that person ordered. */
export const EMAIL_SEARCH_REFUSED = (name: string, role: string) => `token "${name}" (${role}) does not see personal data, so it may not search by e-mail`;

/** A page of the order list, each order's message without its personal values. */
export async function listWithoutPersonalData<T extends { id: string; message: string | null }>(db: Kysely<Database>, items: T[]): Promise<T[]> {
  const payloads = await payloadsOf(db, items.filter((i) => i.message !== null).map((i) => i.id));
  return items.map((i) => (i.message === null ? i : { ...i, message: hideInText(i.message, personalValuesOf(...(payloads.get(i.id) ?? []))) }));
}

/** The status report, each example's message without its order's personal values. */
export async function statusWithoutPersonalData<T extends Pick<StatusReport, 'stores'>>(db: Kysely<Database>, report: T): Promise<T> {
  const groups = (s: StatusReport['stores'][number]) => [s.failures, s.writeBackFailures, s.warnings, s.holds];
  const named = report.stores.flatMap((s) => groups(s).flatMap((gs) => gs.flatMap((g) => g.examples.filter((e) => e.message !== null).map((e) => ({ store: s.store, name: e.order })))));
  const payloads = await payloadsByName(db, named);
  const hide = (store: string, gs: StatusReport['stores'][number]['failures']) =>
    gs.map((g) => ({ ...g, examples: g.examples.map((e) => ({ ...e, message: hideInText(e.message, personalValuesOf(...(payloads.get(`${store} ${e.order}`) ?? []))) })) }));
  return {
    ...report,
    stores: report.stores.map((s) => ({ ...s, failures: hide(s.store, s.failures), writeBackFailures: hide(s.store, s.writeBackFailures), warnings: hide(s.store, s.warnings), holds: hide(s.store, s.holds) })),
  };
}
