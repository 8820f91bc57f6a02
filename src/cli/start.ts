import type { Secrets } from '../config/load.ts';
import { startService } from '../service.ts';
import type { CliContext } from './main.ts';

export async function runStart(ctx: CliContext, secrets: Secrets): Promise<void> {
  const service = await startService({ config: ctx.config, secrets, configPath: ctx.configPath, log: ctx.log });
  await new Promise<void>((resolve, reject) => {
    const onSignal = (signal: NodeJS.Signals) => {
      ctx.log.info({ signal }, 'signal received');
      process.removeListener('SIGTERM', onSignal);
      process.removeListener('SIGINT', onSignal);
      // Bounded: a drain that hangs past the job timeout must not keep the process alive forever.
      const guard = setTimeout(
        () => reject(new Error('shutdown did not finish in time')),
        (ctx.config.jobs.shutdownTimeoutSeconds + 15) * 1000,
      );
      guard.unref();
      service.stop().then(() => {
        clearTimeout(guard);
        resolve();
      }, reject);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
