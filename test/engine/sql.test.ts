import pg from 'pg';
import { expect, test } from 'vitest';
import { literal } from '../../src/sql/index.js';

test('literal() writes exactly what the driver would for text: quotes, backslashes, unicode, JSON', () => {
  for (const text of ['', 'plain', "it's", 'back\\slash', "both ' and \\", 'ünïcødé ✓', '{"sub":"user-1","name":"O\'Brien"}', '\n\t', "''"]) {
    expect(literal(text)).toBe(pg.escapeLiteral(text));
  }
  expect(literal(null)).toBe('NULL');
  expect(literal(42)).toBe("'42'");
  expect(literal(true)).toBe("'true'");
  expect(literal(Buffer.from([1, 255]))).toBe(pg.escapeLiteral('\\x01ff'));
});
