// drizzle-kit generate (no database needed): writes the migration SQL under ./drizzle
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './examples/drizzle/schema.ts',
  out: './examples/drizzle/drizzle',
  entities: { roles: { provider: 'neon' } },
});
