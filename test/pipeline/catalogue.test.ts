import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { closestSkus } from '../../src/connectors/ordermesh/catalogue.ts';
import { Q } from '../../src/jobs/queues.ts';
import { createLogger } from '../../src/log.ts';
import { warnUnknownSkus } from '../../src/ops/sku-check.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, setFaults, simState } from '../helpers/ordermesh.ts';
import { config, eventually, pipelineConfigObject, SIM_MAPPING, startPipeline, STORE_ID, writePipelineConfig } from '../helpers/pipeline.ts';
import { explicitOrder, post, shopifySim } from '../helpers/shopify.ts';

/**
 * The merchant's enabled OrderMesh catalogue: `sku check`, `sku set` warning or refusing, a SKU failure
 * naming the closest catalogue SKUs, and a catalogue that cannot be read never holding up submission.
 * The catalogue is the OrderMesh simulator's (set below); it refuses creates whose SKUs it lacks.
 */
const MERCHANT = 'merchant-e2e';
// Everything the store maps, but POSTER-18X24-MATTE (the catalogue has the gloss one), plus neighbours to be confused with.
const CATALOGUE = [...Object.values(SIM_MAPPING.skuMap).filter((s) => s !== 'POSTER-18X24-MATTE'), 'POSTER-18X24-GLOSS', 'MUG-15OZ-WHITE', 'TEE-BELLA3001-BLK-L'];

const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
await post(`${om.url}/_sim/catalog`, { merchantId: MERCHANT, variants: CATALOGUE.map((sku) => ({ sku, name: sku.toLowerCase() })) });
// Down from the start: the service's first reads of it fail.
await setFaults(om, { merchantCatalogVariants: { status503: 1 } });
const cfgObject = pipelineConfigObject(om, shop);
const service = await startPipeline(config(cfgObject), dbUrl);
const cfgFile = writePipelineConfig(cfgObject);
const cli = (args: string[]) => runCli([...args, '--config', cfgFile], { DATABASE_URL: dbUrl });

const pull = () => service.boss.send(Q.pullOrders, { storeId: STORE_ID }, { singletonKey: STORE_ID });
const row = (id: string) => db.selectFrom('orders').select(['state', 'last_error_code', 'last_error_message', 'ordermesh_order_id']).where('store_order_id', '=', id).executeTakeFirst();
const settled = (id: string) => eventually(async () => {
  const r = await row(id);
  if (r && ['submitted', 'failed_mapping', 'rejected'].includes(r.state)) return r;
  await pull();
  return false;
}, async () => JSON.stringify(await row(id)), 30_000);
const mug = (sku: string) => ({ sku, variant: { id: `gid://shopify/ProductVariant/${sku.length}`, sku } as never, quantity: 1, currentQuantity: 1, unfulfilledQuantity: 1 });
async function place(sku: string) {
  const o = explicitOrder({}, [mug(sku)]);
  await post(`${shop.url}/_sim/orders`, { orders: [o] });
  return o;
}

describe('closest catalogue SKUs', () => {
  it('ranks by edit distance with case and punctuation set aside, and leaves out the unrelated', () => {
    const variants = ['bella_3001_red', 'bella_3001_blue', 'MUG-11OZ-WHITE', 'POSTER-18X24-GLOSS'].map((sku) => ({ sku }));
    expect(closestSkus('BELLA-3001-RED', variants)).toEqual(['bella_3001_red', 'bella_3001_blue']);
    expect(closestSkus('MUG-11OZ-WHTE', variants)).toEqual(['MUG-11OZ-WHITE']);
    expect(closestSkus('GIFT-CARD', variants)).toEqual([]);
  });
});

