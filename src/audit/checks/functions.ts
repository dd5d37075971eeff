/** Functions: SECURITY DEFINER ones the API roles can call, ranked by what they do, and search paths left to the caller. */
import { calledFunctions } from '../../sql/parse.js';
import { expr, functionChecksCaller, functionPowers, functionTables, functionTakesSecret, unqualifiedSchemas } from '../expressions.js';
import type { FunctionFacts } from '../facts.js';
import type { Check, CheckContext } from '../types.js';
import { fnObject, fnSql, list, nameOf, roleList, finding, routinesOf } from './_helpers.js';
import { ident } from '../../sql/index.js';

/** SECURITY DEFINER functions of the audited schemas that can be called (trigger functions cannot, but as triggers). */
const definers = (fs: FunctionFacts[]): FunctionFacts[] => fs.filter((f) => f.securityDefiner && f.audited && !f.returnsTrigger);

/** What a SECURITY DEFINER function does with its owner's rights, and whether it looks at its caller. */
interface Effects {
  /** tables it writes (INSERT, UPDATE, DELETE, MERGE), in any schema */
  writes: string[];
  /** tables with row level security it reads and does not write */
  rlsReads: string[];
  /** credentials it holds, requests it sends */
  powers: string[];
  /** it answers yes or no (returns boolean): it gives out no row */
  answersOnly: boolean;
  /** it looks at who calls it (auth.*(), current_user, claims), or looks rows up by a secret the caller passes */
  checksCaller: boolean;
}

function effectsOf(ctx: CheckContext, f: FunctionFacts): Effects {
  const rs = routinesOf(ctx);
  const t = functionTables(f, rs);
  const writes = [...(t?.writes ?? [])].sort();
  return {
    writes,
    rlsReads: [...(t?.reads ?? [])].filter((x) => rs.rlsTables.has(x) && !writes.includes(x)).sort(),
    powers: functionPowers(f, rs),
    answersOnly: f.returns === 'boolean',
    // unreadable bodies count as checking: a missed finding rather than a false one
    checksCaller: functionChecksCaller(f, rs) !== false || functionTakesSecret(f, rs),
  };
}

/** "writes public.x, holds a service_role key and sends HTTP requests" */
function doing(e: Effects): string[] {
  return [...(e.writes.length ? [`writes ${list(e.writes)}`] : []), ...e.powers];
}

/** Functions that policies of the audited tables call: helpers the roles of those policies must be able to execute. */
function policyHelpers(ctx: CheckContext): Set<string> {
  const rs = routinesOf(ctx);
  const out = new Set<string>();
  for (const r of ctx.facts.relations) {
    for (const p of r.policies) {
      for (const name of [...calledFunctions(expr(p.using)), ...calledFunctions(expr(p.check))]) {
        const f = rs.resolve(name);
        if (f) out.add(fnObject(f));
      }
    }
  }
  return out;
}

/** `ALTER FUNCTION … SET search_path = …`: empty when every name in the body is qualified, else the schemas its names resolve to now, pg_temp last. */
function pinSearchPath(ctx: CheckContext, f: FunctionFacts): string {
  const relations = new Set(ctx.facts.relations.map(nameOf));
  const schemas = unqualifiedSchemas(f, routinesOf(ctx), relations);
  return `ALTER FUNCTION ${fnSql(f)} SET search_path = ${schemas.length ? `${schemas.map(ident).join(', ')}, pg_temp` : "''"};`;
}

const revokeExecute = (f: FunctionFacts): string => `REVOKE EXECUTE ON FUNCTION ${fnSql(f)} FROM PUBLIC, ${roleList(f.executableBy)};`;

export const securityDefinerSearchPath: Check = {
  id: 'security_definer_search_path_mutable',
  level: 'error',
  title: 'SECURITY DEFINER function without a fixed search_path, executable by API roles',
  description: 'A SECURITY DEFINER function runs with its owner\'s rights and bypasses RLS; without a pinned search_path, names in its body resolve through the caller\'s search_path, which a caller that can set it and create objects may point at objects of their own. An error when the function writes tables, holds credentials (a service_role key, the Vault\'s secrets) or sends HTTP requests; a warning when it only reads (the Data API sets the search_path itself, so this is hardening). The fix pins the schemas its unqualified names resolve to now (or an empty search_path when every name is qualified), and revokes EXECUTE from the API roles too when the function does something without looking at its caller.',
  run(ctx) {
    return definers(ctx.facts.functions)
      .filter((f) => f.searchPath === null && f.executableBy.length > 0)
      .map((f) => {
        const e = effectsOf(ctx, f);
        const does = doing(e);
        const open = !e.checksCaller && does.length > 0;
        return finding(this, {
          level: does.length ? 'error' : 'warning',
          object: fnObject(f),
          message: `SECURITY DEFINER function ${fnObject(f)} runs as ${f.owner}, is executable by ${list(f.executableBy)} (/rpc/${f.name}) and does not fix its search_path${
            does.length ? `; it ${list(does)}${open ? ' without looking at who calls it: revoke EXECUTE from the API roles too' : ''}` : ' (it only reads)'
          }`,
          fix: `${open ? `${revokeExecute(f)}\n` : ''}${pinSearchPath(ctx, f)}`,
        });
      });
  },
};

