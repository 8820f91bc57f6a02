import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json = ColumnType<unknown, string, string>;

/** The states and their sets live with the glossary in order-states.ts. */
export { ORDER_STATES, type OrderState } from './order-states.ts';
import type { OrderState } from './order-states.ts';

export interface StoresTable {
  id: string;
  platform: string;
  shop_domain: string;
  merchant_id: string;
  mapping_module: string;
  enabled: boolean;
  credentials_ref: string;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
  source: ColumnType<'config' | 'ledger', 'config' | 'ledger' | undefined, 'config' | 'ledger'>;
  /** A ledger store's settings (the config file's shape, without secrets). */
  settings: Json | null;
  /** A ledger store's secrets, each sealed (src/util/secret-box.ts): {shopifyToken?, shopifyClientSecret?, webhookSecret?}. */
  secrets_sealed: Json | null;
  paused_reason: string | null;
}

export interface SyncCursorsTable {
  store_id: string;
  stream: string;
  watermark: Timestamp | null;
  overlap_seconds: ColumnType<number, number | undefined, number>;
  bulk_operation_id: string | null;
  state: ColumnType<unknown, string | undefined, string>;
  last_success_at: Timestamp | null;
  /** When the store sweep last scheduled this stream's pull to run (its slot): what the next is due from. */
  scheduled_at: Timestamp | null;
  updated_at: DefaultedTimestamp;
}

export interface OrdersTable {
  id: Generated<string>;
  store_id: string;
  store_order_id: string;
  store_order_name: string | null;
  safe_id: string;
  state: ColumnType<OrderState, OrderState | undefined, OrderState>;
  store_updated_at: Timestamp | null;
  store_payload: Json | null;
  payload_hash: string | null;
  mapped_payload: Json | null;
  ordermesh_order_id: string | null;
  attempts: ColumnType<number, number | undefined, number>;
  /** Submissions refused for access (401/403) in a row: their backoff, apart from `attempts`. */
  access_retries: ColumnType<number, number | undefined, number>;
  last_error_code: string | null;
  last_error_message: string | null;
  hold_until: Timestamp | null;
  next_attempt_at: Timestamp | null;
  state_changed_at: DefaultedTimestamp;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
  mapped_hash: string | null;
  submitted_at: Timestamp | null;
  next_poll_at: Timestamp | null;
  last_polled_at: Timestamp | null;
  /** Fulfilment-service mode: where the request this order came from stands in Shopify (null: not a request). */
  request_state: RequestState | null;
  request_answered_at: Timestamp | null;
  /** Fulfilment-service mode: the Shopify order the request (store_order_id, a fulfilment order) belongs to. */
  shopify_order_id: string | null;
  /** on_hold: who holds it, so who releases it (a Shopify fulfilment hold, or OrderMesh's Customer Care Hold). */
  hold_source: HoldSource | null;
  hold_reason: string | null;
  /** When its personal data was removed (retention, or a redaction request); kept when the store sends a new copy (redacted on arrival), cleared by a reprocess. */
  redacted_at: Timestamp | null;
  /** Sent through a Transformation (submit.mode inbound), awaiting the OrderCreation webhook; null otherwise. */
  inbound_sent_at: Timestamp | null;
  /** The OrderMesh note carrying the store order's note, and a hash of the text it was last given. */
  note_id: string | null;
  note_hash: string | null;
  /** What note_hash is compared with: the fingerprint of the payload's note and attributes, kept by PostgreSQL (a generated column). */
  note_input_hash: ColumnType<string, never, never>;
  /** submitting: until when the submission that claimed it holds it (renewed while its batch is in flight). */
  claimed_until: Timestamp | null;
  /** Its create may have reached OrderMesh and no read by safeId has settled it: its next submission reads before creating. */
  create_unconfirmed: ColumnType<boolean, boolean | undefined, boolean>;
}

export type OrderMeshRequestKind = 'refund' | 'reprint';
export type OrderMeshRequestState = 'requested' | 'sent' | 'failed';

