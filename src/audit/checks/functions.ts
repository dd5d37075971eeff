/** Functions: SECURITY DEFINER ones the API roles can call, and search paths left to the caller. */
import { functionChecksCaller, functionTables, functionTakesSecret } from '../expressions.js';
import type { FunctionFacts } from '../facts.js';
import type { Check } from '../types.js';
import { fnObject, fnSql, list, roleList, finding, routinesOf } from './_helpers.js';

/** SECURITY DEFINER functions of the audited schemas that can be called (trigger functions cannot, but as triggers). */
const definers = (fs: FunctionFacts[]): FunctionFacts[] => fs.filter((f) => f.securityDefiner && f.audited && !f.returnsTrigger);

export const securityDefinerSearchPath: Check = {
  id: 'security_definer_search_path_mutable',
  level: 'error',
  title: 'SECURITY DEFINER function without a fixed search_path, executable by API roles',
  description: 'A SECURITY DEFINER function runs with its owner\'s rights and bypasses RLS; without a pinned search_path, names in its body resolve through the caller\'s search_path, which the caller may point at objects of their own.',
  run(ctx) {
    return definers(ctx.facts.functions)
      .filter((f) => f.searchPath === null && f.executableBy.length > 0)
      .map((f) =>
        finding(this, {
          object: fnObject(f),
          message: `SECURITY DEFINER function ${fnObject(f)} runs as ${f.owner}, is executable by ${list(f.executableBy)} (/rpc/${f.name}) and does not fix its search_path`,
          fix: `ALTER FUNCTION ${fnSql(f)} SET search_path = '';`,
        }),
      );
  },
};

export const securityDefinerExposed: Check = {
  id: 'security_definer_exposed',
  level: 'warning',
  title: 'SECURITY DEFINER function that ignores its caller, executable by API roles',
  description: 'A SECURITY DEFINER function with a fixed search_path that never looks at who calls it (no auth.*(), current_user, JWT claims, in its body or in a helper it calls) lets every API role act with its owner\'s rights; the default EXECUTE to PUBLIC lets the anonymous role call it through /rpc too. An error when it reads or writes tables with row level security (their policies do not apply to its owner), a warning otherwise. Helpers that check the caller are the legitimate pattern and are not reported, nor are lookups by a secret the caller passes (`WHERE token = p_token`: an invitation).',
  run(ctx) {
    const rs = routinesOf(ctx);
    return definers(ctx.facts.functions)
      .filter((f) => f.searchPath !== null && f.executableBy.length > 0 && functionChecksCaller(f, rs) === false && !functionTakesSecret(f, rs))
      .map((f) => {
        const t = functionTables(f, rs);
        const writes = [...(t?.writes ?? [])].filter((x) => rs.rlsTables.has(x)).sort();
        const reads = [...(t?.reads ?? [])].filter((x) => rs.rlsTables.has(x) && !writes.includes(x)).sort();
        const fix = `REVOKE EXECUTE ON FUNCTION ${fnSql(f)} FROM PUBLIC, ${roleList(f.executableBy)};`;
        if (!writes.length && !reads.length) {
          return finding(this, {
            object: fnObject(f),
            message: `SECURITY DEFINER function ${fnObject(f)} runs as ${f.owner} for ${list(f.executableBy)} (/rpc/${f.name}) without looking at who calls it: check the caller inside, or revoke EXECUTE`,
            fix,
          });
        }
        const does = [...(writes.length ? [`writes ${list(writes)}`] : []), ...(reads.length ? [`reads ${list(reads)}`] : [])];
        return finding(this, {
          level: 'error',
          object: fnObject(f),
          message: `SECURITY DEFINER function ${fnObject(f)} runs as ${f.owner} for ${list(f.executableBy)}${f.publicExecute ? ' (EXECUTE is granted to PUBLIC, the default)' : ''} through /rpc/${f.name}, and ${list(does)} without looking at who calls it: the row level security of ${writes.length + reads.length > 1 ? 'those tables' : 'that table'} does not apply to its owner, so every caller gets every row; check the caller inside, or revoke EXECUTE`,
          fix,
        });
      });
  },
};

export const functionSearchPathMutable: Check = {
  id: 'function_search_path_mutable',
  level: 'info',
  title: 'Function without a fixed search_path',
  description: 'A function of an exposed schema that does not pin its search_path resolves the names in its body through the caller\'s search_path (splinter\'s function_search_path_mutable). Hardening for functions that run with the caller\'s rights; SECURITY DEFINER ones are an error of their own (security_definer_search_path_mutable).',
  run(ctx) {
    return ctx.facts.functions
      .filter((f) => f.audited && !f.securityDefiner && f.searchPath === null && (f.language === 'sql' || f.language === 'plpgsql') && f.schema !== 'auth')
      .map((f) =>
        finding(this, {
          object: fnObject(f),
          message: `function ${fnObject(f)} does not fix its search_path: the names in its body resolve through the search_path of whoever calls it; pin it (and qualify the names it uses)`,
          fix: `ALTER FUNCTION ${fnSql(f)} SET search_path = '';`,
        }),
      );
  },
};

/** This file's checks (the report order is CHECKS', in ./index.ts). */
export const FUNCTION_CHECKS: readonly Check[] = [securityDefinerSearchPath, securityDefinerExposed, functionSearchPathMutable];
