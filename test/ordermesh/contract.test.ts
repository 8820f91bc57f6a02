import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPERATION_IDS, buildPath, operations, pathParams } from '../../src/connectors/ordermesh/contract.ts';
import { clientFor, ordermeshSim } from '../helpers/ordermesh.ts';

const sim = await ordermeshSim();

describe('the OrderMesh contract', () => {
  it('is served by the simulator, operation by operation (no route the contract names is missing)', async () => {
    for (const id of OPERATION_IDS) {
      const spec = operations[id];
      const params = Object.fromEntries(pathParams(spec.path).map((p) => [p, 'x']));
      const res = await fetch(`${sim.url}${buildPath(spec.path, params)}`, {
        method: spec.method,
        headers: { 'content-type': 'application/json' },
        ...(spec.method === 'GET' ? {} : { body: '{}' }),
      });
      const body = (await res.json()) as { message?: string };
      expect(body.message ?? '', `${id} ${spec.method} ${spec.path}`).not.toMatch(/^no route/);
    }
  });

  it('drives the client: a path override in config is the path the client calls', async () => {
    const getOrderCalls = async () => ((await (await fetch(`${sim.url}/_sim/state`)).json()) as any).counts.requests.getOrder ?? 0;
    const before = await getOrderCalls();
    const client = clientFor(sim, { paths: { getOrder: '/elsewhere/{orderId}' } });
    await expect(client.getOrder('abc')).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
    expect(await getOrderCalls()).toBe(before);
    await expect(clientFor(sim).getOrder('abc')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await getOrderCalls()).toBe(before + 1);
  });

  it('has every assumed operation listed in the README', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const id of OPERATION_IDS) {
      const spec = operations[id];
      if (spec.assumed) expect(readme, `README must list ${id}`).toContain(`${spec.method} ${spec.path}`);
    }
  });
});
