import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createOrderModel, fieldErrors } from '../connectors/ordermesh/contract.ts';
import { parseShopifyOrder } from '../connectors/shopify/types.ts';
import { ConfigError } from '../config/load.ts';
import { shopifyDefault } from './shopify-default.ts';
import type { MappingContext, MappingModule, MappingResult } from './types.ts';

const BUILT_IN: Record<string, MappingModule> = { [shopifyDefault.name]: shopifyDefault };

/** A module with the store's options parsed: ready to map that store's orders. */
export interface Mapper {
  module: MappingModule;
  options: unknown;
}

/**
 * `mapping.module` is a built-in name or a path (relative to the config file) to a .ts/.js/.mjs file
 * whose default export is a MappingModule (see examples/custom-mapping.ts). Loaded and checked at
 * start-up, so a broken module stops the service with the config key, not the first order.
 */
export async function loadMapper(spec: string, rawOptions: unknown, key: string, configDir: string): Promise<Mapper> {
  let module = BUILT_IN[spec];
  if (!module) {
    const file = path.resolve(configDir, spec);
    let loaded: { default?: unknown };
    try {
      loaded = await import(pathToFileURL(file).href);
    } catch (err) {
      throw new ConfigError(`${key}.module`, `cannot load mapping module ${file}: ${(err as Error).message}`);
    }
    const candidate = (loaded.default ?? loaded) as Partial<MappingModule>;
    if (typeof candidate.map !== 'function' || typeof candidate.name !== 'string') {
      throw new ConfigError(`${key}.module`, `${file} must export default { name, map(order, ctx), parseOptions?(raw) }`);
    }
    module = { parseOptions: (raw) => raw, ...candidate } as MappingModule;
  }
  try {
    return { module, options: module.parseOptions(rawOptions) };
  } catch (err) {
    const detail = err && typeof err === 'object' && 'issues' in err ? JSON.stringify(fieldErrors(err as never)) : (err as Error).message;
    throw new ConfigError(`${key}.options`, `invalid options for mapping module ${module.name}: ${detail}`);
  }
}

/**
 * Parses the store payload (a field missing or null is INVALID_STORE_ORDER naming its path), runs the
 * module, and checks what it produced against the OrderMesh contract, so a module bug becomes a
 * recorded INVALID_MODEL or MODULE_ERROR, never a 400 from OrderMesh, and never an exception.
 */
export function mapOrder(mapper: Mapper, payload: unknown, ctx: Omit<MappingContext, 'options'>): MappingResult {
  const parsed = parseShopifyOrder(payload);
  if (!parsed.ok) return { kind: 'failed', errors: parsed.issues.map((i) => ({ code: 'INVALID_STORE_ORDER', path: i.path, message: i.message })) };
  const order = parsed.order;
  let result: MappingResult;
  try {
    result = mapper.module.map(order, { ...ctx, options: mapper.options });
  } catch (err) {
    return { kind: 'failed', errors: [{ code: 'MODULE_ERROR', path: '', message: `mapping module ${mapper.module.name} threw: ${(err as Error).message}` }] };
  }
  if (result.kind !== 'mapped') return result;
  const checked = createOrderModel.safeParse(result.model);
  if (!checked.success) {
    return {
      kind: 'failed',
      errors: Object.entries(fieldErrors(checked.error)).map(([p, msgs]) => ({ code: 'INVALID_MODEL', path: p, message: msgs.join('; ') })),
    };
  }
  if (checked.data.safeId !== ctx.safeId || checked.data.merchantId !== ctx.merchantId) {
    return { kind: 'failed', errors: [{ code: 'INVALID_MODEL', path: 'safeId', message: 'a mapping module must keep the safeId and merchantId it was given' }] };
  }
  return { kind: 'mapped', model: checked.data, ...(result.warnings?.length ? { warnings: result.warnings } : {}) };
}
