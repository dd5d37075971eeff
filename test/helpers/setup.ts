// Every test file gets the matchers, as a user's `setupFiles: ['pg-rls-test/vitest']` would.
import '../../matchers/vitest.js';
