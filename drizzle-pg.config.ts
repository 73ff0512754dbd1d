import { defineConfig } from 'drizzle-kit';

// PostgreSQL (DATABASE_URL=postgres://…): the same store as drizzle.config.ts, in its own migrations folder.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/pg/schema.ts',
  out: './drizzle-pg',
});
