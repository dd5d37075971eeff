import { exampleConfig } from '../example-config.js';

// The drizzle example alone (`npx pg-rls-test mutate` in this folder finds it).
export default exampleConfig(new URL('.', import.meta.url));
