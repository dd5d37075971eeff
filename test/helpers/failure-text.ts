import { stripVTControlCharacters } from 'node:util';

/** Awaits an assertion that must fail and returns its message without colours. */
export async function failureText(assertion: PromiseLike<unknown>): Promise<string> {
  try {
    await assertion;
  } catch (e) {
    return stripVTControlCharacters((e as Error).message);
  }
  throw new Error('expected the assertion to fail, but it passed');
}
