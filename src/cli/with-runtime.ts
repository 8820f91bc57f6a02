import { resolveSecrets } from '../config/load.ts';
import type { JobDeps } from '../jobs/deps.ts';
import { openRuntime } from '../runtime.ts';
import type { CliContext } from './main.ts';

/** One-shot commands act through the runtime (ledger + queues) without running workers or schedules. */
export async function withRuntime<T>(ctx: CliContext, actor: string, fn: (deps: JobDeps) => Promise<T>): Promise<T> {
  const runtime = await openRuntime({
    config: ctx.config,
    secrets: resolveSecrets(ctx.config),
    configPath: ctx.configPath,
    log: ctx.log,
    workers: false,
    schedules: false,
    actor,
  });
  try {
    return await fn(runtime.deps);
  } finally {
    await runtime.close();
  }
}
