/**
 * `pg-rls-test mutate --runner jest` on test/mutate/jest (a CommonJS Jest project over dist/, the
 * twin of test/mutate/fixture), on each backend: the suites of test/mutate/cli.ts. A file of its
 * own so that it runs beside mutate.test.ts (the slowest two files of npm test).
 */
import { forEachBackend } from '../helpers/backends.js';
import { runnerSuites, useWorkDir } from './cli.js';

const work = useWorkDir();

forEachBackend((backend) => runnerSuites('jest', backend, work));
