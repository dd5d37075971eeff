export { Clock } from './clock.js';
export { loadTrustedJwks, isJwks } from './trusted.js';
export { subjectFor } from './subject.js';
export { createSigningKey, SIGNING_ALGS, type SigningAlg, type SigningKey, type Jwks } from './keys.js';
export { signClaims, durationSeconds, type Claims } from './mint.js';
export { validateToken, checkClaims, LEEWAY_SECONDS, NOT_A_JWT, type ValidationOptions } from './validate.js';
export { Issuer, TOKEN_LIFETIME_SECONDS, SUPABASE_APP_METADATA, type IssuerOptions, type MintOptions, type ClaimsShape, type UserProfile } from './issuer.js';
