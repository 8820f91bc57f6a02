import { pino, type Logger, type DestinationStream, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

const REDACTED = '[REDACTED]';

/** Keys whose values are secret wherever they appear (any depth, any case). */
const SECRET_KEY = /(secret|token|passw(or)?d|authori[sz]ation|api[-_]?key|cookie|credential|hmac|signature)/i;

/**
 * Secret values read from the environment at start-up. Key-based redaction cannot see a token pasted
 * into an error message or a URL, so every known secret value is also masked inside any string.
 * The set is process-wide on purpose: a secret read anywhere must be masked everywhere.
 */
const secretValues = new Set<string>();
/** Short secrets (a weak password, a test token) are masked where they stand alone: inside a longer word they would mask ordinary text. */
const shortSecrets = new Map<string, RegExp>();
const SHORT = 8;

export function registerSecretValue(value: string): void {
  if (!value) return;
  if (value.length >= SHORT) secretValues.add(value);
  else shortSecrets.set(value, new RegExp(`(?<![A-Za-z0-9])${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9])`, 'g'));
}

function scrubString(s: string): string {
  let out = s;
  for (const v of secretValues) if (out.includes(v)) out = out.split(v).join(REDACTED);
  for (const [v, re] of shortSecrets) if (out.includes(v)) out = out.replace(re, REDACTED);
  // A bearer token in a header dump or message, whether or not we know its value.
  return out.replace(/\b(Bearer)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${REDACTED}`);
}

function scrub(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return scrubString(value);
  // A Date has no enumerable members: walked as an object it was logged as {}.
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  // The log formatter sees errors before pino's serializer does, and an Error's message and stack are
  // not enumerable: walked as a plain object, every error was logged as {}. Serialize it first
  // (type, message, stack, code, cause chain), then scrub that.
  if (value instanceof Error) value = pino.stdSerializers.err(value);
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as object)) {
    out[k] = SECRET_KEY.test(k) && v !== null && v !== undefined && v !== '' ? REDACTED : scrub(v, depth + 1, seen);
  }
  return out;
}

export function redact<T>(value: T): T {
  return scrub(value, 0, new WeakSet()) as T;
}

export interface LogOptions {
  level?: LoggerOptions['level'];
  /** Defaults to JSON on stdout, pretty-printed when stdout is a TTY. */
  destination?: DestinationStream;
  pretty?: boolean;
  /** One-shot commands print their results on stdout, so their logs go to stderr. */
  stderr?: boolean;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const stream = opts.stderr ? process.stderr : process.stdout;
  const pretty = opts.pretty ?? (!opts.destination && stream.isTTY === true);
  const options: LoggerOptions = {
    level: opts.level ?? 'info',
    base: { service: 'ordersync' },
    serializers: {
      // redact() has serialized errors already (see scrub); only a raw Error is left to do here.
      err: (err: unknown) => (err instanceof Error ? redact(err) : err),
    },
    formatters: { log: (obj) => redact(obj) },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? scrubString(a) : a)) as Parameters<typeof method>);
      },
    },
  };
  if (opts.destination) return pino(options, opts.destination);
  const fd = opts.stderr ? 2 : 1;
  if (pretty) return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: stream.isTTY === true, destination: fd } } });
  return pino(options, pino.destination({ fd, sync: opts.stderr === true }));
}
