/**
 * The Jest and type tests load the package as users get it: the build in dist/. `npm test`
 * builds first; run on its own, a stale build is refused rather than tested.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : /\.test\.ts$/.test(e.name) ? 0 : statSync(p).mtimeMs);
  }
  return t;
}

export function assertBuilt(): void {
  const built = join(ROOT, 'dist', 'jest.js');
  const stale = !existsSync(built) || statSync(built).mtimeMs < Math.max(newest(join(ROOT, 'src')), newest(join(ROOT, 'matchers')));
  if (stale) throw new Error('dist/ is missing or older than src/ and matchers/: run `npm run build` (npm test does it first)');
}
