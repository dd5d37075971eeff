import { exampleConfig } from '../example-config.js';

// The multi-tenant example alone (`npx pg-rls-test mutate` in this folder finds it).
export default exampleConfig(new URL('.', import.meta.url));
