// A run of the built package in its own process, for tests that kill runs, race them or watch
// what they leave: `node db-child.mjs` with PGRLS_CHILD='{"mode": ..., "options": {...}}'.
// Prints one line per step reached ("started", "request", "reset", "done"), so the parent can
// kill it inside a given step. Modes:
//   start     start, close, exit
//   requests  start, then requests as alice until killed (or `count` of them), close
//   reset     start, then commit + reset() in a loop until killed (or `count` times), close
//   hold      start and wait (killed by the parent); `noClose` exits without close()
import { createTestDatabase } from '../../dist/index.js';

const { mode = 'start', options = {}, count = Infinity, noClose = false } = JSON.parse(process.env.PGRLS_CHILD ?? '{}');
const say = (line) => process.stdout.write(`${line}\n`);

const db = await createTestDatabase(options);
say(`started ${db.description}`);
const alice = db.user('alice');
if (mode === 'requests') {
  for (let i = 0; i < count; i++) {
    await db.as(alice).query('select auth.user_id(), count(*) from pg_class');
    if (i === 0) say('request');
  }
} else if (mode === 'reset') {
  for (let i = 0; i < count; i++) {
    await db.owner.query('create table if not exists scratch (x int)');
    if (i === 0) say('reset');
    await db.reset();
  }
} else if (mode === 'hold') {
  say('holding');
  await new Promise(() => setInterval(() => undefined, 1 << 30));
}
if (!noClose) await db.close();
say('done');
if (noClose) process.exit(0);
