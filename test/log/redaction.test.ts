import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseConfig, resolveSecrets } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { log: createLogger({ level: 'trace', destination }), text: () => lines.join('') };
}

describe('log redaction', () => {
  it('never writes a secret read from the environment, wherever it appears', () => {
    const token = 'shpat_9f8e7d6c5b4a39281706';
    const cfg = parseConfig({
      ordermesh: { baseUrl: 'http://127.0.0.1:4010', clientId: 'c', clientSecret: { env: 'OM' } },
      stores: [{ id: 's', shopDomain: 's.myshopify.com', auth: { type: 'accessToken', accessToken: { env: 'TOK' } }, merchantId: 'm' }],
    });
    resolveSecrets(cfg, { OM: 'om-client-secret-123456', TOK: token });
    const { log, text } = capture();

    log.info({ shop: 's' }, `calling shop with ${token}`);
    log.warn({ url: `https://s.myshopify.com/admin?access=${token}` }, 'request');
    log.error({ err: new Error(`401 for token ${token}`) }, 'failed');
    log.info({ nested: { deeper: [{ note: `x ${token} y` }] } }, 'nested');
    log.info({ payload: 'om-client-secret-123456' }, 'secret value under an innocent key');

    const out = text();
    expect(out).not.toContain(token);
    expect(out).not.toContain('om-client-secret-123456');
    expect(out).toContain('[REDACTED]');
    expect(out).toContain('calling shop with');
  });

  it('masks values under secret-like keys and Authorization headers', () => {
    const { log, text } = capture();
    log.info(
      {
        headers: { Authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.payload.sig', 'X-Shopify-Access-Token': 'unknown-token-value' },
        config: { clientSecret: 'cs-value-1', password: 'pw-value-1', apiKey: 'ak-value-1', accessToken: 'at-value-1' },
        order: { id: 'gid://shopify/Order/1', email: 'a@b.c' },
      },
      'outgoing',
    );
    const out = text();
    for (const v of ['eyJhbGciOiJSUzI1NiJ9', 'unknown-token-value', 'cs-value-1', 'pw-value-1', 'ak-value-1', 'at-value-1']) {
      expect(out).not.toContain(v);
    }
    expect(out).toContain('gid://shopify/Order/1');
  });

  it('masks a bearer token inside a free-text message', () => {
    const { log, text } = capture();
    log.info('sent Authorization: Bearer abcdefghijklmnop.qrstuv');
    expect(text()).not.toContain('abcdefghijklmnop');
  });

  it('logs an error with its type, message, code, stack and cause, secrets masked in each', () => {
    const token = 'shpat_err0r_in_a_message_77';
    resolveSecrets(
      parseConfig({
        ordermesh: { baseUrl: 'http://127.0.0.1:4010', clientId: 'c', clientSecret: { env: 'OM2' } },
        stores: [{ id: 's', shopDomain: 's.myshopify.com', auth: { type: 'accessToken', accessToken: { env: 'TOK2' } }, merchantId: 'm' }],
      }),
      { OM2: 'om-client-secret-654321', TOK2: token },
    );
    const { log, text } = capture();
    const root = new Error(`socket hang up while sending ${token}`);
    log.error({ err: Object.assign(new TypeError('submit failed', { cause: root }), { code: 'SUBMIT_FAILED' }) }, 'job failed');
    const line = JSON.parse(text()) as { err: { type: string; message: string; code: string; stack: string } };
    expect(line.err.type).toBe('TypeError');
    expect(line.err.code).toBe('SUBMIT_FAILED');
    expect(line.err.message).toContain('submit failed');
    expect(line.err.message).toContain('socket hang up');
    expect(line.err.stack).toMatch(/TypeError: submit failed\n\s+at /);
    expect(text()).not.toContain(token);
  });
});

describe('short secrets', () => {
  it('are masked too, wherever they stand alone, without masking the words they hide in', () => {
    const cfg = parseConfig({
      ordermesh: { baseUrl: 'http://127.0.0.1:4010', clientId: 'c', clientSecret: { env: 'OM_SHORT' } },
      stores: [{ id: 's', shopDomain: 's.myshopify.com', auth: { type: 'accessToken', accessToken: { env: 'TOK_SHORT' } }, merchantId: 'm' }],
    });
    resolveSecrets(cfg, { OM_SHORT: 'q7', TOK_SHORT: 'a+b.c' });
    const { log, text } = capture();
    log.info({ url: 'https://x/?secret=q7&n=1' }, 'with q7 in it');
    log.info({ payload: 'q7' }, 'under an innocent key, then a+b.c in a message');
    log.info('q7q7 and aq7 and a+b.cd stay as they are');
    const out = text();
    expect(out.match(/q7/g)?.length).toBe(3); // q7q7 (2) and aq7: inside longer words only
    expect(out).not.toMatch(/[^A-Za-z0-9]q7[^A-Za-z0-9]/);
    expect(out).toContain('secret=[REDACTED]&n=1');
    expect(out).toContain('then [REDACTED] in a message');
    expect(out).toContain('a+b.cd');
  });
});

describe('dates', () => {
  it('are logged as ISO timestamps, not as {}', () => {
    const { log, text } = capture();
    log.info({ since: new Date('2026-11-20T10:00:00Z'), range: { until: new Date('2026-11-21T00:00:00Z') } }, 'range');
    const line = JSON.parse(text());
    expect([line.since, line.range.until]).toEqual(['2026-11-20T10:00:00.000Z', '2026-11-21T00:00:00.000Z']);
  });
});
