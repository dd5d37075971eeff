#!/usr/bin/env node
/**
 * npm run bench [-- --runs 3] [-- --sizes 1x2,10x10,50x20] [-- --no-build] [-- --no-pgtap]
 *
 * The reference workload W(T,U) (bench/pgtap/gen.cjs; checks = T·(2+3U)) run three ways in one
 * go, on this machine: pg-rls-test's matchers inside a real Vitest run on the embedded backend
 * and on the url backend (a local PostgreSQL server), and pgTAP + pg_prove on that same server.
 * Then the engine's own figures (bench/engine.bench.ts). Prints one markdown report and writes
 * it to bench/results/<date>.md.
 *
 * Needs: the PostgreSQL server of `bash .ci/postgres.sh start` (or PG_RLS_TEST_URL), and for
 * pgTAP the Debian packages postgresql-15-pgtap and libtap-parser-sourcehandler-pgtap-perl
 * (installed here with apt-get when missing and running as root).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const gen = require('./pgtap/gen.cjs');
const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const WORK = join(ROOT, 'bench', '.work');
const args = parseArgs(process.argv.slice(2));

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

async function main() {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const url = serverUrl();
  if (args.build) step('building dist/ (the bench measures the package as users get it)', () => run('npx', ['tsup', '--silent']));
  const pgtap = args.pgtap && ensurePgtap();

  const rows = [];
  for (const [T, U] of args.sizes) {
    const dir = writeWorkload(T, U);
    const checks = gen.checksFor(T, U);
    for (const backend of ['embedded', 'url']) {
      // the first embedded run of a schema builds its cached data directory: not timed
      if (backend === 'embedded') await timeVitest(dir, backend, url);
      rows.push(summarize('pg-rls-test ' + backend, T, U, checks, await repeat(() => timeVitest(dir, backend, url))));
    }
    if (pgtap) rows.push(summarize('pgTAP', T, U, checks, await repeat(() => timePgtap(dir, T, U, url))));
    process.stderr.write(`W(${T},${U}) done\n`);
  }

  const engine = await engineFigures(url);
  const report = render(rows, engine, url);
  const out = join(ROOT, 'bench', 'results', `${new Date().toISOString().slice(0, 10)}.md`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, report);
  console.log(report);
  console.error(`written to ${out}`);
}

// ---- arguments and environment -----------------------------------------------------------

function parseArgs(argv) {
  const a = { runs: 3, sizes: [[1, 2], [10, 10], [50, 20]], build: true, pgtap: true };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') a.runs = Number(argv[++i]);
    else if (argv[i] === '--sizes') a.sizes = argv[++i].split(',').map((s) => s.split('x').map(Number));
    else if (argv[i] === '--no-build') a.build = false;
    else if (argv[i] === '--no-pgtap') a.pgtap = false;
    else throw new Error(`unknown argument ${argv[i]}; see the header of bench/run.mjs`);
  }
  return a;
}

function serverUrl() {
  if (process.env.PG_RLS_TEST_URL) return process.env.PG_RLS_TEST_URL;
  return execFileSync('bash', [join(ROOT, '.ci', 'postgres.sh'), 'start'], { encoding: 'utf8' }).trim();
}

function ensurePgtap() {
  const have = () => spawnSync('which', ['pg_prove']).status === 0 && existsSync('/usr/share/postgresql/15/extension/pgtap.control');
  if (!have() && process.getuid?.() === 0) {
    step('installing pgTAP (apt-get)', () => run('apt-get', ['install', '-y', '-q', 'postgresql-15-pgtap', 'libtap-parser-sourcehandler-pgtap-perl']));
  }
  if (have()) return true;
  console.error('pgTAP is not installed (apt-get install postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl): its rows are left out');
  return false;
}

function step(what, fn) {
  process.stderr.write(`${what}...\n`);
  return fn();
}

function run(cmd, argv, options = {}) {
  const r = spawnSync(cmd, argv, { cwd: ROOT, encoding: 'utf8', ...options });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

// ---- the workload ------------------------------------------------------------------------

/** schema.sql and test.sql for pgTAP; the same schema as a migration, and the Vitest file. */
function writeWorkload(T, U) {
  const dir = join(WORK, `w${T}x${U}`);
  mkdirSync(join(dir, 'migrations'), { recursive: true });
  const schema = gen.schemaSql(T, U);
  writeFileSync(join(dir, 'schema.sql'), schema);
  writeFileSync(join(dir, 'test.sql'), gen.pgtapSql(T, U));
  // psql meta-commands are not SQL: the migration gets the rest, byte for byte
  writeFileSync(join(dir, 'migrations', '001_schema.sql'), schema.split('\n').filter((l) => !l.startsWith('\\')).join('\n'));
  writeFileSync(join(dir, 'w.test.ts'), vitestFile(T, U));
  return dir;
}

