import type { Config } from '../../config/schema.ts';
import type { Logger } from '../../log.ts';
import { OrderMeshClient, type OrderMeshClientOptions } from './client.ts';

/** The one place an OrderMesh client is made from the configuration (the service's, a command's). */
export function ordermeshClientFor(config: Config, clientSecret: string, opts: { log?: Logger } & Pick<OrderMeshClientOptions, 'onCall' | 'retry' | 'timeoutMs' | 'drift'> = {}): OrderMeshClient {
  return new OrderMeshClient({
    baseUrl: config.ordermesh.baseUrl,
    clientId: config.ordermesh.clientId,
    clientSecret,
    timeoutMs: opts.timeoutMs ?? config.ordermesh.timeoutMs,
    paths: config.ordermesh.paths,
    tokenRequestCasing: config.ordermesh.tokenRequestCasing,
    statusCodes: config.ordermesh.statusCodes,
    ...(opts.drift ? { drift: opts.drift } : {}),
    ...(opts.log ? { log: opts.log } : {}),
    ...(opts.onCall ? { onCall: opts.onCall } : {}),
    ...(opts.retry ? { retry: opts.retry } : {}),
  });
}
