import { resolveSecrets } from '../config/load.ts';
import type { JobDeps } from '../jobs/deps.ts';
import { openRuntime } from '../runtime.ts';
import { configHash } from '../config/hash.ts';
import { liveWorkers } from '../db/workers.ts';
import type { CliContext } from './context.ts';

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
    // A fix given to this command (a new skuMap, say) is not what running workers map with.
    const own = configHash(ctx.config);
    const others = (await liveWorkers(runtime.deps.db)).filter((w) => w.configHash !== own);
    if (others.length) {
      ctx.log.warn(
        { configHash: own, workers: others.map((w) => `${w.actor}@${w.host}: ${w.configHash}`) },
        'running workers use another configuration than this command: reload them (kill -HUP) so they map alike',
      );
    }
    return await fn(runtime.deps);
  } finally {
    await runtime.close();
  }
}