/** One matcher call per check, in the order of the pgTAP file; a test per table. */
function vitestFile(T, U) {
  const users = Array.from({ length: U }, (_, i) => i + 1);
  return `// generated by bench/run.mjs: W(${T},${U}), ${gen.checksFor(T, U)} checks
import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import 'pg-rls-test/vitest';
import { createTestDatabase } from 'pg-rls-test';

const mark = (what) => appendFileSync(process.env.BENCH_MARKS, what + ' ' + (performance.timeOrigin + performance.now()) + '\\n');
const backend = process.env.BENCH_BACKEND === 'url' ? { backend: 'url', url: process.env.BENCH_URL } : { backend: 'embedded' };
let db, users, first = true;
beforeAll(async () => {
  db = await createTestDatabase({ ...backend, preset: 'none', migrations: new URL('./migrations', import.meta.url).pathname });
  users = ${JSON.stringify(users)}.map((u) => db.user('user_' + u, { sub: 'user_' + u }));
});
afterAll(async () => {
  mark('last');
  await db?.close();
});

for (let t = 1; t <= ${T}; t++) {
  test('t' + t, async () => {
    if (first) (first = false), mark('first');
    const n = 't' + t;
    await expect(db.table(n)).toHaveRlsEnabled();
    await expect(db.table(n)).toGrant(['SELECT', 'INSERT', 'UPDATE', 'DELETE'], 'authenticated', { exactly: true });
    for (let u = 1; u <= ${U}; u++) {
      const me = users[u - 1], other = 'user_' + ((u % ${U}) + 1);
      await expect(db.as(me)).toSeeOnly(db.rows(n, { user_id: me.sub, is_published: false }), { within: { is_published: false } });
      await expect(db.as(me).insert(n, { user_id: other, content: 'forged' })).toBeDeniedByRls();
      await expect(db.as(me).update(n, { content: 'hijacked' }, { user_id: other })).toBeDeniedByRls();
    }
  });
}
`;
}

// ---- timing ------------------------------------------------------------------------------

async function repeat(once) {
  const runs = [];
  for (let i = 0; i < args.runs; i++) runs.push(await once());
  return runs;
}

