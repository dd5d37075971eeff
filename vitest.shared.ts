import { fileURLToPath } from 'node:url';

// Examples import the package by name, as users do; inside this repo that name points at the source.
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export const packageAlias = [
  { find: /^pg-rls-test\/vitest$/, replacement: here('./matchers/vitest.ts') },
  { find: /^pg-rls-test\/jest$/, replacement: here('./matchers/jest.ts') },
  { find: /^pg-rls-test\/matchers$/, replacement: here('./matchers/index.ts') },
  { find: /^pg-rls-test$/, replacement: here('./src/index.ts') },
];

export const root = here('.');
