/**
 * A real Jest project over the built package (dist/), configured as a user's would be:
 * `setupFilesAfterEnv: ['pg-rls-test/jest']`, CommonJS tests, no transform, no flags. Inside this
 * repository 'pg-rls-test' resolves to itself through its package.json "exports" (the
 * "require" condition: dist/*.cjs). Run by test/runners/jest.test.ts; on its own:
 *   npm run build && npx jest -c test/jest/jest.config.cjs
 */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  // PGRLS_JEST_FAILING=<name>: only fixtures/<name>.fail.test.cjs, a suite meant to fail
  testMatch: [process.env.PGRLS_JEST_FAILING ? `<rootDir>/fixtures/${process.env.PGRLS_JEST_FAILING}.fail.test.cjs` : '<rootDir>/*.test.cjs'],
  transform: {},
  setupFilesAfterEnv: ['pg-rls-test/jest'],
  // PGRLS_JEST_DEFAULT_TIMEOUTS=1: Jest's own 5 s, as a new project has (the first-run test)
  ...(process.env.PGRLS_JEST_DEFAULT_TIMEOUTS ? {} : { testTimeout: 60_000 }),
};
