/**
 * The mutation-testing part of `npm run bench` (alone: `npm run bench -- --only mutate`).
 *
 * examples/posts, copied into bench/.work/posts as a project of its own that imports the
 * installed package (no alias), is run three ways, on this machine, in one go:
 * - `vitest run` of the suite once (a plain run: what one clean run of the suite costs);
 * - `pg-rls-test mutate` (one Vitest instance, the persistent worker, test selection);
 * - the naive way: a fresh `vitest run` process per mutant, the whole suite, with the mutant
 *   applied. It is applied as mutate applies it (PG_RLS_TEST_MUTATE_DIR's state file, after the
 *   cached build), so both ways reuse the embedded backend's prepared data directory; a naive
 *   run that edited a migration instead would also rebuild that directory (~5 s) every time.
 * per-mutant overhead = (mutate's wall − the plain run's wall) / mutants run.
 * Then the runners side by side: the strong suite of test/mutate (the same tests for Vitest and
 * Jest), mutated with --runner vitest and --runner jest, with a plain run of each.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// issue 12's targets
export const MUTATE_TARGETS = { perMutantMs: 150, naiveRatio: 10 };

/**
 * @param {{ root: string, work: string, url: string, runs: number, log: (s: string) => void }} o
 * @returns {Promise<object>} the figures (see renderMutate)
 */
