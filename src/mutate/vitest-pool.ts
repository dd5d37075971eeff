/**
 * A Vitest 4.1 pool (`pool: { name, createPoolWorker }`) whose single worker thread
 * (vitest-worker.ts) survives from one run to the next: Vitest calls stop() after every run,
 * which here only detaches the run's listeners. terminate() ends it for real: at the end, or
 * when a mutant run hangs (Timeout).
 */
import { Worker } from 'node:worker_threads';

type Listener = (arg: unknown) => void;

interface PoolOptions {
  env: Record<string, string | undefined>;
  execArgv: string[];
  project: { vitest: { logger: { outputStream: NodeJS.WritableStream; errorStream: NodeJS.WritableStream } } };
}

export interface PersistentPool {
  name: string;
  createPoolWorker(options: PoolOptions): unknown;
  /** ends the thread (the next run starts a new one) */
  terminate(): Promise<void>;
}

export function persistentPool(entry: URL): PersistentPool {
  let thread: Worker | undefined;
  return {
    name: 'pg-rls-test-mutate',
    createPoolWorker(options: PoolOptions) {
      const attached: [string, Listener][] = [];
      const out = options.project.vitest.logger.outputStream;
      const err = options.project.vitest.logger.errorStream;
      const current = () => {
        if (!thread) throw new Error('pg-rls-test: the mutation worker is not running');
        return thread;
      };
      return {
        name: 'pg-rls-test-mutate',
        on(event: string, listener: Listener) {
          attached.push([event, listener]);
          current().on(event, listener);
        },
        off(event: string, listener: Listener) {
          thread?.off(event, listener);
        },
        send(message: unknown) {
          current().postMessage(message);
        },
        deserialize: (data: unknown) => data,
        async start() {
          if (!thread) {
            const t = new Worker(entry, { env: options.env as NodeJS.ProcessEnv, execArgv: options.execArgv, stdout: true, stderr: true });
            t.once('exit', () => {
              if (thread === t) thread = undefined;
            });
            thread = t;
          }
          thread.stdout.pipe(out);
          thread.stderr.pipe(err);
        },
        async stop() {
          for (const [event, listener] of attached.splice(0)) thread?.off(event, listener);
          thread?.stdout.unpipe(out);
          thread?.stderr.unpipe(err);
        },
        canReuse: () => true,
      };
    },
    async terminate() {
      const t = thread;
      thread = undefined;
      await t?.terminate();
    },
  };
}
