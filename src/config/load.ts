import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config, type SecretRef } from './schema.ts';
import { registerSecretValue } from '../log.ts';
import { formatPath } from '../util/zod-path.ts';

/** Start-up refuses to run; `key` is the dotted path of the offending setting. The CLI exits 2. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly key: string;
  constructor(key: string, message: string) {
    super(key ? `config: ${key}: ${message}` : `config: ${message}`);
    this.name = 'ConfigError';
    this.key = key;
  }
}

export const DEFAULT_CONFIG_PATH = 'config/sim.yaml';

export function resolveConfigPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(flag ?? env.ORDERSYNC_CONFIG ?? DEFAULT_CONFIG_PATH);
}

function firstIssue(error: z.ZodError): ConfigError {
  const issue = error.issues[0]!;
  // An unknown key is named by the key itself, not by its parent object.
  if (issue.code === 'unrecognized_keys') {
    const parent = formatPath(issue.path);
    const keys = issue.keys.map((k) => (parent ? `${parent}.${k}` : k));
    return new ConfigError(keys[0]!, `unknown key${keys.length > 1 ? `s (also: ${keys.slice(1).join(', ')})` : ''}`);
  }
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem(s))` : '';
  return new ConfigError(formatPath(issue.path), issue.message + more);
}

export function parseConfig(raw: unknown): Config {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) throw firstIssue(result.error);
  return result.data;
}

export function loadConfig(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('', `cannot read ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError('', `${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  return parseConfig(raw);
}

/**
 * Reads a secret from the environment. Every value read is registered with the log redactor, so it is
 * masked wherever it would appear in a log line, even inside an error message.
 */
export function readSecret(ref: SecretRef, key: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[ref.env] ?? ref.default;
  if (value === undefined || value === '') {
    throw new ConfigError(key, `environment variable ${ref.env} is not set`);
  }
  registerSecretValue(value);
  return value;
}

/** Resolves every secret the config names, so a missing one fails at start-up, not at first use. */
export function resolveSecrets(cfg: Config, env: NodeJS.ProcessEnv = process.env): Secrets {
  const stores = new Map<string, StoreSecrets>();
  cfg.stores.forEach((s, i) => {
    const base = `stores[${i}]`;
    stores.set(s.id, {
      shopifyToken: s.auth.type === 'accessToken' ? readSecret(s.auth.accessToken, `${base}.auth.accessToken`, env) : undefined,
      shopifyClientSecret:
        s.auth.type === 'clientCredentials' ? readSecret(s.auth.clientSecret, `${base}.auth.clientSecret`, env) : undefined,
      webhookSecret: s.webhookSecret ? readSecret(s.webhookSecret, `${base}.webhookSecret`, env) : undefined,
    });
  });
  return {
    ordermeshClientSecret: readSecret(cfg.ordermesh.clientSecret, 'ordermesh.clientSecret', env),
    ordermeshWebhookSecret: cfg.ordermesh.webhookSecret
      ? readSecret(cfg.ordermesh.webhookSecret, 'ordermesh.webhookSecret', env)
      : undefined,
    stores,
  };
}

export interface StoreSecrets {
  shopifyToken: string | undefined;
  shopifyClientSecret: string | undefined;
  webhookSecret: string | undefined;
}

export interface Secrets {
  ordermeshClientSecret: string;
  ordermeshWebhookSecret: string | undefined;
  stores: Map<string, StoreSecrets>;
}