/** One `vitest run` of the workload as a child process: wall time, first/last check, peak RSS. */
async function timeVitest(dir, backend, url) {
  const marks = join(dir, `marks-${backend}.txt`);
  rmSync(marks, { force: true });
  const config = join(WORK, 'vitest.config.mjs');
  if (!existsSync(config)) writeFileSync(config, vitestConfig());
  const env = { ...process.env, BENCH_MARKS: marks, BENCH_BACKEND: backend, BENCH_URL: url };
  const r = await measure(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', config, '--root', ROOT, join(dir, 'w.test.ts')], env);
  if (r.code !== 0) throw new Error(`vitest failed on ${dir} (${backend}):\n${r.output.slice(-3000)}`);
  const m = Object.fromEntries(readFileSync(marks, 'utf8').trim().split('\n').map((l) => l.split(' ')).map(([k, v]) => [k, Number(v)]));
  return { wall: r.wall, first: (m.first - r.start) / 1000, checksPhase: (m.last - m.first) / 1000, rss: r.peakRss };
}

function vitestConfig() {
  // the package by name, resolved to the build in dist/ as an installed package would be
  const dist = (f) => JSON.stringify(join(ROOT, 'dist', f));
  return `import { defineConfig } from 'vitest/config';
export default defineConfig({
  resolve: { alias: [
    { find: /^pg-rls-test\\/vitest$/, replacement: ${dist('vitest.js')} },
    { find: /^pg-rls-test$/, replacement: ${dist('index.js')} },
  ] },
  test: { include: ['bench/.work/**/*.test.ts'], pool: 'forks', testTimeout: 600000, hookTimeout: 600000, reporters: ['dot'] },
});
`;
}

/** createdb + CREATE EXTENSION pgtap + load + pg_prove, as bench/pgtap/run.sh; dropdb not counted. */
async function timePgtap(dir, T, U, url) {
  const u = new URL(url);
  const env = { ...process.env, PGHOST: u.hostname, PGPORT: u.port || '5432', PGUSER: decodeURIComponent(u.username || 'postgres') };
  const db = `rls_tap_${T}_${U}`;
  const script = [
    `dropdb --if-exists ${db}`,
    `createdb ${db}`,
    `psql -X -q -d ${db} -c 'CREATE EXTENSION pgtap' >/dev/null`,
    `psql -X -q -v ON_ERROR_STOP=1 -d ${db} -f ${join(dir, 'schema.sql')} >/dev/null`,
    `echo first $(date +%s%N) >> ${join(dir, 'marks-pgtap.txt')}`,
    `pg_prove -d ${db} ${join(dir, 'test.sql')}`,
  ].join(' && ');
  rmSync(join(dir, 'marks-pgtap.txt'), { force: true });
  const r = await measure('bash', ['-c', script], env);
  spawnSync('dropdb', ['--if-exists', db], { env });
  const checks = gen.checksFor(T, U);
  if (r.code !== 0 || !r.output.includes('Result: PASS') || !r.output.includes(`Tests=${checks},`)) throw new Error(`pg_prove did not pass ${checks} checks:\n${r.output.slice(-2000)}`);
  // pg_prove starts at the mark; its first check runs about when psql connects
  const first = Number(readFileSync(join(dir, 'marks-pgtap.txt'), 'utf8').split(' ')[1]) / 1e6;
  return { wall: r.wall, first: (first - r.start) / 1000, checksPhase: r.wall - (first - r.start) / 1000, rss: r.peakRss };
}

/** Runs a command; wall time from spawn to exit, and the peak of the summed RSS of its process tree. */
function measure(cmd, argv, env) {
  return new Promise((resolve) => {
    const start = performance.timeOrigin + performance.now();
    const child = spawn(cmd, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    let peak = 0;
    const poll = setInterval(() => (peak = Math.max(peak, treeRss(child.pid))), 20);
    child.on('close', (code) => {
      clearInterval(poll);
      const end = performance.timeOrigin + performance.now();
      resolve({ code, output, start, wall: (end - start) / 1000, peakRss: peak });
    });
  });
}

/** Resident memory (MB) of a process and all its descendants, from /proc. */
function treeRss(root) {
  const children = new Map();
  const rss = new Map();
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      rss.set(Number(p), (Number(fields[21]) * 4096) / 2 ** 20);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(p));
    } catch {
      // the process ended while we read
    }
  }
  let total = 0;
  const stack = [root];
  while (stack.length) {
    const p = stack.pop();
    total += rss.get(p) ?? 0;
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}

// ---- engine figures ----------------------------------------------------------------------

