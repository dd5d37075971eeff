/**
 * The checks, one file per class of mistake (rls, grants, roles, policies, identity, columns,
 * memberships, views, functions, auth-schema, performance), and CHECKS: all of them, in the order reports list them.
 * Rule for every check: a correct schema must not trigger it (splinter's users' main complaint
 * was lints that flag correct schemas), so each one tests the specific shape of the mistake, not
 * a loose pattern; each has a schema that triggers it and a correct look-alike that must not,
 * in test/audit/checks/<its file>.test.ts.
 */
import type { Check } from '../types.js';
import { authSchemaObjects } from './auth-schema.js';
import { accessColumnUpdatable, sensitiveColumnsExposed } from './columns.js';
import { functionSearchPathMutable, securityDefinerExposed, securityDefinerSearchPath } from './functions.js';
import {
  defaultPrivilegesMissing,
  policyWithoutGrant,
  publicGrant,
  referencesTriggerGranted,
  schemaCreateGranted,
  schemaUsageMissing,
  sequenceUsageMissing,
  tableNotGranted,
  truncateGranted,
} from './grants.js';
import {
  identityComparisonMatchesNull,
  nullIdentityDisjunct,
  ownerlessRowsOpen,
  policyUsesCustomSetting,
  policyUsesRequestHeaders,
  policyUsesUserMetadata,
} from './identity.js';
import { membershipSelfPromotion } from './memberships.js';
import { authCallPerRow, multiplePermissive } from './performance.js';
import { insertCheckIgnoresOwner, insertWithoutSelect, permissiveTrueOverrides, policyRecursion, policyAlwaysTrue, policyToPublic, tenantOredAway, updateAllowsHandover } from './policies.js';
import { commandGrantedWithoutPolicy, policyExistsRlsDisabled, rlsDisabledExposed, rlsEnabledNoPolicy } from './rls.js';
import { apiRoleBypassesRls, apiRoleMissing, apiRoleOwnsTable, loginRoleOwnsTable, neonSuperuserGrant } from './roles.js';
import { materializedViewExposed, viewWithoutSecurityInvoker } from './views.js';

export { AUTH_SCHEMA_CHECKS } from './auth-schema.js';
export { COLUMN_CHECKS } from './columns.js';
export { FUNCTION_CHECKS } from './functions.js';
export { GRANT_CHECKS } from './grants.js';
export { IDENTITY_CHECKS } from './identity.js';
export { MEMBERSHIP_CHECKS } from './memberships.js';
export { PERFORMANCE_CHECKS } from './performance.js';
export { POLICY_CHECKS } from './policies.js';
export { RLS_CHECKS } from './rls.js';
export { ROLE_CHECKS } from './roles.js';
export { VIEW_CHECKS } from './views.js';

/** Every check, in the order reports list them. */
export const CHECKS: readonly Check[] = [
  rlsDisabledExposed,
  policyExistsRlsDisabled,
  rlsEnabledNoPolicy,
  commandGrantedWithoutPolicy,
  policyWithoutGrant,
  tableNotGranted,
  schemaUsageMissing,
  sequenceUsageMissing,
  defaultPrivilegesMissing,
  neonSuperuserGrant,
  policyAlwaysTrue,
  permissiveTrueOverrides,
  tenantOredAway,
  policyToPublic,
  updateAllowsHandover,
  insertCheckIgnoresOwner,
  policyRecursion,
  accessColumnUpdatable,
  membershipSelfPromotion,
  nullIdentityDisjunct,
  identityComparisonMatchesNull,
  ownerlessRowsOpen,
  viewWithoutSecurityInvoker,
  materializedViewExposed,
  securityDefinerSearchPath,
  securityDefinerExposed,
  functionSearchPathMutable,
  publicGrant,
  sensitiveColumnsExposed,
  truncateGranted,
  referencesTriggerGranted,
  apiRoleBypassesRls,
  apiRoleOwnsTable,
  loginRoleOwnsTable,
  apiRoleMissing,
  schemaCreateGranted,
  authSchemaObjects,
  policyUsesUserMetadata,
  policyUsesRequestHeaders,
  policyUsesCustomSetting,
  insertWithoutSelect,
  authCallPerRow,
  multiplePermissive,
];