export interface OrderMeshRequestsTable {
  id: Generated<string>;
  order_id: string;
  store_id: string;
  kind: OrderMeshRequestKind;
  external_id: string;
  items: Json | null;
  reason: string;
  state: ColumnType<OrderMeshRequestState, OrderMeshRequestState | undefined, OrderMeshRequestState>;
  ordermesh_ref: string | null;
  ordermesh_status: string | null;
  error: string | null;
  actor: string;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

/**
 * What OrderMesh answered in a shape its documentation does not show, read tolerantly (reader.ts), per
 * operation and kind, as every process saw it: the latest example's path, expected and seen.
 */
export interface OrderMeshDriftTable {
  operation: string;
  kind: string;
  path: string;
  expected: string;
  seen: string;
  count: ColumnType<string, number, number>;
  first_seen: DefaultedTimestamp;
  last_seen: DefaultedTimestamp;
}

/** A ShipmentUpdate webhook's per-item quantities of one OrderMesh package. */
export interface OrderMeshPackageHintsTable {
  package_id: string;
  order_id: string;
  items: Json;
  received_at: DefaultedTimestamp;
}

export type HoldSource = 'store' | 'ordermesh';

export const REQUEST_STATES = ['requested', 'accepted', 'rejected', 'cancellation_requested', 'cancellation_accepted', 'cancellation_rejected', 'withdrawn'] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

export const PRIVACY_TOPICS = ['customers/data_request', 'customers/redact', 'shop/redact'] as const;
export type PrivacyTopic = (typeof PRIVACY_TOPICS)[number];

export interface PrivacyRequestsTable {
  id: Generated<string>;
  store_id: string;
  topic: PrivacyTopic;
  shopify_request_id: string | null;
  status: ColumnType<'received' | 'done', 'received' | 'done' | undefined, 'received' | 'done'>;
  order_ids: ColumnType<string[], string[] | undefined, string[]>;
  /** The customer's e-mail and phone, while the job needs them (cleared once done). */
  subject: Json | null;
  result: Json | null;
  received_at: DefaultedTimestamp;
  done_at: Timestamp | null;
  fetched_at: Timestamp | null;
  /** When retention dropped the export nobody fetched (privacy.exportDays). */
  export_expired_at: Timestamp | null;
}

export interface FulfillmentServicesTable {
  store_id: string;
  service_id: string;
  location_id: string;
  name: string;
  callback_url: string | null;
  registered_at: DefaultedTimestamp;
}

export interface ShipmentsTable {
  id: string;
  order_id: string;
  status: string;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface PackagesTable {
  id: string;
  shipment_id: string;
  order_id: string;
  carrier: string | null;
  carrier_method: string | null;
  tracking_number: string | null;
  tracking_url: string | null;
  items: Json;
  shipped_at: Timestamp | null;
  store_fulfillment_id: string | null;
  written_tracking_number: string | null;
  written_back_at: Timestamp | null;
  write_back_error_code: string | null;
  write_back_error_message: string | null;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface EventsTable {
  id: Generated<string>;
  at: DefaultedTimestamp;
  store_id: string | null;
  order_id: string | null;
  kind: string;
  from_state: string | null;
  to_state: string | null;
  reason_code: string | null;
  message: string | null;
  actor: string;
  data: Json | null;
}

export interface WebhookReceiptsTable {
  source: string;
  delivery_id: string;
  topic: string;
  received_at: DefaultedTimestamp;
}

export interface WorkersTable {
  actor: string;
  host: string;
  pid: number;
  config_hash: string;
  started_at: DefaultedTimestamp;
  seen_at: DefaultedTimestamp;
}

export interface SkuMapsTable {
  store_id: string;
  store_sku: string;
  ordermesh_sku: string;
  updated_by: string;
  updated_at: DefaultedTimestamp;
}

export interface Database {
  stores: StoresTable;
  sync_cursors: SyncCursorsTable;
  orders: OrdersTable;
  shipments: ShipmentsTable;
  packages: PackagesTable;
  events: EventsTable;
  webhook_receipts: WebhookReceiptsTable;
  workers: WorkersTable;
  sku_maps: SkuMapsTable;
  fulfillment_services: FulfillmentServicesTable;
  privacy_requests: PrivacyRequestsTable;
  ordermesh_requests: OrderMeshRequestsTable;
  ordermesh_drift: OrderMeshDriftTable;
  ordermesh_package_hints: OrderMeshPackageHintsTable;
}

export type OrderRow = Selectable<OrdersTable>;
export type NewOrder = Insertable<OrdersTable>;
export type OrderUpdate = Updateable<OrdersTable>;
