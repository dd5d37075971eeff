/**
 * What every copy of pg-rls-test loaded in one process shares. Jest loads a setup file with
 * require() and ES-module test files with import: two copies of the library in one test, each
 * with its own classes and module state. The matchers come from one copy and the references a
 * test passes them (db.rows(), users, errors) from the other, so identity and registries go
 * through the global symbol registry (Symbol.for), which every copy and every realm shares.
 */

const BRAND = Symbol.for('pg-rls-test.brand');

/**
 * Makes `instanceof cls` recognise instances made by any copy's `cls`: instances carry the
 * Symbol.for mark of `name` (through the prototype, so subclasses inherit it), and `instanceof`
 * checks the mark. A subclass that is not branded itself gets the ordinary `instanceof`.
 */
export function brand(cls: abstract new (...args: never[]) => unknown, name: string): void {
  const mark = Symbol.for(`pg-rls-test.${name}`);
  Object.defineProperty(cls.prototype, mark, { value: true });
  Object.defineProperty(cls, BRAND, { value: mark });
  Object.defineProperty(cls, Symbol.hasInstance, {
    value(this: object, value: unknown): boolean {
      const own = Object.hasOwn(this, BRAND) ? (this as Record<symbol, symbol>)[BRAND] : undefined;
      if (own === undefined) return Function.prototype[Symbol.hasInstance].call(this, value);
      return (typeof value === 'object' || typeof value === 'function') && value !== null && (value as Record<symbol, unknown>)[own] === true;
    },
  });
}

/** One value per process under `name`, created by whichever copy asks first. */
export function processWide<T>(name: string, create: () => T): T {
  const registry = globalThis as unknown as Record<symbol, T | undefined>;
  const key = Symbol.for(`pg-rls-test.${name}`);
  return (registry[key] ??= create());
}
