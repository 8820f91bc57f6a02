/**
 * What must be undone if the process is stopped early (a signal, a closed stdout): an embedded
 * PostgreSQL, a runtime's workers and pools, a demo's temp folder. Each owner registers its own undo
 * when it acquires the thing and takes it off when it releases it, so a stop at any point undoes
 * exactly what exists, newest first (workers before the pools they use, pools before the server).
 */
type Undo = () => Promise<void> | void;

const undos: Undo[] = [];
let stopping: Promise<void> | undefined;

/** Registers `undo`; the returned function takes it off again (call it once the thing is released). */
export function onShutdown(undo: Undo): () => void {
  undos.push(undo);
  return () => {
    const i = undos.lastIndexOf(undo);
    if (i >= 0) undos.splice(i, 1);
  };
}

/** Whether an early stop is under way: a failure now is its consequence, not news. */
export function shuttingDown(): boolean {
  return stopping !== undefined;
}

/** Runs every registered undo once, newest first; errors are passed to `onError` and the rest still run. */
export function shutdown(onError: (err: unknown) => void = () => {}): Promise<void> {
  stopping ??= (async () => {
    while (undos.length) {
      const undo = undos.pop()!;
      try {
        await undo();
      } catch (err) {
        onError(err);
      }
    }
  })();
  return stopping;
}
