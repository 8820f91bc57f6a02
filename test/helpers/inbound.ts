import { SIM_DEFAULTS } from '../../src/sim/defaults.ts';
import { Q } from '../../src/jobs/queues.ts';
import { freshDb } from './db.ts';
import { ordermeshSim } from './ordermesh.ts';
import { config, eventually, pipelineConfigObject, startPipeline, STORE_ID, writePipelineConfig } from './pipeline.ts';
import { explicitOrder, post, shopifySim } from './shopify.ts';

/** A pipeline whose one store submits inbound, through a Transformation the OrderMesh simulator knows as `tr-<body>`; OrderMesh's webhooks on. */
export async function inboundStack(body: 'mapped' | 'store') {
  const { url: dbUrl, db } = await freshDb();
  const om = await ordermeshSim();
  const shop = await shopifySim({ restoreRate: 1000 });
  await post(`${om.url}/_sim/transformations`, { id: `tr-${body}`, kind: body });
  const cfgObject = pipelineConfigObject(om, shop, {
    jobs: { submitBatchSize: 50, retryBaseSeconds: 1, stuckSubmittingSeconds: 3, inboundTimeoutSeconds: 4, firstPollDelaySeconds: 0, pollRecentSeconds: 1, pollOldSeconds: 1, shutdownTimeoutSeconds: 5, concurrency: 2 },
  });
  cfgObject.stores[0] = { ...cfgObject.stores[0]!, submit: { mode: 'inbound', transformationId: `tr-${body}`, body } } as never;
  const service = await startPipeline(config(cfgObject), dbUrl);
  const webhookUrl = `http://127.0.0.1:${service.port}/webhooks/ordermesh/${SIM_DEFAULTS.webhookSecret}`;
  await post(`${om.url}/_sim/settings`, { webhookUrl });
  const row = (id: string) => db.selectFrom('orders').select(['state', 'safe_id', 'last_error_code', 'last_error_message', 'ordermesh_order_id', 'inbound_sent_at']).where('store_order_id', '=', id).executeTakeFirst();
  const nudge = async () => {
    await service.boss.send(Q.pullOrders, { storeId: STORE_ID }, { singletonKey: STORE_ID });
    await service.boss.send(Q.reconcileSubmitting, {}, { singletonKey: 'all' });
  };
  const until = (id: string, states: string[]) =>
    eventually(async () => {
      const r = await row(id);
      if (r && states.includes(r.state)) return r;
      await nudge();
      return false;
    }, async () => JSON.stringify(await row(id)), 30_000);
  const place = async (sku = 'MUG-11OZ-WHITE') => {
    const o = explicitOrder({}, [{ sku, variant: { id: 'gid://shopify/ProductVariant/1', sku } as never, quantity: 2, currentQuantity: 2, unfulfilledQuantity: 2 }]);
    await post(`${shop.url}/_sim/orders`, { orders: [o] });
    return o;
  };
  const cfgFile = writePipelineConfig(cfgObject);
  return { db, dbUrl, om, webhookUrl, row, until, place, cfgFile };
}
