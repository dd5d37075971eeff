// Part of `npm run build`: ships a ready cluster (what initdb makes) for the PGlite version the
// package depends on, as dist/base/pglite-<version>.pgdata, so that a first createTestDatabase()
// on a machine with an empty cache runs no initdb (seconds) but only the preset and migrations.
// The cluster comes from the build machine's cache when it has one (initdb runs once per version).
import { writeShippedCluster } from '../dist/internal.js';

const file = await writeShippedCluster(new URL('../dist/base', import.meta.url).pathname);
if (!process.argv.includes('--silent')) console.log(`pg-rls-test: shipped cluster ${file}`);
