/**
 * The ledger's order states and every set of them the code base acts on, defined here once (issue 35:
 * three modules each said "OrderMesh has it" differently, so holds and reconcile disagreed about the
 * same order). Jobs, ops commands, the console (through /api/v1/order-states) and SQL use these sets;
 * nothing else lists states (scripts/house.ts counts lists of two or more states elsewhere).
 *
 * Glossary (used across the code base):
 * - store order: an order as the storefront (Shopify) has it, identified by (store_id, store_order_id).
 * - safeId: OrderMesh's idempotency key for an order, derived deterministically from the store order,
 *   so resubmitting can never create a second OrderMesh order.
 * - ledger: the tables in src/db/; the single source of what was pulled, mapped, submitted and written back.
 * - watermark: per store and stream, the store `updatedAt` up to which every order is in the ledger.
 * - hold window: how long a new store order waits before submission (edits and cancellations settle).
 * - package: an OrderMesh shipment package with carrier tracking; written back to the store once.
 * - write-back: creating the store fulfilment (with tracking) for a package.
 * - in OrderMesh: OrderMesh accepted the order's create (the ledger holds its `ordermesh_order_id`) and
 *   has not cancelled it: one of IN_ORDERMESH, with the id set.
 * - follows the store: in OrderMesh and not final, so store changes (cancel, address, lines, notes,
 *   holds) are carried over.
 */
import { sql } from 'kysely';

export const ORDER_STATES = [
  'pending',
  'mapped',
  'submitting',
  'submitted',
  'in_production',
  'fulfilled',
  'failed_mapping',
  'rejected',
  'failed',
  'cancelled',
  'on_hold',
  'skipped',
  'needs_attention',
] as const;
export type OrderState = (typeof ORDER_STATES)[number];

type States = readonly OrderState[];

/**
 * A set as SQL literals, for `state in (${statesSql(FAILURES)})`: literals rather than parameters, so
 * the planner matches the partial indexes whose predicates list the same states.
 */
export const statesSql = (states: States) => sql.join(states.map((s) => sql.lit(s)));

/** Before an OrderMesh order exists: a store change simply re-maps them. */
export const PRE_SUBMISSION: States = ['pending', 'mapped', 'failed_mapping', 'rejected', 'skipped', 'failed'];
/** Waiting for the submitter, or being submitted: what a submission run still has to do. */
export const SUBMISSION_QUEUE: States = ['pending', 'submitting'];
/**
 * States an OrderMesh verdict that the order was created (a webhook, a read by safeId) moves to
 * `submitted`: sent, waiting to be sent again, or refused by a create that OrderMesh later says it made.
 */
export const AWAITING_CREATION: States = ['submitting', 'pending', 'rejected', 'failed'];
/**
 * The states in which the ledger says OrderMesh has the order (with `ordermesh_order_id` set):
 * accepted, in production, parked for a person after submission, on Customer Care Hold, or shipped.
 */
export const IN_ORDERMESH: States = ['submitted', 'in_production', 'needs_attention', 'on_hold', 'fulfilled'];
/** Done with: nothing (a dead letter, a late job) moves an order out of these. */
export const FINAL: States = ['fulfilled', 'cancelled', 'skipped'];
/**
 * In OrderMesh and not final: store changes must be carried over (cancel, address, lines, notes),
 * including an order parked for a person after submission and one on hold (OrderMesh takes changes
 * to an order on Customer Care Hold).
 */
export const FOLLOWS_STORE: States = IN_ORDERMESH.filter((s) => !FINAL.includes(s));
/** Orders OrderMesh is to make or ship and is not holding: shipments are polled, a Customer Care Hold is followed from. */
export const AWAITING_SHIPMENT: States = FOLLOWS_STORE.filter((s) => s !== 'on_hold');
/** Accepted by OrderMesh and not held or parked: what a settle counts as submitted. */
export const ACCEPTED: States = IN_ORDERMESH.filter((s) => s !== 'on_hold' && s !== 'needs_attention');
/** Still has work ahead (the orders_in_flight_idx index's states): submission, holds, shipments. */
export const IN_FLIGHT: States = [...SUBMISSION_QUEUE, ...FOLLOWS_STORE];
/** Failures waiting for a fix: what the console's failure view and `status` list. */
export const FAILURES: States = ['failed_mapping', 'rejected', 'failed', 'needs_attention'];
/** What `reprocess` takes by default: every failure, and orders skipped by a rule that may have changed. */
export const REPROCESSABLE: States = [...FAILURES, 'skipped'];
/** What `reprocess` re-maps (and resubmits when still pending): anything before submission, and an order parked for a person. */
export const REMAPPABLE: States = [...PRE_SUBMISSION, 'needs_attention'];
/** A verdict on a Shopify fulfilment request: the order will not be made, so the request is rejected with the reason. */
export const REFUSES_REQUEST: States = ['failed_mapping', 'rejected', 'skipped', 'cancelled'];
/**
 * The states a merchant's Shopify hold is followed from: before submission (kept from OrderMesh), and
 * every state where OrderMesh has the order and is still to make or ship some of it, `in_production`
 * (partly shipped) included. `needs_attention` is left out: the order already asks a person to look
 * (and a HOLD_TOO_LATE order is not parked twice).
 */
export const STORE_HOLDABLE: States = ['pending', ...ACCEPTED.filter((s) => !FINAL.includes(s))];
/** The states a released store hold gives back (after submission), read from the hold's state event. */
export const STORE_HOLD_GIVES_BACK: States = STORE_HOLDABLE.filter((s) => !PRE_SUBMISSION.includes(s));

export const inStates = (states: States, state: string): state is OrderState => (states as readonly string[]).includes(state);
/** An order OrderMesh has, by the ledger. */
export const inOrderMesh = (row: { state: OrderState; ordermesh_order_id: string | null }) => row.ordermesh_order_id !== null && IN_ORDERMESH.includes(row.state);
/** An order OrderMesh has, in a state that still follows the store. */
export const followsStore = (row: { state: OrderState; ordermesh_order_id: string | null }) => row.ordermesh_order_id !== null && FOLLOWS_STORE.includes(row.state);

/**
 * The ledger states that agree with each OrderMesh status (the ledger may lag a poll behind, never
 * lead). A status OrderMesh sent that we do not know agrees with none.
 */
export const AGREES_WITH_ORDERMESH: Readonly<Record<string, States>> = {
  Open: ['submitted', 'needs_attention'],
  ReadyForFulfillment: ['submitted', 'needs_attention'],
  InProduction: ['submitted', 'in_production', 'needs_attention'],
  PartiallyShipped: ['in_production', 'needs_attention'],
  Shipped: ['fulfilled'],
  Cancelled: ['cancelled'],
  CustomerCareHold: ['on_hold'],
};
