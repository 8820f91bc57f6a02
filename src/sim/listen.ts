import type { FastifyInstance } from 'fastify';
import type { WebhookSender } from './webhook-sender.ts';

/** Starts a simulator's server on 127.0.0.1 (port 0: any free one); close() first delivers pending webhooks. */
export async function listenSim(app: FastifyInstance<any, any, any, any>, port: number, host: string, webhooks: WebhookSender) {
  await app.listen({ port, host });
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    async close() {
      await webhooks.drain();
      await app.close();
    },
  };
}