export const securityDefinerExposed: Check = {
  id: 'security_definer_exposed',
  level: 'warning',
  title: 'SECURITY DEFINER function that ignores its caller, executable by API roles',
  description: 'A SECURITY DEFINER function with a fixed search_path that never looks at who calls it (no auth.*(), current_user, JWT claims, in its body or in a helper it calls) lets every API role act with its owner\'s rights; the default EXECUTE to PUBLIC lets the anonymous role call it through /rpc too. Ranked by what it does: an error when it writes tables, holds credentials (a service_role key, the Vault\'s secrets), sends HTTP requests, or returns what it reads from tables with row level security (their policies do not apply to its owner); a warning otherwise (it answers yes or no, or touches no such table). Helpers that check the caller are the legitimate pattern and are not reported, nor are lookups by a secret the caller passes (`WHERE token = p_token`: an invitation), nor yes/no helpers that only read and that policies call (their roles must be able to execute them).',
  run(ctx) {
    const helpers = policyHelpers(ctx);
    return definers(ctx.facts.functions)
      .filter((f) => f.searchPath !== null && f.executableBy.length > 0)
      .flatMap((f) => {
        const e = effectsOf(ctx, f);
        if (e.checksCaller) return [];
        const does = [...doing(e), ...(e.rlsReads.length ? [`reads ${list(e.rlsReads)}`] : [])];
        const serious = e.writes.length > 0 || e.powers.length > 0 || (e.rlsReads.length > 0 && !e.answersOnly);
        if (!serious && e.answersOnly && helpers.has(fnObject(f))) return [];
        const via = `${f.publicExecute ? ' (EXECUTE is granted to PUBLIC, the default)' : ''} through /rpc/${f.name}`;
        return [
          finding(this, {
            level: serious ? 'error' : 'warning',
            object: fnObject(f),
            message: does.length
              ? `SECURITY DEFINER function ${fnObject(f)} runs as ${f.owner} for ${list(f.executableBy)}${via}, and ${list(does)} without looking at who calls it${
                  e.writes.length || (e.rlsReads.length && !e.answersOnly)
                    ? ': the row level security of the tables it touches does not apply to its owner'
                    : e.rlsReads.length
                      ? ' (it answers yes or no: whether such rows exist)'
                      : ''
                }; check the caller inside, or revoke EXECUTE`
              : `SECURITY DEFINER function ${fnObject(f)} runs as ${f.owner} for ${list(f.executableBy)}${via} without looking at who calls it: check the caller inside, or revoke EXECUTE`,
            fix: revokeExecute(f),
          }),
        ];
      });
  },
};

export const functionSearchPathMutable: Check = {
  id: 'function_search_path_mutable',
  level: 'info',
  title: 'Function without a fixed search_path',
  description: 'A function of an exposed schema that does not pin its search_path resolves the names in its body through the caller\'s search_path (splinter\'s function_search_path_mutable). Hardening for functions that run with the caller\'s rights; SECURITY DEFINER ones are a check of their own (security_definer_search_path_mutable).',
  run(ctx) {
    return ctx.facts.functions
      .filter((f) => f.audited && !f.securityDefiner && f.searchPath === null && (f.language === 'sql' || f.language === 'plpgsql') && f.schema !== 'auth')
      .map((f) =>
        finding(this, {
          object: fnObject(f),
          message: `function ${fnObject(f)} does not fix its search_path: the names in its body resolve through the search_path of whoever calls it; pin it (and qualify the names it uses)`,
          fix: pinSearchPath(ctx, f),
        }),
      );
  },
};

/** This file's checks (the report order is CHECKS', in ./index.ts). */
export const FUNCTION_CHECKS: readonly Check[] = [securityDefinerSearchPath, securityDefinerExposed, functionSearchPathMutable];
