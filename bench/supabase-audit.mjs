#!/usr/bin/env node
/**
 * npm run build && node bench/supabase-audit.mjs [--backend embedded|url] [--check]
 *
 * The audit of six real Supabase projects, and of docs-starter (a project written after Supabase's
 * documentation, which must have no error): each excerpt of test/fixtures/supabase/<project>
 * (fetched once, committed with its source and license; nothing is fetched here) is loaded with
 * preset 'supabase' (Supabase's stock grants) and audited over the schemas its config.toml
 * exposes through the Data API. Every error and warning is matched with its judgement in
 * bench/supabase-audit.judgements.json (real / debatable / false, with the reason), and the
 * table is written to bench/results/supabase-audit.md, with the totals per verdict and per check.
 * Every error's and warning's fix is tried (db.audit({ verifyFixes }): applied in a transaction
 * that is rolled back, audited again) and the table says which ones close their finding.
 *
 * A finding without a judgement is listed as "unjudged", and a judgement whose finding is gone as
 * "no longer reported": after a change to the audit, the diff of the table says what changed. The
 * file's "missed" list holds the real problems no check reports (the audit's recall target).
 * --check exits 1 when either exists (the table is out of date).
 *
 * The url backend needs PG_RLS_TEST_URL (bash .ci/postgres.sh start prints one).
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const FIXTURES = join(ROOT, 'test', 'fixtures', 'supabase');
const JUDGEMENTS = join(ROOT, 'bench', 'supabase-audit.judgements.json');
const OUT = join(ROOT, 'bench', 'results', 'supabase-audit.md');
const VERDICTS = ['real', 'debatable', 'false'];

const args = process.argv.slice(2);
const backend = args.includes('--backend') ? args[args.indexOf('--backend') + 1] : 'embedded';
const check = args.includes('--check');

main().catch((e) => {
  console.error(e);
  process.exit(2);
});

/** The `schemas = [...]` of config.toml's [api] table (a JSON-compatible array of strings). */
function exposedSchemas(configToml) {
  let section = '';
  for (const line of readFileSync(configToml, 'utf8').split('\n')) {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (header) section = header[1];
    const value = /^\s*schemas\s*=\s*(\[.*\])\s*$/.exec(line);
    if (section === 'api' && value) return JSON.parse(value[1]);
  }
  return ['public'];
}

const keyOf = (project, f) => `${project} | ${f.check} | ${f.object}`;
const cell = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');

