/** Views and materialized views that read RLS tables with their owner's rights. */
import type { Check } from '../types.js';
import { nameOf, sqlName, list, roleList, apiRoles, privs, schemaUsage, exposedTo, finding } from './_helpers.js';

export const viewWithoutSecurityInvoker: Check = {
  id: 'view_without_security_invoker',
  level: 'error',
  title: 'View over RLS tables runs with its owner\'s rights',
  description: 'A view reads its tables with its owner\'s rights unless security_invoker = true: when the owner bypasses RLS (the tables\' owner, a superuser, BYPASSRLS), every API role that may read the view reads every row.',
  run(ctx) {
    return ctx.facts.relations
      .filter((r) => r.kind === 'v' && !r.securityInvoker && r.rlsDependencies.length > 0)
      .flatMap((r) => {
        const who = exposedTo(ctx, r).filter((role) => privs(r, role).includes('SELECT'));
        if (!who.length) return [];
        const bypassed = r.rlsDependencies.filter((d) => d.ownerBypasses).map((d) => d.name);
        return [
          finding(this, {
            level: bypassed.length ? 'error' : 'warning',
            object: nameOf(r),
            table: nameOf(r),
            message: bypassed.length
              ? `view ${nameOf(r)} reads ${list(bypassed)} with the rights of its owner ${r.owner}, who bypasses their row level security: ${list(who)} read every row through it`
              : `view ${nameOf(r)} reads ${list(r.rlsDependencies.map((d) => d.name))} with the rights of its owner ${r.owner}: the policies are checked for ${r.owner}, not for the requester's role`,
            fix: `ALTER VIEW ${sqlName(r)} SET (security_invoker = true);`,
          }),
        ];
      });
  },
};

export const materializedViewExposed: Check = {
  id: 'materialized_view_exposed',
  level: 'error',
  title: 'Materialized view of RLS tables readable by API roles',
  description: 'A materialized view stores the rows its owner could read and has no row level security of its own: API roles that may read it see every stored row.',
  run(ctx) {
    return ctx.facts.relations
      .filter((r) => r.kind === 'm' && r.rlsDependencies.length > 0)
      .flatMap((r) => {
        const who = apiRoles(ctx).filter((role) => schemaUsage(ctx, r.schema, role) && privs(r, role).includes('SELECT'));
        if (!who.length) return [];
        return [
          finding(this, {
            object: nameOf(r),
            table: nameOf(r),
            message: `materialized view ${nameOf(r)} stores rows of ${list(r.rlsDependencies.map((d) => d.name))}, which have row level security, but has none itself: ${list(who)} read every stored row`,
            fix: `REVOKE SELECT ON ${sqlName(r)} FROM ${roleList(who)};`,
          }),
        ];
      });
  },
};

/** This file's checks (the report order is CHECKS', in ./index.ts). */
export const VIEW_CHECKS: readonly Check[] = [viewWithoutSecurityInvoker, materializedViewExposed];
