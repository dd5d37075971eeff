/** The owner condition that fix SQL in messages uses: the preset's identity function and the table's owner column. */
import { loadParser, ownerCondition, type Engine, type TableInfo } from '../src/internal.js';

/**
 * `(SELECT auth.user_id()) = "user_id"` (Supabase: `(SELECT auth.uid()) = "user_id"`), written as
 * the audit writes it (src/sql/owner.ts); undefined when no column looks like the owner.
 */
export async function ownerConditionFor(engine: Engine, table: TableInfo, column?: string): Promise<string | undefined> {
  await loadParser();
  return ownerCondition(await engine.catalog.columnsOf(table), { identity: engine.preset.identity, column });
}
