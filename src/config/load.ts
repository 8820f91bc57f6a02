import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config, type SecretRef } from './schema.ts';
import { registerSecretValue } from '../log.ts';
import { formatPath } from '../util/zod-path.ts';

export interface ConfigProblem {
  /** The dotted path of the offending setting ('' for the file as a whole). */
  key: string;
  message: string;
}

/**
 * Start-up refuses to run, naming every problem at once (unknown keys first: a typo'd key is the likely
 * cause of the rest); `key` is the first one's. The CLI exits 2.
 */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly key: string;
  readonly problems: ConfigProblem[];
  constructor(key: string, message: string, more: ConfigProblem[] = []) {
    const problems = [{ key, message }, ...more];
    const line = (p: ConfigProblem) => (p.key ? `${p.key}: ${p.message}` : p.message);
    super(problems.length === 1 ? `config: ${line(problems[0]!)}` : `config: ${problems.length} problems:\n${problems.map((p) => `  ${line(p)}`).join('\n')}`);
    this.name = 'ConfigError';
    this.key = key;
    this.problems = problems;
  }

  static of(problems: ConfigProblem[]): ConfigError {
    return new ConfigError(problems[0]!.key, problems[0]!.message, problems.slice(1));
  }
}


/**
 * The config file a command reads: --config, else $ORDERSYNC_CONFIG. There is no default: one would be
 * the simulators' config, and a service started without a config would then talk to simulators.
 */
export function resolveConfigPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const file = flag ?? env.ORDERSYNC_CONFIG;
  if (!file) {
    throw new ConfigError(
      '--config',
      'no configuration given: pass --config FILE or set ORDERSYNC_CONFIG (copy config/example.yaml to start one; `ordersync demo` needs none, `--config config/sim.yaml` talks to `ordersync sim`)',
    );
  }
  return path.resolve(file);
}

function allIssues(error: z.ZodError): ConfigError {
  // An unknown key is named by the key itself, not by its parent object.
  const unknown = error.issues.flatMap((issue) => {
    if (issue.code !== 'unrecognized_keys') return [];
    const parent = formatPath(issue.path);
    return issue.keys.map((k) => ({ key: parent ? `${parent}.${k}` : k, message: 'unknown key' }));
  });
  const rest = error.issues.filter((i) => i.code !== 'unrecognized_keys').map((i) => ({ key: formatPath(i.path), message: i.message }));
  return ConfigError.of([...unknown, ...rest]);
}

export function parseConfig(raw: unknown): Config {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) throw allIssues(result.error);
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

/**
 * Resolves every secret the config names, so a missing one fails at start-up, not at first use; all
 * the missing ones are named at once.
 */
export function resolveSecrets(cfg: Config, env: NodeJS.ProcessEnv = process.env): Secrets {
  const missing: ConfigProblem[] = [];
  const read = (ref: SecretRef, key: string): string => {
    try {
      return readSecret(ref, key, env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      missing.push(...err.problems);
      return '';
    }
  };
  const ordermeshClientSecret = read(cfg.ordermesh.clientSecret, 'ordermesh.clientSecret');
  const ordermeshWebhookSecret = cfg.ordermesh.webhookSecret ? read(cfg.ordermesh.webhookSecret, 'ordermesh.webhookSecret') : undefined;
  const stores = new Map<string, StoreSecrets>();
  cfg.stores.forEach((s, i) => {
    const base = `stores[${i}]`;
    stores.set(s.id, {
      shopifyToken: s.auth.type === 'accessToken' ? read(s.auth.accessToken, `${base}.auth.accessToken`) : undefined,
      shopifyClientSecret: s.auth.type === 'clientCredentials' ? read(s.auth.clientSecret, `${base}.auth.clientSecret`) : undefined,
      webhookSecret: s.webhookSecret ? read(s.webhookSecret, `${base}.webhookSecret`) : undefined,
    });
  });
  const installSecret = cfg.server.install ? read(cfg.server.install.apiSecret, 'server.install.apiSecret') : undefined;
  const adminTokens = cfg.server.admin.tokens.map((t, i) => ({ name: t.name, role: t.role, token: read(t.token, `server.admin.tokens[${i}].token`) }));
  // A short admin token is a guessable one: refused like a missing one.
  adminTokens.forEach((t, i) => {
    if (t.token && t.token.length < 16) missing.push({ key: `server.admin.tokens[${i}].token`, message: `must be at least 16 characters (${cfg.server.admin.tokens[i]!.token.env})` });
  });
  if (missing.length) throw ConfigError.of(missing);
  return { ordermeshClientSecret, ordermeshWebhookSecret, stores, adminTokens, installSecret };
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
  adminTokens: Array<{ name: string; token: string; role: 'viewer' | 'support' | 'operator' }>;
  /** The Shopify app's secret (server.install), when installs are on. */
  installSecret?: string | undefined;
}