describe("the merchant's OrderMesh catalogue, both simulators and a real Postgres", () => {
  it('an unreadable catalogue holds up nothing: a good order is submitted, a MISSING_SKU failure keeps its plain reason', async () => {
    const good = await place('MUG-11OZ-WHITE');
    const unmapped = await place('MUG-11OZ-WHITE-X');
    expect(await settled(good.id)).toMatchObject({ state: 'submitted' });
    const failed = await settled(unmapped.id);
    expect(failed).toMatchObject({ state: 'failed_mapping', last_error_code: 'MISSING_SKU' });
    expect(failed.last_error_message).not.toContain('catalogue');
    expect((await simState(om)).counts.faultsInjected.merchantCatalogVariants?.status503).toBeGreaterThan(0);
    await fetch(`${om.url}/_sim/faults`, { method: 'DELETE' });
  });

  it('a MISSING_SKU failure names the closest catalogue SKUs and the command that maps one', async () => {
    const o = await place('MUG-11OZ-WHTE');
    const r = await settled(o.id);
    expect(r).toMatchObject({ state: 'failed_mapping', last_error_code: 'MISSING_SKU' });
    expect(r.last_error_message).toContain(`closest in OrderMesh's catalogue: MUG-11OZ-WHITE`);
    expect(r.last_error_message).toContain(`ordersync sku set --store ${STORE_ID} MUG-11OZ-WHTE MUG-11OZ-WHITE`);
  });

  it("a mapped SKU OrderMesh's catalogue lacks is rejected by OrderMesh, and the rejection names the catalogue's closest", async () => {
    const o = await place('POSTER-18X24-MATTE');
    const r = await settled(o.id);
    expect(r).toMatchObject({ state: 'rejected', last_error_code: 'ORDERMESH_VALIDATION' });
    expect(r.last_error_message).toContain("POSTER-18X24-MATTE: closest in OrderMesh's catalogue: POSTER-18X24-GLOSS");
    expect((await simState(om)).orders.filter((x: any) => x.meta?.shopifyOrderId === o.id)).toEqual([]);
  });

  it('`sku check` lists every unknown SKU the store would send, mapped or passed through, with the closest; exit 1', async () => {
    const res = await cli(['sku', 'check', '--store', STORE_ID, '--json']);
    expect(res.code, res.stderr).toBe(1);
    const report = JSON.parse(res.stdout);
    expect(report.summary).toMatchObject({ catalogue: 'read', variants: CATALOGUE.length, checked: Object.keys(SIM_MAPPING.skuMap).length });
    // passthroughSku is false here: the store SKUs of its orders are not sent as they are, so only the map counts.
    expect(report.items).toEqual([{ sku: 'POSTER-18X24-MATTE', sources: [{ kind: 'config', storeSku: 'POSTER-18X24-MATTE' }], closest: ['POSTER-18X24-GLOSS'] }]);

    const text = await cli(['sku', 'check', '--store', STORE_ID]);
    expect(text.stdout).toContain(`POSTER-18X24-MATTE  (config map POSTER-18X24-MATTE)  closest: POSTER-18X24-GLOSS; fix: ordersync sku set --store ${STORE_ID} POSTER-18X24-MATTE POSTER-18X24-GLOSS`);

    // A store that passes its SKUs through: the ones its orders carry are checked too.
    const passCfg = writePipelineConfig({ ...cfgObject, stores: [{ ...cfgObject.stores[0], mapping: { module: 'shopify-default', options: { ...SIM_MAPPING, passthroughSku: true } } }] });
    const pass = JSON.parse((await runCli(['sku', 'check', '--store', STORE_ID, '--json', '--config', passCfg], { DATABASE_URL: dbUrl })).stdout);
    expect(pass.items.map((u: any) => u.sku).sort()).toEqual(['MUG-11OZ-WHITE-X', 'MUG-11OZ-WHTE', 'POSTER-18X24-MATTE']);
    expect(pass.items.find((u: any) => u.sku === 'MUG-11OZ-WHTE')).toMatchObject({ sources: [{ kind: 'passthrough', orders: 1 }], closest: ['MUG-11OZ-WHITE', 'MUG-15OZ-WHITE'] });
  });

  it('`sku set` warns of a SKU the catalogue lacks and sets it; with --strict it refuses and sets nothing', async () => {
    const strict = await cli(['sku', 'set', '--store', STORE_ID, 'POSTER-18X24-MATTE', 'POSTER-18X24-MAT', '--strict']);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain('POSTER-18X24-MAT is not in merchant merchant-e2e');
    expect(strict.stderr).toContain('closest: POSTER-18X24-GLOSS');
    expect(await db.selectFrom('sku_maps').selectAll().where('store_sku', '=', 'POSTER-18X24-MATTE').execute()).toEqual([]);

    const warned = await cli(['sku', 'set', '--store', STORE_ID, 'POSTER-18X24-MATTE', 'POSTER-18X24-MAT']);
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stderr).toContain('warning: POSTER-18X24-MAT is not in');
    const known = await cli(['sku', 'set', '--store', STORE_ID, 'POSTER-18X24-MATTE', 'POSTER-18X24-GLOSS', '--strict']);
    expect(known.code, known.stderr).toBe(0);
    expect(known.stderr).not.toContain('warning');
    expect(await db.selectFrom('sku_maps').select('ordermesh_sku').where('store_sku', '=', 'POSTER-18X24-MATTE').executeTakeFirst()).toEqual({ ordermesh_sku: 'POSTER-18X24-GLOSS' });
  });

  it('at start, unknown mapped SKUs are logged once per store', async () => {
    await db.insertInto('sku_maps').values({ store_id: STORE_ID, store_sku: 'HOODIE-G185-NAVY-XL', ordermesh_sku: 'HOODIE-G185-NAVY-XXL', updated_by: 'test' }).execute();
    const lines: any[] = [];
    const log = createLogger({ level: 'warn', destination: new Writable({ write: (c, _e, cb) => (lines.push(...String(c).trim().split('\n').map((l) => JSON.parse(l))), cb()) }) as never });
    await warnUnknownSkus({ ...service.deps, log });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ store: STORE_ID, unknown: [{ sku: 'HOODIE-G185-NAVY-XXL', closest: ['HOODIE-G185-NAVY-XL'] }] });
  });
});
