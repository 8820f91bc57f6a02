import { describe, expect, it } from 'vitest';
import { money, shippingLine } from '../mapping/cases.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { pipelineConfigObject, writePipelineConfig } from '../helpers/pipeline.ts';
import { explicitOrder, seedOrders, shopifySim } from '../helpers/shopify.ts';

/**
 * An order's last error says each problem once: the same refusal at many places (a three-decimal
 * price on each line item) is one message with the places listed, not the message once per place.
 */
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const file = writePipelineConfig(pipelineConfigObject(om, shop));

const LINES = 16;
const kwd = (a: string) => money(a, a, 'KWD');

describe("a failed mapping's last error", () => {
  it('says a problem repeated on every line item once, with every path', async () => {
    // 4.505 KWD is not a whole number of hundredths: OrderMesh cannot hold it (CURRENCY_PRECISION).
    const order = explicitOrder(
      {
        currencyCode: 'KWD',
        presentmentCurrencyCode: 'KWD',
        currentTotalPriceSet: kwd((LINES * 4.505 + 1.25).toFixed(3)),
        shippingLines: [shippingLine({ originalPriceSet: kwd('1.250'), currentDiscountedPriceSet: kwd('1.250') })],
      },
      Array.from({ length: LINES }, () => ({ originalUnitPriceSet: kwd('4.505') })),
    );
    const [id] = await seedOrders(shop, { orders: [order] });
    const run = await runCli(['run', '--once', '--config', file], { DATABASE_URL: dbUrl });
    expect(run.code, run.stderr).toBe(0);

    const row = await db.selectFrom('orders').select(['id', 'state', 'last_error_code', 'last_error_message']).where('store_order_id', '=', id!).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ state: 'failed_mapping', last_error_code: 'CURRENCY_PRECISION' });
    const refusal = 'KWD: OrderMesh money takes at most 2 decimals';
    expect(row.last_error_message!.split(refusal)).toHaveLength(2);
    const paths = Array.from({ length: LINES }, (_, i) => `lineItems[${i}].originalUnitPriceSet`);
    // Said once, then its places, each with its amount.
    expect(row.last_error_message!.startsWith(refusal)).toBe(true);
    expect(row.last_error_message!.endsWith(`, at ${LINES} places: ${paths.map((p) => `${p} "4.505"`).join(', ')}`)).toBe(true);
    // The timeline's event says it the same way, and keeps every error, one per place, in its data.
    const event = await db.selectFrom('events').select(['message', 'data']).where('order_id', '=', row.id).where('to_state', '=', 'failed_mapping').executeTakeFirstOrThrow();
    expect(event.message).toBe(row.last_error_message);
    const errors = (event.data as { errors: Array<{ code: string; path: string }> }).errors.filter((e) => e.code === 'CURRENCY_PRECISION');
    expect(errors.map((e) => e.path)).toEqual(expect.arrayContaining(paths));
    expect((await simState(om)).orders).toEqual([]);
  }, 120_000);
});