export async function mutateFigures(o) {
  const vitest = join(o.root, 'node_modules', 'vitest', 'vitest.mjs');
  const jest = join(o.root, 'node_modules', 'jest', 'bin', 'jest.js');
  const cli = join(o.work, 'node_modules', 'pg-rls-test', 'dist', 'cli.js');
  const project = join(o.work, 'posts');
  copyPosts(o.root, project);
  const embedded = { PG_RLS_TEST_BACKEND: 'embedded' };
  const server = { PG_RLS_TEST_BACKEND: 'url', PG_RLS_TEST_URL: o.url };
  const plain = (env) => timed(process.execPath, [vitest, 'run'], { cwd: project, env });
  const mutateRun = (env, extra = []) => {
    const json = join(project, 'mutation.json');
    return timed(process.execPath, [cli, 'mutate', '--ignore', 'mutate-ignore.json', '--json', json, ...extra], { cwd: project, env }).then((r) => ({ ...r, report: JSON.parse(readFileSync(json, 'utf8')) }));
  };

  const posts = {};
  for (const [name, env] of [['embedded', embedded], ['url', server]]) {
    o.log(`mutate: examples/posts, ${name}: a plain run and ${o.runs} mutate run(s)...`);
    await plain(env); // builds the embedded cache: not timed
    const plainRuns = await repeat(o.runs, () => plain(env));
    const runs = await repeat(o.runs, () => mutateRun(env));
    posts[name] = summarize(plainRuns, runs);
  }

  o.log(`mutate: examples/posts, embedded: the naive way, one vitest run per mutant (${posts.embedded.mutantsRun} runs)...`);
  posts.naive = await naive(project, posts.embedded.report, vitest);

  const runners = {};
  for (const [name, config, plainArgv] of [
    ['vitest', 'test/mutate/fixture/vitest.strong.config.ts', [vitest, 'run', '--config', 'test/mutate/fixture/vitest.strong.config.ts']],
    ['jest', 'test/mutate/jest/strong.config.cjs', ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning', jest, '-c', 'test/mutate/jest/strong.config.cjs']],
  ]) {
    o.log(`mutate: test/mutate strong suite, --runner ${name}, embedded...`);
    const plainRun = () => timed(process.execPath, plainArgv, { cwd: o.root, env: embedded });
    await plainRun();
    const plainRuns = await repeat(o.runs, plainRun);
    const json = join(o.work, `strong-${name}.json`);
    const runs = await repeat(o.runs, () =>
      timed(process.execPath, [join(o.root, 'dist', 'cli.js'), 'mutate', '--runner', name, '--config', config, '--json', json], { cwd: o.root, env: embedded }).then((r) => ({
        ...r,
        report: JSON.parse(readFileSync(json, 'utf8')),
      })),
    );
    runners[name] = summarize(plainRuns, runs);
  }
  return { posts, runners };
}

/** examples/posts as a project of its own: its suite, migrations and waivers; 'pg-rls-test' from bench/.work/node_modules. */
function copyPosts(root, project) {
  rmSync(project, { recursive: true, force: true });
  mkdirSync(project, { recursive: true });
  for (const f of ['posts.test.ts', 'mutate-ignore.json', 'migrations']) cpSync(join(root, 'examples', 'posts', f), join(project, f), { recursive: true });
  writeFileSync(
    join(project, 'vitest.config.mjs'),
    `import { defineConfig } from 'vitest/config';
export default defineConfig({ test: { include: ['*.test.ts'], testTimeout: 60000, hookTimeout: 120000 } });
`,
  );
}

/**
 * A fresh `vitest run` of the whole suite per mutant that mutate ran, the mutant applied through
 * the state file that createTestDatabase() reads (first a clean run records the setup's key).
 */
async function naive(project, report, vitest) {
  const dir = join(project, '.naive');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const env = { PG_RLS_TEST_BACKEND: 'embedded', PG_RLS_TEST_MUTATE_DIR: dir };
  const state = (s) => writeFileSync(join(dir, 'state.json'), JSON.stringify({ keepWarm: false, ...s }));
  state({ run: 0, mode: 'clean' });
  const clean = await timed(process.execPath, [vitest, 'run'], { cwd: project, env, allowFailure: true });
  if (clean.code !== 0) throw new Error(`the naive clean run failed:\n${clean.output.slice(-2000)}`);
  const setups = readdirSync(join(dir, 'setups')).map((n) => n.replace(/\.json$/, ''));
  const mutants = Object.values(report.files).flatMap((f) => f.mutants).filter((m) => m.status === 'Killed' || m.status === 'Survived' || m.status === 'Timeout');
  let wall = 0;
  let agree = 0;
  for (const [i, m] of mutants.entries()) {
    state({ run: i + 1, mode: 'mutant', mutant: { id: m.id, apply: m.replacement, undo: '', setups } });
    const r = await timed(process.execPath, [vitest, 'run'], { cwd: project, env, allowFailure: true });
    wall += r.wall;
    if ((r.code !== 0) === (m.status !== 'Survived')) agree++;
  }
  rmSync(dir, { recursive: true, force: true });
  return { mutants: mutants.length, wall, perMutant: wall / mutants.length, agree };
}

function summarize(plainRuns, runs) {
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const report = runs[0].report;
  const all = Object.values(report.files).flatMap((f) => f.mutants);
  const byOperator = {};
  for (const m of all) {
    const row = (byOperator[m.mutatorName] ??= { mutants: 0, killed: 0, ignored: 0, other: 0 });
    row.mutants++;
    if (m.status === 'Killed') row.killed++;
    else if (m.status === 'Ignored') row.ignored++;
    else row.other++;
  }
  const mutantsRun = Number(report.config.mutantsRun);
  const wall = med(runs.map((r) => r.wall));
  const plainWall = med(plainRuns.map((r) => r.wall));
  return {
    runs: runs.length,
    plainWall,
    wall,
    wallMin: Math.min(...runs.map((r) => r.wall)),
    wallMax: Math.max(...runs.map((r) => r.wall)),
    cleanRunInside: med(runs.map((r) => Number(r.report.config.cleanRunMs) / 1000)),
    mutants: all.length,
    mutantsRun,
    killed: all.filter((m) => m.status === 'Killed').length,
    ignored: all.filter((m) => m.status === 'Ignored').length,
    perMutantMs: ((wall - plainWall) * 1000) / mutantsRun,
    byOperator,
    report,
  };
}

async function repeat(n, once) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await once());
  return out;
}

