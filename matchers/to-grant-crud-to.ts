import type { MatcherContext, MatcherResult } from './_context.js';
import { failure, list } from './_format.js';
import { asTable, roleArgument } from './_subjects.js';
import { crudFacts } from '../src/internal.js';
import { ENGINE } from '../src/internal.js';
import { ident, qualified } from '../src/internal.js';

const CRUD = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];

/**
 * Passes when the role can SELECT, INSERT, UPDATE and DELETE the table (through membership and
 * PUBLIC too), has USAGE on its schema, and USAGE on the sequences its inserts call (serial /
 * nextval() defaults; identity columns need none).
 */
export async function toGrantCrudTo(this: MatcherContext, received: unknown, role: unknown): Promise<MatcherResult> {
  const ref = asTable(received, 'toGrantCrudTo');
  const roleName = roleArgument(role, 'toGrantCrudTo');
  const engine = ref[ENGINE];
  const t = await ref.info();
  await engine.catalog.role(roleName);
  const f = await engine.catalog.memo(`crud:${t.oid}:${roleName}`, (c) => crudFacts(c, roleName, t.oid));
  const missingTable = CRUD.filter((p) => !f.table.has(p));
  const missingSeqs = f.sequences.filter((s) => !s.usage);
  const pass = missingTable.length === 0 && f.schemaUsage && missingSeqs.length === 0;
  const name = qualified(t.schema, t.name);
  const r = ident(roleName);
  return {
    pass,
    message: () => {
      const missing = [
        ...(missingTable.length ? [`${missingTable.join(', ')} on ${t.qualifiedName}`] : []),
        ...(f.schemaUsage ? [] : [`USAGE on schema ${t.schema}`]),
        ...missingSeqs.map((s) => `USAGE on sequence ${s.name} (its inserts call nextval)`),
      ];
      const fromDefaults = f.defaultGrantors.filter((d) => d.grantor !== t.owner && missingTable.some((p) => d.privileges.includes(p)));
      return failure(this, 'toGrantCrudTo', 'table', `'${roleName}'`, {
        expected: this.isNot
          ? `${roleName} not to have all of SELECT, INSERT, UPDATE, DELETE on ${t.qualifiedName} (with schema and sequence USAGE)`
          : `${roleName} to have SELECT, INSERT, UPDATE, DELETE on ${t.qualifiedName}, USAGE on schema ${t.schema}${f.sequences.length ? ` and on ${list(f.sequences.map((s) => s.name))}` : ''}`,
        received: pass ? 'all of them' : `missing ${list(missing)}`,
        why: [
          ...fromDefaults.map(
            (d) => `Default privileges of ${d.grantor} would have granted ${d.privileges.filter((p) => missingTable.includes(p)).join(', ')}, but ${t.qualifiedName} was created by ${t.owner}: default privileges apply only to objects their role creates.`,
          ),
          ...(!pass && missingTable.length ? ['Without these grants the Data API answers 42501 "permission denied for table".'] : []),
        ],
        fix: this.isNot
          ? `REVOKE SELECT, INSERT, UPDATE, DELETE ON ${name} FROM ${r};`
          : [
              ...(missingTable.length ? [`GRANT ${missingTable.join(', ')} ON ${name} TO ${r};`] : []),
              ...(f.schemaUsage ? [] : [`GRANT USAGE ON SCHEMA ${ident(t.schema)} TO ${r};`]),
              ...missingSeqs.map((s) => {
                const [sch, seq] = [s.name.slice(0, s.name.indexOf('.')), s.name.slice(s.name.indexOf('.') + 1)];
                return `GRANT USAGE ON SEQUENCE ${qualified(sch, seq)} TO ${r};`;
              }),
            ],
      });
    },
  };
}