async function main() {
  const dist = join(ROOT, 'dist', 'index.js');
  if (!existsSync(dist)) throw new Error('dist/index.js is missing: run `npm run build` first');
  const { createTestDatabase } = await import(dist);
  const { judgements, missed } = JSON.parse(readFileSync(JUDGEMENTS, 'utf8'));
  const projects = readdirSync(FIXTURES, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

  const rows = [];
  const perProject = [];
  for (const project of projects) {
    const dir = join(FIXTURES, project, 'supabase');
    const db = await createTestDatabase({ preset: 'supabase', migrations: dir, backend, ...(backend === 'url' ? { url: process.env.PG_RLS_TEST_URL } : {}) });
    try {
      const present = (await db.owner.query(`select nspname from pg_namespace`)).rows.map((r) => r.nspname);
      const schemas = exposedSchemas(join(dir, 'config.toml')).filter((s) => present.includes(s));
      const { findings } = await db.audit({ schemas, verifyFixes: ['error', 'warning'] });
      const reported = findings.filter((f) => f.level !== 'info');
      perProject.push({ project, schemas, errors: reported.filter((f) => f.level === 'error').length, warnings: reported.filter((f) => f.level === 'warning').length, info: findings.length - reported.length });
      for (const f of reported) {
        const j = judgements[keyOf(project, f)];
        const why = f.fixVerified ? '' : /^-- a starting point, not verified \((.*)\)\n/.exec(f.fix)?.[1] ?? '';
        rows.push({ project, ...f, verdict: j?.verdict ?? 'unjudged', reason: j?.reason ?? '', fixWhy: why });
      }
    } finally {
      await db.close();
    }
  }
  const seen = new Set(rows.map((r) => keyOf(r.project, r)));
  const gone = Object.keys(judgements).filter((k) => !seen.has(k));
  for (const r of rows) if (r.verdict !== 'unjudged' && !VERDICTS.includes(r.verdict)) throw new Error(`judgement of ${keyOf(r.project, r)}: verdict must be one of ${VERDICTS.join(', ')}`);

  writeFileSync(OUT, report(rows, perProject, gone, missed));
  const unjudged = rows.filter((r) => r.verdict === 'unjudged').length;
  console.log(`${rows.length} errors and warnings (${unjudged} unjudged, ${gone.length} judgements no longer reported); wrote ${OUT}`);
  if (check && (unjudged || gone.length)) process.exit(1);
}

function count(rows, pred) {
  return rows.filter(pred).length;
}

function totalsLine(rows, level) {
  const of = rows.filter((r) => r.level === level);
  return `| ${level}s | ${of.length} | ${VERDICTS.map((v) => count(of, (r) => r.verdict === v)).join(' | ')} | ${count(of, (r) => r.verdict === 'unjudged')} | ${count(of, (r) => r.fixVerified)} |`;
}

function report(rows, perProject, gone, missed) {
  const out = [];
  out.push("# The audit of six real Supabase projects (and of one written after Supabase's docs)");
  out.push('');
  out.push('Generated by `node bench/supabase-audit.mjs` (after `npm run build`) from the excerpts in');
  out.push('[test/fixtures/supabase](../../test/fixtures/supabase) and the judgements in');
  out.push('[bench/supabase-audit.judgements.json](../supabase-audit.judgements.json): each project loaded with');
  out.push("`preset: 'supabase'` (Supabase's stock grants) and audited over the schemas its `config.toml` exposes.");
  out.push('Info-level findings are counted, not listed. Verdicts: **real** (a leak or a breakage that the');
  out.push("project should fix), **debatable** (true, but a hardening or a choice the project may make on");
  out.push("purpose), **false** (not true of this schema). Targets for the audit: 0 false errors, 0 debatable");
  out.push('errors, every real leak reported. Each fix was tried (applied in a transaction that is rolled back,');
  out.push('the audit re-run): **fix** is ✓ when the finding was gone and no new error or warning stayed on its');
  out.push('table, else what happened (the audit prints such a fix as "a starting point, not verified").');
  out.push('');
  out.push(`Backend: ${backend}.`);
  out.push('');
  out.push('## Totals');
  out.push('');
  out.push('| | all | real | debatable | false | unjudged | fix verified |');
  out.push('|---|---:|---:|---:|---:|---:|---:|');
  out.push(totalsLine(rows, 'error'));
  out.push(totalsLine(rows, 'warning'));
  out.push('');
  out.push('| project | exposed schemas | errors | warnings | info |');
  out.push('|---|---|---:|---:|---:|');
  for (const p of perProject) out.push(`| ${p.project} | ${p.schemas.join(', ')} | ${p.errors} | ${p.warnings} | ${p.info} |`);
  out.push('');
  out.push('### Per check');
  out.push('');
  out.push('| check | level | all | real | debatable | false | unjudged | fix verified |');
  out.push('|---|---|---:|---:|---:|---:|---:|---:|');
  const checks = [...new Set(rows.map((r) => `${r.level}\u0000${r.check}`))].sort();
  for (const key of checks) {
    const [level, name] = key.split('\u0000');
    const of = rows.filter((r) => r.level === level && r.check === name);
    out.push(`| ${name} | ${level} | ${of.length} | ${VERDICTS.map((v) => count(of, (r) => r.verdict === v)).join(' | ')} | ${count(of, (r) => r.verdict === 'unjudged')} | ${count(of, (r) => r.fixVerified)} |`);
  }
  for (const p of perProject) {
    const of = rows.filter((r) => r.project === p.project);
    out.push('');
    out.push(`## ${p.project}`);
    out.push('');
    if (of.length === 0) {
      out.push('No error or warning.');
      continue;
    }
    out.push('| level | check | object | verdict | why | fix |');
    out.push('|---|---|---|---|---|---|');
    for (const r of of) out.push(`| ${r.level} | ${r.check} | ${cell(r.object)} | ${r.verdict} | ${cell(r.reason || r.message)} | ${r.fixVerified ? '✓' : cell(r.fixWhy)} |`);
  }
  out.push('');
  out.push('## Real problems the audit does not report');
  out.push('');
  out.push('Found by reading the excerpts; the audit should report each (recall target).');
  out.push('');
  out.push('| project | object | problem |');
  out.push('|---|---|---|');
  for (const m of missed) out.push(`| ${m.project} | ${cell(m.object)} | ${cell(m.problem)} |`);
  if (gone.length) {
    out.push('');
    out.push('## Judged, no longer reported');
    out.push('');
    for (const k of gone) out.push(`- ${cell(k)}`);
  }
  out.push('');
  return out.join('\n');
}