/** A command as a child process: its wall time (spawn to exit), exit code and output. */
function timed(cmd, argv, { cwd, env, allowFailure = false }) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(cmd, argv, { cwd, env: { ...process.env, NODE_OPTIONS: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => {
      const r = { code, output, wall: (performance.now() - start) / 1000 };
      if (code !== 0 && !allowFailure) reject(new Error(`${argv.slice(0, 3).join(' ')} … failed (${code}) in ${cwd}:\n${output.slice(-3000)}`));
      else resolve(r);
    });
  });
}

/** The report's section. */
export function renderMutate(m, f) {
  const e = m.posts.embedded;
  const n = m.posts.naive;
  const ratio = n.wall / e.wall;
  const L = ['## Mutation testing (`pg-rls-test mutate`)', ''];
  L.push(
    `examples/posts as a project of its own (bench/.work/posts, the installed package), ${e.mutants} mutants, ${e.mutantsRun} run (${e.ignored} waived as equivalent), medians of ${e.runs} run(s). **plain run**: one \`vitest run\` of the suite, process start to exit. **mutate**: \`pg-rls-test mutate\`, process start to exit (its own clean run included). **per-mutant overhead**: (mutate − plain run) / mutants run. **naive**: a fresh \`vitest run\` of the whole suite per mutant, the mutant applied after the cached build (as mutate applies it; editing a migration would also rebuild the cache every time); run once.`,
    '',
  );
  L.push('| backend | plain run s | mutate s (min–max) | its clean run s | mutants run | killed | per-mutant overhead ms | naive s | naive ÷ mutate |');
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [name, r] of Object.entries({ embedded: e, url: m.posts.url })) {
    const naiveCells = name === 'embedded' ? `${f(n.wall, 1)} (${f(n.perMutant)} s per mutant) | ${f(ratio, 1)}×` : ' | ';
    L.push(`| ${name} | ${f(r.plainWall)} | ${f(r.wall)} (${f(r.wallMin)}–${f(r.wallMax)}) | ${f(r.cleanRunInside)} | ${r.mutantsRun} | ${r.killed} | ${f(r.perMutantMs, 0)} | ${naiveCells} |`);
  }
  L.push('', `The naive runs agree with mutate on ${n.agree} of ${n.mutants} mutants (killed or survived).`, '');
  L.push('Mutants per operator (examples/posts):', '', '| operator | mutants | killed | ignored (equivalent) | other |', '|---|---:|---:|---:|---:|');
  for (const [op, r] of Object.entries(e.byOperator)) L.push(`| ${op} | ${r.mutants} | ${r.killed} | ${r.ignored} | ${r.other} |`);
  L.push('', '### Targets (embedded backend)', '', '| target | measured | wanted | |', '|---|---:|---:|---|');
  const met = (ok) => (ok ? 'met' : '**missed**');
  L.push(`| per-mutant overhead | ${f(e.perMutantMs, 0)} ms | ≤ ${MUTATE_TARGETS.perMutantMs} ms | ${met(e.perMutantMs <= MUTATE_TARGETS.perMutantMs)} |`);
  L.push(`| naive wall ÷ mutate wall | ${f(ratio, 1)}× | ≥ ${MUTATE_TARGETS.naiveRatio}× | ${met(ratio >= MUTATE_TARGETS.naiveRatio)} |`);
  L.push('', '### Vitest and Jest on the same suite', '');
  L.push(`test/mutate's strong suite (the same four tests in test/mutate/fixture for Vitest and test/mutate/jest for Jest), embedded, ${m.runners.vitest.mutants} mutants. Jest runs in band through \`runCLI\`, one process for the run, and reopens each test file's database per mutant.`, '');
  L.push('| runner | plain run s | mutate s (min–max) | mutants run | killed | per-mutant overhead ms |', '|---|---:|---:|---:|---:|---:|');
  for (const [name, r] of Object.entries(m.runners)) L.push(`| ${name} | ${f(r.plainWall)} | ${f(r.wall)} (${f(r.wallMin)}–${f(r.wallMax)}) | ${r.mutantsRun} | ${r.killed} | ${f(r.perMutantMs, 0)} |`);
  return L;
}
