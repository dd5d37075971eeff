/**
 * What a SARIF log must be for GitHub code scanning to take it: valid against the SARIF 2.1.0
 * JSON schema (2.1.0-rtm.5, the copy the devDependency @microsoft/jest-sarif ships: nothing is
 * fetched at test time), and within the rules code scanning adds on upload, where one result that
 * breaks them rejects the whole file ("locationFromSarifResult: expected artifact location"):
 * every result has a ruleId, a message.text and a first location with a physicalLocation whose
 * artifactLocation.uri is relative to the repository's root and whose region.startLine is >= 1.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import AjvModule from 'ajv';

const require = createRequire(import.meta.url);
// draft-04: its "$schema" and "id" are dropped for Ajv 8, which reads the rest (local $refs, no draft-04-only keywords) alike
const { $schema: _draft, id: _id, ...schema } = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as Record<string, unknown>;
const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule;
type Validator = ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };
// formats (uri, date-time) are not checked (Ajv needs ajv-formats; the uri rules are below); the
// schema's language pattern ("^[a-zA-Z]{2}|...]?$") is no valid regular expression with the u flag
const validate = new (Ajv as unknown as new (o: object) => { compile(s: object): Validator })({ allErrors: true, strict: false, validateFormats: false, unicodeRegExp: false }).compile(schema);

type J = Record<string, unknown>;
const isObj = (v: unknown): v is J => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The schema's violations, as `path: message`. */
export function schemaErrors(log: unknown): string[] {
  return validate(log) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '$'}: ${e.message ?? 'invalid'}`);
}

/** What code scanning would reject, as `runs[i].results[j]...: what is wrong`. */
export function codeScanningErrors(log: unknown): string[] {
  const errs: string[] = [];
  if (!isObj(log) || !Array.isArray(log.runs)) return ['$: no runs'];
  log.runs.forEach((run: unknown, ri) => {
    const rules = isObj(run) && isObj(run.tool) && isObj(run.tool.driver) && Array.isArray(run.tool.driver.rules) ? (run.tool.driver.rules as J[]) : [];
    const results = isObj(run) && Array.isArray(run.results) ? (run.results as unknown[]) : [];
    results.forEach((res, i) => {
      const at = `runs[${ri}].results[${i}]`;
      const need = (ok: boolean, what: string) => {
        if (!ok) errs.push(`${at}${what}`);
      };
      if (!isObj(res)) return need(false, ': not an object');
      need(typeof res.ruleId === 'string' && res.ruleId !== '', '.ruleId: a non-empty string');
      need(rules.some((r) => r.id === res.ruleId), `.ruleId: ${String(res.ruleId)} is no rule of the driver`);
      need(res.ruleIndex === undefined || rules[res.ruleIndex as number]?.id === res.ruleId, '.ruleIndex: must point at the rule named by ruleId');
      need(isObj(res.message) && typeof res.message.text === 'string' && res.message.text !== '', '.message.text: a non-empty string');
      const locations = Array.isArray(res.locations) ? (res.locations as unknown[]) : [];
      need(locations.length >= 1 && locations.length <= 10, '.locations: 1 to 10 locations');
      const first = locations[0];
      const physical = isObj(first) && isObj(first.physicalLocation) ? first.physicalLocation : undefined;
      need(physical !== undefined, '.locations[0].physicalLocation: required');
      if (!physical) return;
      const uri = isObj(physical.artifactLocation) ? physical.artifactLocation.uri : undefined;
      need(typeof uri === 'string' && uri !== '', '.locations[0].physicalLocation.artifactLocation.uri: a non-empty string');
      if (typeof uri === 'string') need(!/^[a-z][a-z0-9+.-]*:/i.test(uri) && !uri.startsWith('/'), `.locations[0].physicalLocation.artifactLocation.uri: relative to the repository's root, got ${uri}`);
      const region = isObj(physical.region) ? physical.region : undefined;
      need(Number.isInteger(region?.startLine) && (region!.startLine as number) >= 1, '.locations[0].physicalLocation.region.startLine: an integer >= 1');
      if (region?.endLine !== undefined) need((region.endLine as number) >= (region.startLine as number), '.locations[0].physicalLocation.region.endLine: >= startLine');
    });
  });
  return errs;
}

/** Both: empty when GitHub code scanning would accept the log. */
export function sarifProblems(log: unknown): string[] {
  return [...schemaErrors(log), ...codeScanningErrors(log)];
}
