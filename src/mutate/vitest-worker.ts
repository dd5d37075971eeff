/**
 * The test worker of a mutation run: Vitest's own worker runtime (`vitest/worker`, the API for
 * custom pools) in a thread that outlives each run. Vitest ends its workers after every run;
 * this one stays, so what the tests keep on globalThis stays warm from one mutant to the next:
 * PGlite's compiled WASM and the open databases of src/backends/embedded.ts (keepWarm).
 *
 * Each run's RPC channel replaces the last one's (a new "start" message drops the old listeners).
 */
import { parentPort } from 'node:worker_threads';
import { init, runBaseTests, setupEnvironment } from 'vitest/worker';

if (!parentPort) throw new Error('pg-rls-test: the mutation worker runs in a worker thread');
const port = parentPort;
type Listener = (message: unknown) => void;
const rpcListeners = new Set<Listener>();
let runtimeListener: Listener | undefined;

port.on('message', (message: { __vitest_worker_request__?: boolean; type?: string } | undefined) => {
  if (message?.__vitest_worker_request__ && message.type === 'start') {
    for (const l of rpcListeners) port.off('message', l);
    rpcListeners.clear();
  }
});

init({
  post: (response: unknown) => port.postMessage(response),
  on: (listener: Listener) => {
    // the first listener is the runtime's message handler (kept); later ones are each run's RPC
    if (runtimeListener) rpcListeners.add(listener);
    else runtimeListener = listener;
    port.on('message', listener);
  },
  off: (listener: Listener) => {
    rpcListeners.delete(listener);
    port.off('message', listener);
  },
  // Vitest's own threads stop listening here; this one keeps listening for the next run.
  teardown: () => undefined,
  runTests: (state, traces) => runBaseTests('run', state, traces),
  collectTests: (state, traces) => runBaseTests('collect', state, traces),
  setup: setupEnvironment,
});
