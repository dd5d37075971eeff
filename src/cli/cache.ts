/**
 * `pg-rls-test cache [--dir DIR]`: the prepared databases the embedded backend keeps (size, last
 * use, what built them), the limits, and the working copies of running or dead test processes.
 * `pg-rls-test cache clean`: removes every entry, and the working copies whose owner is gone.
 */
import { isAbsolute, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { cleanCache, listEntries, resolveCache, type EntryInfo } from '../backends/cache.js';
import { listWorkDirs, sweepWorkDirs } from '../backends/workdirs.js';
import { UsageError, type CliIo } from './io.js';

export const CACHE_USAGE = `usage: pg-rls-test cache [clean] [--dir <folder>]

Lists the prepared databases the embedded backend keeps between runs (size, last use, what built
them) and the working copies of test processes; 'clean' removes every prepared database and the
working copies whose process is gone.

options:
  --dir <folder>   the cache (default: $PG_RLS_TEST_CACHE_DIR, else ./node_modules/.cache/pg-rls-test)
  -h, --help       this text

limits: at most 20 entries and 1 GiB by default, least recently used removed first; change them
with $PG_RLS_TEST_CACHE_MAX_ENTRIES and $PG_RLS_TEST_CACHE_MAX_BYTES (e.g. 500MB), or the
createTestDatabase option cache: { maxEntries, maxBytes }.`;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** Relative to the current folder when inside it. */
export function shortPath(p: string): string {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') && !isAbsolute(r) ? r : p;
}

/** What built an entry, in one line. */
export function builtBy(e: EntryInfo): string {
  const h = e.header;
  if (!h) return '(unreadable: removed at its next use)';
  const parts = typeof h.pglite === 'string' ? [`PGlite ${h.pglite}`] : [];
  if (typeof h.what === 'string') parts.push(h.what);
  if (typeof h.preset === 'string') parts.push(`preset ${h.preset}`);
  const sources = Array.isArray(h.sources) ? (h.sources as string[]) : [];
  if (sources.length) parts.push(sources.map(shortPath).join(', '));
  if (h.seed === true) parts.push('seed');
  return parts.join('; ');
}

/** `pg-rls-test cache ...` (argv without the command name); resolves to the exit code. */
export async function cache(argv: string[], io: CliIo): Promise<number> {
  let values: { dir?: string | undefined; help?: boolean | undefined };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: { dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true }));
    if (positionals.length > 1 || (positionals[0] !== undefined && positionals[0] !== 'clean')) {
      throw new UsageError(`unknown cache command "${positionals.join(' ')}" (known: clean)`);
    }
  } catch (e) {
    io.stderr(`pg-rls-test: ${(e as Error).message}\n\n${CACHE_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${CACHE_USAGE}\n`);
    return 0;
  }
  const config = resolveCache(values.dir === undefined ? undefined : { dir: values.dir })!;
  const where = shortPath(config.dir);

  if (positionals[0] === 'clean') {
    const removed = cleanCache(config.dir);
    const swept = sweepWorkDirs();
    io.stdout(`removed ${removed.entries} prepared database${removed.entries === 1 ? '' : 's'} (${formatBytes(removed.bytes)}) from ${where}, and ${swept.length} working cop${swept.length === 1 ? 'y' : 'ies'} of finished processes\n`);
    return 0;
  }

  const entries = listEntries(config.dir);
  const total = entries.reduce((n, e) => n + e.bytes, 0);
  const now = Date.now();
  const lines = [
    `${where}: ${entries.length} prepared database${entries.length === 1 ? '' : 's'}, ${formatBytes(total)} (limits: ${config.maxEntries} entries, ${formatBytes(config.maxBytes)}; the least recently used go first)`,
  ];
  if (entries.length) {
    lines.push('');
    for (const e of entries) lines.push(`  ${formatBytes(e.bytes).padStart(8)}  ${formatAge(now - e.lastUsed.getTime()).padEnd(11)} ${builtBy(e)}`);
  }
  const copies = listWorkDirs();
  if (copies.length) {
    lines.push('', `working copies (${copies.length}):`);
    for (const w of copies) {
      const by = w.owner ? `process ${w.owner.pid}` : 'a process of an earlier version';
      const state =
        w.state === 'alive' ? `in use by ${by}` : w.state === 'dead' ? `left by ${by}, which is gone (removed by the next start or 'cache clean')` : w.owner ? `made on ${w.owner.host}` : 'made by an earlier version; cannot tell whether it is in use';
      lines.push(`  ${w.path}  ${state}`);
    }
  }
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
}
