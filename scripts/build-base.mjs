// Part of `npm run build`: ships ready clusters (what initdb makes; and with the default preset
// applied) for the PGlite version the package depends on, in dist/base, so that a first
// createTestDatabase() on a machine with an empty cache runs neither initdb (seconds) nor the
// preset, only the migrations and seed. The plain cluster comes from this machine's cache when it
// has one (initdb runs once per PGlite version).
import { shipPreparedClusters } from '../dist/internal.js';

const files = await shipPreparedClusters(new URL('../dist/base', import.meta.url).pathname);
if (!process.argv.includes('--silent')) for (const f of files) console.log(`pg-rls-test: shipped ${f}`);
