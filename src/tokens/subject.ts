import { createHash } from 'node:crypto';

// A fixed namespace so that a user's `sub` is the same in every run and on every backend.
const NAMESPACE = Buffer.from('6f0c8d2e4b1a4c7e9a3d5f8e2b7c1d40', 'hex');

/** A name-based (version 5) UUID: `subjectFor('alice')` is stable across runs. */
export function subjectFor(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
