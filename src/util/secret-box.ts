import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** Why a secret held in the ledger cannot be sealed or opened: the fix is in the message. */
export class SecretKeyError extends Error {
  readonly code: 'MISSING_KEY' | 'BAD_KEY' | 'UNKNOWN_KEY' | 'TAMPERED';
  constructor(code: SecretKeyError['code'], message: string) {
    super(message);
    this.name = 'SecretKeyError';
    this.code = code;
  }
}

export const SECRET_KEY_ENV = 'ORDERSYNC_SECRET_KEY';
/** Earlier keys, comma-separated: still opened (until `ordersync store rekey` re-seals with the current one). */
export const OLD_SECRET_KEYS_ENV = 'ORDERSYNC_SECRET_KEYS_OLD';

function parseKey(text: string, name: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) throw new SecretKeyError('BAD_KEY', `${name} must be 32 bytes, as 64 hex digits or base64 (\`openssl rand -base64 32\`)`);
  return key;
}

const kidOf = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 8);

/**
 * Secrets at rest (the ledger's store tokens and client secrets): AES-256-GCM, a fresh 96-bit IV each
 * time, the key named by its id in what is sealed, so old keys still open what they sealed while
 * rotation re-seals. Sealed text: `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url). The key comes
 * from the environment only.
 */
export class Keyring {
  readonly #current: { kid: string; key: Buffer } | null;
  readonly #all = new Map<string, Buffer>();

  constructor(current: Buffer | null, old: Buffer[] = []) {
    this.#current = current ? { kid: kidOf(current), key: current } : null;
    for (const k of [...(current ? [current] : []), ...old]) this.#all.set(kidOf(k), k);
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): Keyring {
    const current = env[SECRET_KEY_ENV] ? parseKey(env[SECRET_KEY_ENV]!, SECRET_KEY_ENV) : null;
    const old = (env[OLD_SECRET_KEYS_ENV] ?? '').split(',').filter((s) => s.trim()).map((s) => parseKey(s, OLD_SECRET_KEYS_ENV));
    return new Keyring(current, old);
  }

  get currentKeyId(): string | null {
    return this.#current?.kid ?? null;
  }

  seal(plaintext: string): string {
    if (!this.#current) throw new SecretKeyError('MISSING_KEY', `${SECRET_KEY_ENV} is not set: it encrypts the secrets the ledger holds (\`openssl rand -base64 32\`)`);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#current.key, iv);
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', this.#current.kid, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
  }

  open(sealed: string): string {
    const [v, kid, iv, tag, ct] = sealed.split('.');
    if (v !== 'v1' || !kid || !iv || !tag || ct === undefined) throw new SecretKeyError('TAMPERED', 'not a sealed secret');
    const key = this.#all.get(kid);
    if (!key) throw new SecretKeyError('UNKNOWN_KEY', `sealed with key ${kid}, which neither ${SECRET_KEY_ENV} nor ${OLD_SECRET_KEYS_ENV} holds`);
    try {
      const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      d.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
    } catch {
      throw new SecretKeyError('TAMPERED', `a secret sealed with key ${kid} does not open: altered, or the key is wrong`);
    }
  }

  /** Whether this was sealed with the current key (else `rekey` re-seals it). */
  isCurrent(sealed: string): boolean {
    return sealed.split('.')[1] === this.#current?.kid;
  }
}
