/** SECURITY DEFINER functions the API roles can call. */
import { functionChecksCaller } from '../expressions.js';
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
  description: 'A SECURITY DEFINER function with a fixed search_path that never looks at who calls it (no auth.*(), current_user, JWT claims) lets every API role act with its owner\'s rights. Helpers that check the caller are the legitimate pattern and are not reported.',
  run(ctx) {
    return definers(ctx.facts.functions)
      .filter((f) => f.searchPath !== null && f.executableBy.length > 0 && functionChecksCaller(f, routinesOf(ctx)) === false)
      .map((f) =>
        finding(this, {
          object: fnObject(f),
          message: `SECURITY DEFINER function ${fnObject(f)} runs as ${f.owner} for ${list(f.executableBy)} (/rpc/${f.name}) without looking at who calls it: check the caller inside, or revoke EXECUTE`,
          fix: `REVOKE EXECUTE ON FUNCTION ${fnSql(f)} FROM PUBLIC, ${roleList(f.executableBy)};`,
        }),
      );
  },
};

/** This file's checks (the report order is CHECKS', in ./index.ts). */
export const FUNCTION_CHECKS: readonly Check[] = [securityDefinerSearchPath, securityDefinerExposed];
