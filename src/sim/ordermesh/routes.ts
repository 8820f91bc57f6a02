/**
 * The OrderMesh operations the simulator serves, by the ids that fault injection (`/_sim/faults`) and
 * request counts (`/_sim/state` counts.requests) use. Paths are the simulator's own reading of the docs:
 * `documented` where a page shows the full path, else the choice made (public-facts.md "Paths and
 * environments": most full paths are not published). They are also the client's default paths.
 */
export interface SimRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  auth: boolean;
  documented: boolean;
}

export const ROUTES = {
  /** getting-started.txt "Client Credentials". */
  clientToken: { method: 'POST', path: '/user/v1/clients/token', auth: false, documented: true },
  /** user-login.txt. */
  login: { method: 'POST', path: '/user/v1/login', auth: false, documented: true },
  /** getting-started.txt "Handling Token Expiry". */
  refresh: { method: 'POST', path: '/user/v1/refresh', auth: false, documented: true },
  /** orders-create.txt's curl (STG). */
  createOrder: { method: 'POST', path: '/order/v1/orders', auth: true, documented: true },
  createOrdersBulk: { method: 'POST', path: '/order/v1/orders/bulk', auth: true, documented: false },
  listOrders: { method: 'GET', path: '/order/v1/orders', auth: true, documented: false },
  getOrder: { method: 'GET', path: '/order/v1/orders/{orderId}', auth: true, documented: false },
  getOrderBySafeId: { method: 'GET', path: '/order/v1/orders/safe-id/{safeId}', auth: true, documented: false },
  getOrderItem: { method: 'GET', path: '/order/v1/order-items/{orderItemId}', auth: true, documented: false },
  updateOrder: { method: 'PATCH', path: '/order/v1/orders/{orderId}', auth: true, documented: false },
  cancelOrder: { method: 'POST', path: '/order/v1/orders/{orderId}/cancel', auth: true, documented: false },
  customerCareHold: { method: 'POST', path: '/order/v1/orders/{orderId}/customer-care-hold', auth: true, documented: false },
  /** In no portal (public-facts.md #9); kept for the client's release flow. */
  releaseCustomerCareHold: { method: 'POST', path: '/order/v1/orders/{orderId}/customer-care-hold/release', auth: true, documented: false },
  addRefund: { method: 'POST', path: '/order/v1/orders/{orderId}/refunds', auth: true, documented: false },
  getShipmentsForOrder: { method: 'GET', path: '/shipment/v1/shipments/order/{orderId}', auth: true, documented: false },
  getShipment: { method: 'GET', path: '/shipment/v1/shipments/{shipmentId}', auth: true, documented: false },
  /** The older portal's catalogue page (public-facts.md #6). */
  merchantCatalogVariants: { method: 'GET', path: '/catalog/v1/merchantCatalog/effective/variants/list', auth: true, documented: true },
  /** merchant-notifications.txt "Submitting Orders". */
  createInboundOrder: { method: 'POST', path: '/v1/inbound/orders', auth: true, documented: true },
  /** /v1/notes paths: getting-started.txt's menu. */
  createNote: { method: 'POST', path: '/v1/notes', auth: true, documented: true },
  listNotes: { method: 'GET', path: '/v1/notes', auth: true, documented: true },
  updateNote: { method: 'PUT', path: '/v1/notes/{id}', auth: true, documented: true },
  deleteNote: { method: 'DELETE', path: '/v1/notes/{id}', auth: true, documented: true },
} as const satisfies Record<string, SimRoute>;

export type RouteId = keyof typeof ROUTES;
