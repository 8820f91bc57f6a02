import { resolveSecrets } from '../config/load.ts';
import type { JobDeps } from '../jobs/deps.ts';
import { openRuntime } from '../runtime.ts';
import type { CliContext } from './main.ts';

/**
 * One-shot commands act through the runtime (ledger + queues), without schedules. With `workers`, this
 * process also runs the job workers, so the command carries its work through itself (the same job code
 * as the service) instead of leaving it to a running `start`.
 */
export async function withRuntime<T>(ctx: CliContext, actor: string, opts: { workers?: boolean }, fn: (deps: JobDeps) => Promise<T>): Promise<T> {
  const runtime = await openRuntime({
    config: ctx.config,
    secrets: resolveSecrets(ctx.config),
    configPath: ctx.configPath,
    log: ctx.log,
    workers: opts.workers === true,
    schedules: false,
    actor,
  });
  try {
    return await fn(runtime.deps);
  } finally {
    await runtime.close();
  }
}
