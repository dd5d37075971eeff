/**
 * Reads the .cpuprofile files of one profiled Vitest run (`node --cpu-prof` in every process) and
 * says who spent the CPU: Postgres itself (PGlite's WASM), PGlite's JS, pg-rls-test, Vitest, Node.
 * The worker's profile is cut at the marks of the generated test (monotonic µs, the clock of the
 * samples): from its start to the first check, and the checks phase.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

/** Who owns a frame, from its script URL (or V8's pseudo-frames). */
function owner(frame) {
  const { url, functionName } = frame;
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)') return 'idle (waiting: I/O, timers, the other process)';
  if (functionName === '(program)') return 'V8/native, outside JS (program)';
  if (!url) return undefined; // a builtin (JSON.parse, Array.map…): charged to its JS caller
  if (url.startsWith('wasm://')) return 'PGlite: Postgres (WASM)';
  if (url.includes('/@electric-sql/pglite/')) return 'PGlite: JS (protocol, FS, glue)';
  if (url.includes('/pg-rls-test/dist/')) return 'pg-rls-test';
  if (/\/node_modules\/(jose)\//.test(url)) return 'jose (JWT)';
  if (/\/node_modules\/pg(-[a-z]+)?\//.test(url)) return 'pg (client)';
  if (/\/node_modules\/(\.pnpm\/)?(vitest|@vitest|vite|tinypool|tinyspy|chai|@jest|expect|pretty-format|magic-string|es-module-lexer|rollup|esbuild)/.test(url)) return 'Vitest (runner, expect, transforms)';
  if (url.startsWith('node:')) return 'Node internals';
  if (url.includes('/bench/.work/')) return 'the generated test';
  return 'other: ' + basename(url);
}

/** Self time per owner (ms) and per function, of the samples in [fromUs, toUs). */
function tally(profile, fromUs = -Infinity, toUs = Infinity) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const ownerOf = new Map();
  const resolve = (id) => {
    if (ownerOf.has(id)) return ownerOf.get(id);
    let o = owner(byId.get(id).callFrame);
    if (o === undefined) o = parent.has(id) ? resolve(parent.get(id)) : 'V8/native, outside JS (program)';
    ownerOf.set(id, o);
    return o;
  };
  const owners = new Map();
  const fns = new Map();
  let t = profile.startTime;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000; // a sample stands for the time until the next
    if (t < fromUs || t >= toUs) continue;
    const id = profile.samples[i];
    const o = resolve(id);
    owners.set(o, (owners.get(o) ?? 0) + dt);
    const cf = byId.get(id).callFrame;
    const fn = `${cf.functionName || '(anonymous)'} ${cf.url ? basename(cf.url) + ':' + (cf.lineNumber + 1) : ''} [${o}]`;
    fns.set(fn, (fns.get(fn) ?? 0) + dt);
    total += dt;
  }
  return { owners, fns, total };
}

const top = (map, n) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n);

/** Markdown lines: per process, and for the worker per phase, self time by owner; top functions. */
export function profileSummary(dir, hr) {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const profiles = files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
  // the worker is the process that was busy (not idle) during the checks phase
  const busy = (p) => {
    const t = tally(p, hr.first, hr.last);
    return t.total - [...t.owners].filter(([o]) => o.startsWith('idle')).reduce((a, [, v]) => a + v, 0);
  };
  const worker = profiles.reduce((best, p) => (!best || busy(p) > busy(best) ? p : best), undefined);
  const phases = [];
  for (const p of profiles) {
    const ms = (p.endTime - p.startTime) / 1000;
    if (p === worker) {
      phases.push([`worker, start → first check (${(ms / 1000).toFixed(2)} s profiled in all)`, tally(p, -Infinity, hr.first)]);
      phases.push(['worker, checks phase', tally(p, hr.first, hr.last)]);
      phases.push(['worker, after the last check', tally(p, hr.last, Infinity)]);
    } else {
      phases.push([`Vitest main process (${(ms / 1000).toFixed(2)} s profiled)`, tally(p)]);
    }
  }
  const L = ['| process, phase | CPU profile ms | by owner (self time, ms) |', '|---|---:|---|'];
  for (const [name, t] of phases) {
    L.push(`| ${name} | ${t.total.toFixed(0)} | ${top(t.owners, 8).map(([o, v]) => `${o} ${v.toFixed(0)}`).join('; ')} |`);
  }
  if (worker) {
    const checks = tally(worker, hr.first, hr.last);
    L.push('', 'Top functions by self time in the checks phase:', '');
    L.push('| function | ms | % |', '|---|---:|---:|');
    for (const [fn, v] of top(checks.fns, 15)) L.push(`| \`${fn}\` | ${v.toFixed(0)} | ${((100 * v) / checks.total).toFixed(1)} |`);
  }
  return L;
}
