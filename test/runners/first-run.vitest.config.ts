import { defineConfig } from 'vitest/config';

// A first Vitest run as a new project has it: the posts example over the built package
// ('pg-rls-test' resolves to dist/ through the package's own "exports"), Vitest's default
// timeouts (10 s per hook), and the cache folder the test gives (empty). Run by first-run.test.ts.
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['examples/posts/posts.test.ts'],
  },
});
