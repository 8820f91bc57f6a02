import { redactPayload, scrubText, scrubValue } from './personal-data.ts';

/**
 * What a reader who may not see customers' personal data (an admin token of the viewer role) gets of
 * an order: the same two steps as a redaction (personal-data.ts), applied to the answer instead of the
 * ledger, so nothing is changed and the next reader with the right sees it all.
 */

/** The personal values an order's payloads hold (found by key): what is cut out of every text about it. */
export function personalValuesOf(...payloads: unknown[]): Set<string> {
  const values = new Set<string>();
  for (const p of payloads) for (const v of redactPayload(p).found) values.add(v);
  return values;
}

/** An error message or hold reason with the order's personal values cut out (OrderMesh's refusals may echo an address). */
export function hideInText(text: string | null, values: Set<string>): string | null {
  return text === null ? null : scrubText(text, values);
}

interface StoryLike {
  payloads: { store: unknown; sent: unknown };
  timeline: Array<{ data: unknown }>;
}

/**
 * An order's story (and whatever was read beside it: OrderMesh's notes, refund reasons) without personal
 * data: the payloads and the events' data lose their personal fields, then every string of the answer
 * loses the values those held (an event or a note may name the customer in free text).
 */
export function storyWithoutPersonalData<T extends StoryLike>(answer: T): T {
  const store = redactPayload(answer.payloads.store);
  const sent = redactPayload(answer.payloads.sent);
  const values = new Set([...store.found, ...sent.found]);
  // An event may carry an older copy of an address (the one an update replaced): by key too.
  const timeline = answer.timeline.map((e) => {
    const d = redactPayload(e.data);
    for (const v of d.found) values.add(v);
    return { ...e, data: d.redacted };
  });
  return scrubValue({ ...answer, payloads: { store: store.redacted, sent: sent.redacted }, timeline }, values) as T;
}
