/**
 * The Jest twin of test/mutate/fixture: a CommonJS Jest project over the built package, as
 * test/jest is, one config per suite (strong.config.cjs …), run by test/mutate/mutate.test.ts
 * through `pg-rls-test mutate --runner jest --config test/mutate/jest/<suite>.config.cjs`.
 */
module.exports = (suite) => ({
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: [`<rootDir>/${suite}.test.cjs`],
  transform: {},
  setupFilesAfterEnv: ['pg-rls-test/jest'],
  testTimeout: 120_000,
});
