/**
 * The parts of the SARIF 2.1.0 schema (OASIS, sarif-schema-2.1.0.json) that code-scanning
 * uploads rely on, checked by hand: the required properties and enumerations of sarifLog, run,
 * tool/toolComponent, reportingDescriptor, result, message, location and logicalLocation.
 * Returns the violations as JSON paths with what is wrong (empty when valid).
 */
type J = Record<string, unknown>;

const isObj = (v: unknown): v is J => typeof v === 'object' && v !== null && !Array.isArray(v);

export function validateSarif(log: unknown): string[] {
  const errs: string[] = [];
  const need = (cond: boolean, path: string, what: string) => {
    if (!cond) errs.push(`${path}: ${what}`);
  };
  const message = (m: unknown, path: string) => {
    need(isObj(m) && (typeof m.text === 'string' || typeof m.id === 'string'), path, 'a message needs text or id');
  };
  if (!isObj(log)) return ['$: not an object'];
  need(log.version === '2.1.0', '$.version', 'must be "2.1.0"');
  need(log.$schema === undefined || typeof log.$schema === 'string', '$.$schema', 'must be a URI string');
  need(Array.isArray(log.runs), '$.runs', 'required array');
  (Array.isArray(log.runs) ? log.runs : []).forEach((run: unknown, ri: number) => {
    const rp = `$.runs[${ri}]`;
    if (!isObj(run)) return errs.push(`${rp}: not an object`);
    const driver = isObj(run.tool) ? run.tool.driver : undefined;
    need(isObj(driver), `${rp}.tool.driver`, 'required object');
    if (!isObj(driver)) return;
    need(typeof driver.name === 'string' && driver.name !== '', `${rp}.tool.driver.name`, 'required string');
    const rules = Array.isArray(driver.rules) ? (driver.rules as unknown[]) : [];
    const ids = new Set<string>();
    rules.forEach((rule, i) => {
      const p = `${rp}.tool.driver.rules[${i}]`;
      if (!isObj(rule)) return errs.push(`${p}: not an object`);
      need(typeof rule.id === 'string', `${p}.id`, 'required string');
      need(!ids.has(rule.id as string), `${p}.id`, 'rule ids must be unique');
      ids.add(rule.id as string);
      for (const k of ['shortDescription', 'fullDescription', 'help'] as const) if (rule[k] !== undefined) message(rule[k], `${p}.${k}`);
      const level = isObj(rule.defaultConfiguration) ? rule.defaultConfiguration.level : undefined;
      need(level === undefined || ['none', 'note', 'warning', 'error'].includes(level as string), `${p}.defaultConfiguration.level`, 'none|note|warning|error');
    });
    need(run.results === undefined || Array.isArray(run.results), `${rp}.results`, 'must be an array');
    ((run.results as unknown[]) ?? []).forEach((res, i) => {
      const p = `${rp}.results[${i}]`;
      if (!isObj(res)) return errs.push(`${p}: not an object`);
      message(res.message, `${p}.message`);
      need(typeof res.ruleId === 'string', `${p}.ruleId`, 'string (code scanning needs it)');
      if (res.ruleIndex !== undefined) {
        need(Number.isInteger(res.ruleIndex) && (res.ruleIndex as number) >= -1, `${p}.ruleIndex`, 'integer >= -1');
        need((res.ruleIndex as number) < 0 || (rules[res.ruleIndex as number] as J | undefined)?.id === res.ruleId, `${p}.ruleIndex`, 'must point at the rule named by ruleId');
      }
      need(res.level === undefined || ['none', 'note', 'warning', 'error'].includes(res.level as string), `${p}.level`, 'none|note|warning|error');
      need(Array.isArray(res.locations), `${p}.locations`, 'array');
      ((res.locations as unknown[]) ?? []).forEach((loc, li) => {
        const lp = `${p}.locations[${li}]`;
        need(isObj(loc), lp, 'object');
        if (!isObj(loc)) return;
        need(loc.physicalLocation !== undefined || Array.isArray(loc.logicalLocations), lp, 'needs a physical or logical location');
        ((loc.logicalLocations as unknown[]) ?? []).forEach((ll, lli) => {
          need(isObj(ll) && (typeof ll.name === 'string' || typeof ll.fullyQualifiedName === 'string'), `${lp}.logicalLocations[${lli}]`, 'needs name or fullyQualifiedName');
        });
      });
      if (res.suppressions !== undefined) {
        need(Array.isArray(res.suppressions), `${p}.suppressions`, 'array');
        ((res.suppressions as unknown[]) ?? []).forEach((s, si) => {
          need(isObj(s) && ['inSource', 'external'].includes(s.kind as string), `${p}.suppressions[${si}].kind`, 'inSource|external');
          need(!isObj(s) || s.status === undefined || ['accepted', 'underReview', 'rejected'].includes(s.status as string), `${p}.suppressions[${si}].status`, 'accepted|underReview|rejected');
        });
      }
      if (res.partialFingerprints !== undefined) {
        need(isObj(res.partialFingerprints) && Object.values(res.partialFingerprints).every((v) => typeof v === 'string'), `${p}.partialFingerprints`, 'string values');
      }
    });
  });
  return errs;
}