async function engineFigures(url) {
  const out = join(WORK, 'engine.json');
  const config = join(WORK, 'vitest.config.mjs');
  if (!existsSync(config)) writeFileSync(config, vitestConfig());
  writeFileSync(join(WORK, 'engine.test.ts'), readFileSync(join(ROOT, 'bench', 'engine.bench.ts'), 'utf8'));
  const env = { ...process.env, BENCH_URL: url, BENCH_OUT: out, BENCH_CACHE: join(WORK, 'cache') };
  step('engine figures', () => run(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', config, '--root', ROOT, join(WORK, 'engine.test.ts')], { env }));
  return JSON.parse(readFileSync(out, 'utf8'));
}

// ---- the report --------------------------------------------------------------------------

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function summarize(tool, T, U, checks, runs) {
  return {
    tool, T, U, checks, runs: runs.length,
    wall: median(runs.map((r) => r.wall)),
    wallMin: Math.min(...runs.map((r) => r.wall)),
    wallMax: Math.max(...runs.map((r) => r.wall)),
    first: median(runs.map((r) => r.first)),
    checksPhase: median(runs.map((r) => r.checksPhase)),
    rss: Math.max(...runs.map((r) => r.rss)),
  };
}

/** ms per extra check between the two largest sizes, from the checks phase and from wall time. */
function marginal(rows, tool) {
  const mine = rows.filter((r) => r.tool === tool).sort((a, b) => a.checks - b.checks);
  if (mine.length < 2) return undefined;
  const [a, b] = mine.slice(-2);
  return { phase: ((b.checksPhase - a.checksPhase) * 1000) / (b.checks - a.checks), wall: ((b.wall - a.wall) * 1000) / (b.checks - a.checks) };
}

function render(rows, engine, url) {
  const f = (x, d = 2) => (x === undefined ? 'n/a' : x.toFixed(d));
  const tools = [...new Set(rows.map((r) => r.tool))];
  const lines = [];
  lines.push(`# pg-rls-test benchmark, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`, '');
  lines.push(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; ${engine.versions.embedded}; server ${engine.versions.server} (${url.replace(/:[^:@/]*@/, '@')}, fsync off); pgTAP ${pgtapVersion(url)}. Medians of ${args.runs} run(s); wall is process start to exit.`, '');
  lines.push('## W(T,U): one matcher call per check (pgTAP: one assertion per check)', '');
  lines.push('| W(T,U) | checks | tool | wall s (min–max) | first check s | checks phase s | ms/check in phase | peak RSS MB | pgTAP wall / this |');
  lines.push('|---|---:|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const tap = rows.find((x) => x.tool === 'pgTAP' && x.T === r.T && x.U === r.U);
    lines.push(`| (${r.T},${r.U}) | ${r.checks} | ${r.tool} | ${f(r.wall)} (${f(r.wallMin)}–${f(r.wallMax)}) | ${f(r.first)} | ${f(r.checksPhase)} | ${f((r.checksPhase * 1000) / r.checks, 3)} | ${f(r.rss, 0)} | ${tap && r.tool !== 'pgTAP' ? f(tap.wall / r.wall) + '×' : ''} |`);
  }
  lines.push('', 'Marginal cost of one more check (between the two largest sizes):', '');
  for (const t of tools) {
    const m = marginal(rows, t);
    if (m) lines.push(`- ${t}: ${f(m.phase, 3)} ms/check (checks phase), ${f(m.wall, 3)} ms/check (wall)`);
  }
  const big = (tool) => rows.filter((r) => r.tool === tool).sort((a, b) => b.checks - a.checks)[0];
  const emb = big('pg-rls-test embedded');
  const tap = big('pgTAP');
  if (emb && tap && emb.checks === tap.checks) {
    const m = marginal(rows, 'pg-rls-test embedded');
    lines.push('', `Targets at W(${emb.T},${emb.U}), embedded: pgTAP/embedded wall ${f(tap.wall / emb.wall)}× (target ≥ 5×); marginal ${f(m?.phase, 3)} ms/check (target ≤ 0.15); first check ${f(emb.first)} s from the cache (target < 1 s); peak RSS ${f(emb.rss, 0)} MB (target ≤ 500).`);
  }
  lines.push('', '## The engine (bench/engine.bench.ts; medians)', '');
  lines.push('| figure | embedded | url |', '|---|---:|---:|');
  for (const [name, v] of Object.entries(engine.figures)) lines.push(`| ${name} | ${v.embedded ?? ''} | ${v.url ?? ''} |`);
  lines.push('');
  return lines.join('\n');
}

function pgtapVersion(url) {
  const r = spawnSync('psql', ['-X', '-Atc', "select default_version from pg_available_extensions where name = 'pgtap'", url], { encoding: 'utf8' });
  return r.stdout.trim() || 'not installed';
}
