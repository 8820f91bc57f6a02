import { readFileSync } from 'node:fs';
import { afterAll } from 'vitest';
import { OrderMeshClient, type OrderMeshClientOptions } from '../../src/connectors/ordermesh/client.ts';
import type { CreateOrderInput } from '../../src/connectors/ordermesh/contract.ts';
import { SIM_DEFAULTS, startOrderMeshSim, type OrderMeshSimOptions } from '../../src/sim/ordermesh/server.ts';

export const DOCS_EXAMPLE: CreateOrderInput = JSON.parse(
  readFileSync(new URL('../fixtures/ordermesh/create-order-example.json', import.meta.url), 'utf8'),
);

/** An OrderMesh simulator on a free port, closed after the file. */
export async function ordermeshSim(opts: OrderMeshSimOptions = {}) {
  const sim = await startOrderMeshSim({ port: 0, ...opts });
  afterAll(() => sim.close());
  return sim;
}

export function clientFor(sim: { url: string }, opts: Partial<OrderMeshClientOptions> = {}): OrderMeshClient {
  return new OrderMeshClient({
    baseUrl: sim.url,
    clientId: SIM_DEFAULTS.clientId,
    clientSecret: SIM_DEFAULTS.clientSecret,
    timeoutMs: 5_000,
    retry: { baseDelayMs: 20, maxDelayMs: 5_000 },
    ...opts,
  });
}

export async function simState(sim: { url: string }): Promise<any> {
  return (await fetch(`${sim.url}/_sim/state`)).json();
}

export async function setFaults(sim: { url: string }, faults: Record<string, Record<string, number>>): Promise<void> {
  const res = await fetch(`${sim.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
  if (!res.ok) throw new Error(`faults refused: ${await res.text()}`);
}

let n = 0;
/** A minimal valid order, unique per call. */
export function validOrder(overrides: Partial<CreateOrderInput> = {}): CreateOrderInput {
  n++;
  const tag = `${process.pid}-${Date.now().toString(36)}-${n}`;
  return {
    safeId: `t-${tag}`,
    merchantId: 'merchant-1',
    externalId: `#${tag}`,
    currencyCode: 'USD',
    shippingAddress: { firstName: 'Ada', lastName: 'Lovelace', line1: '1 Main St', city: 'Springfield', state: 'IL', zip: '62701', countryCode: 'US' },
    items: [{ sku: 'Accent_Mug-11oz-Blue', quantity: 1, externalId: `li-${tag}`, images: [{ url: 'https://example.com/a.png', area: 'Default' }] }],
    ...overrides,
  };
}
