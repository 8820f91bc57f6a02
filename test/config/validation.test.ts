import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig, resolveSecrets } from '../../src/config/load.ts';
import { tempDir } from '../helpers/temp.ts';

const minimal = () => ({
  ordermesh: { baseUrl: 'http://127.0.0.1:4010', clientId: 'c', clientSecret: { env: 'OM_SECRET' } },
  stores: [
    {
      id: 'shop-a',
      shopDomain: 'shop-a.myshopify.com',
      auth: { type: 'accessToken', accessToken: { env: 'SHOP_A_TOKEN' } },
      merchantId: 'm-1',
    },
  ],
});

function keyOfError(raw: unknown): string {
  try {
    parseConfig(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).key;
  }
  throw new Error('config was accepted');
}

describe('config validation', () => {
  it('fills defaults for a minimal config', () => {
    const cfg = parseConfig(minimal());
    expect(cfg.server.port).toBe(8080);
    expect(cfg.stores[0]!.apiVersion).toBe('2026-01');
    expect(cfg.stores[0]!.holdMinutes).toBe(10);
    expect(cfg.stores[0]!.mapping.module).toBe('shopify-default');
  });

  it('refuses inbound submission without a Transformation, or for a fulfilment-service store, naming the key', () => {
    const raw = minimal() as any;
    raw.stores[0].submit = { mode: 'inbound' };
    expect(keyOfError(raw)).toBe('stores[0].submit.transformationId');
    raw.stores[0].submit = { mode: 'inbound', transformationId: 'tr-1' };
    expect(parseConfig(raw).stores[0]!.submit).toEqual({ mode: 'inbound', transformationId: 'tr-1', body: 'mapped' });
    raw.stores[0].mode = 'fulfillment-service';
    expect(keyOfError(raw)).toBe('stores[0].submit.mode');
    raw.stores[0].submit = { mode: 'inbound', transformationId: 'tr-1', body: 'raw' };
    expect(keyOfError(raw)).toBe('stores[0].submit.body');
  });

  it('refuses an overlap window under a minute', () => {
    const raw = minimal() as any;
    raw.stores[0].pull = { overlapSeconds: 0 };
    expect(keyOfError(raw)).toBe('stores[0].pull.overlapSeconds');
    raw.stores[0].pull = { overlapSeconds: 60 };
    expect(parseConfig(raw).stores[0]!.pull.overlapSeconds).toBe(60);
  });

  it('names a missing required key', () => {
    const raw = minimal() as any;
    delete raw.ordermesh.baseUrl;
    expect(keyOfError(raw)).toBe('ordermesh.baseUrl');
  });

  it('names a bad value inside a store', () => {
    const raw = minimal() as any;
    raw.stores[0].shopDomain = 'not a domain';
    expect(keyOfError(raw)).toBe('stores[0].shopDomain');
  });

  it('names an unknown (misspelt) key', () => {
    const raw = minimal() as any;
    raw.stores[0].holdMinuts = 5;
    expect(keyOfError(raw)).toBe('stores[0].holdMinuts');
  });

  it('rejects duplicate store ids', () => {
    const raw = minimal() as any;
    raw.stores.push({ ...raw.stores[0] });
    expect(keyOfError(raw)).toBe('stores[1].id');
  });

  it('fails on an unset secret variable, naming the key and the variable', () => {
    const cfg = parseConfig(minimal());
    expect(() => resolveSecrets(cfg, { OM_SECRET: 'om-secret-value' })).toThrowError(
      /stores\[0\]\.auth\.accessToken: environment variable SHOP_A_TOKEN is not set/,
    );
    const secrets = resolveSecrets(cfg, { OM_SECRET: 'om-secret-value', SHOP_A_TOKEN: 'shpat_abcdef' });
    expect(secrets.stores.get('shop-a')!.shopifyToken).toBe('shpat_abcdef');
  });

  it('reports unparsable YAML as a config error', () => {
    const dir = tempDir('cfg-');
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'ordermesh: [unclosed');
    expect(() => loadConfig(file)).toThrowError(ConfigError);
  });

  it.each(['config/sim.yaml', 'config/example.yaml'])('the shipped %s is valid', (file) => {
    const cfg = loadConfig(file);
    expect(cfg.stores.length).toBeGreaterThan(0);
  });
});

describe('every config problem at once', () => {
  it('lists each problem by its key, unknown keys first', () => {
    const raw = minimal() as any;
    raw.ordermesh.baseURL = raw.ordermesh.baseUrl;
    delete raw.ordermesh.baseUrl;
    raw.stores[0].holdMinutes = -1;
    const err = (() => {
      try {
        parseConfig(raw);
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('config was accepted');
    })();
    expect(err.key).toBe('ordermesh.baseURL');
    expect(err.problems.map((p) => p.key)).toEqual(['ordermesh.baseURL', 'ordermesh.baseUrl', 'stores[0].holdMinutes']);
    expect(err.message.split('\n')).toEqual(['config: 3 problems:', '  ordermesh.baseURL: unknown key', expect.stringMatching(/^ {2}ordermesh\.baseUrl: /), expect.stringMatching(/^ {2}stores\[0\]\.holdMinutes: /)]);
  });

  it('names every missing secret variable in one go', () => {
    const cfg = parseConfig(minimal());
    const err = (() => {
      try {
        resolveSecrets(cfg, {});
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('secrets were resolved');
    })();
    expect(err.problems).toEqual([
      { key: 'ordermesh.clientSecret', message: 'environment variable OM_SECRET is not set' },
      { key: 'stores[0].auth.accessToken', message: 'environment variable SHOP_A_TOKEN is not set' },
    ]);
    expect(resolveSecrets(cfg, { OM_SECRET: 'om-secret-x', SHOP_A_TOKEN: 'shpat_token_x' }).stores.get('shop-a')!.shopifyToken).toBe('shpat_token_x');
  });
});
