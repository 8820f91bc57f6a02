import { describe, expect, it, onTestFinished } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/load.ts';
import { exited, spawnCli, watchOutput } from '../helpers/cli.ts';
import { pipelineConfigObject, writePipelineConfig } from '../helpers/pipeline.ts';

/**
 * One shop, one store (issue 34, item 3): two stores of one shop would each pull every order and
 * submit it under its own safeId. The config file refuses a second store of a shop, naming the key
 * and the store that has it; the worker does not start.
 */
const sims = { url: 'http://127.0.0.1:9' };
const twoOfOneShop = () => {
  const raw = pipelineConfigObject(sims, sims) as any;
  raw.stores.push({ ...raw.stores[0], id: 'same-shop-again', merchantId: 'another-merchant' });
  return raw;
};

describe('one shop, one store: the config file', () => {
  it('refuses a second store of a shop, naming its key and the store that has the shop', () => {
    let err: unknown;
    try {
      parseConfig(twoOfOneShop());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).key).toBe('stores[1].shopDomain');
    expect((err as ConfigError).message).toContain("is already store sim-shop's");
  });

  it('`start` stops before opening anything, naming the key', async () => {
    // A database nobody listens on: were the config accepted, start would wait there (it is stopped after the test).
    const child = spawnCli(['start', '--config', writePipelineConfig(twoOfOneShop())], { PORT: '0', DATABASE_URL: 'postgres://postgres@127.0.0.1:9/none' });
    onTestFinished(() => void (child.exitCode === null && child.kill('SIGKILL')));
    const { out } = watchOutput(child);
    expect(await exited(child), out.stderr).toBe(2);
    expect(out.stderr).toContain('stores[1].shopDomain');
    expect(out.stderr).toContain("is already store sim-shop's");
  });
});
