/**
 * Postgres in a container started by @testcontainers/postgresql (an optional peer, loaded only
 * here). The container's server is then used like the url backend: a throw-away database with
 * a template, so reset() works the same way; close() stops the container.
 */
import { BackendUnavailableError } from '../errors.js';
import type { Setup } from './types.js';
import { ServerBackend } from './url.js';

export interface TestcontainersOptions {
  image?: string | undefined;
}

export const DEFAULT_IMAGE = 'postgres:17-alpine';

const NO_RUNTIME_HINT =
  'start Docker (or another container runtime; DEBUG=testcontainers* shows what was tried), or use backend: "embedded" (in-process, nothing to install) or backend: "url" with a running server';

type Module = typeof import('@testcontainers/postgresql');

/** Imports the optional package; `importer` is replaceable so its absence can be tested. */
export async function loadModule(importer: () => Promise<Module> = () => import('@testcontainers/postgresql')): Promise<Module> {
  try {
    return await importer();
  } catch (cause) {
    throw new BackendUnavailableError('the testcontainers backend needs the optional package @testcontainers/postgresql, which is not installed', {
      cause,
      hint: 'npm install -D @testcontainers/postgresql (11.x on Node 20), or use backend: "embedded" or "url"',
    });
  }
}

export async function startContainerBackend(setup: Setup, options: TestcontainersOptions, load: () => Promise<Module> = () => loadModule()): Promise<ServerBackend> {
  const { PostgreSqlContainer } = await load();
  const image = options.image ?? DEFAULT_IMAGE;
  let container: Awaited<ReturnType<InstanceType<Module['PostgreSqlContainer']>['start']>>;
  try {
    container = await new PostgreSqlContainer(image).start();
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const noRuntime = /container runtime/i.test(reason);
    throw new BackendUnavailableError(
      noRuntime
        ? `the testcontainers backend found no container runtime (${reason})`
        : `the testcontainers backend could not start ${image}: ${reason}`,
      { cause, hint: NO_RUNTIME_HINT },
    );
  }
  return ServerBackend.throwaway(setup, container.getConnectionUri(), 10_000, 'testcontainers', {
    extraDispose: async () => {
      await container.stop();
    },
  });
}
