/**
 * Names of the url backend's throw-away databases, and the sweep of those a dead run left on a
 * server. A name says whose it is: `pgrls_<host tag>_<pid>_<time>_<random>` (and `…_tpl` for
 * its template); the owner's admin connection carries `application_name = 'pg-rls-test <stem>'`
 * for as long as the owner lives; a comment on the template holds the owner in full.
 *
 * A database is dropped only when it has such a name, no owner connection nor any other session
 * is to be seen on it or its twin, and either its owner ran on this host and is gone, or it is
 * more than a day old (an owner on another host, or a name from before owners were recorded).
 * Other databases are never touched.
 */
import { randomBytes } from 'node:crypto';
import { ident, literal } from '../sql/index.js';
import { hostTag, ownerStamp, ownerState, type OwnerStamp } from './owner.js';
import type { Connection } from './types.js';

const NAME = /^(pgrls_([0-9a-f]{6})_(\d+)_([0-9a-z]+)_[0-9a-f]{4})(_tpl)?$/;
/** Names made before owners were recorded: judged by age and sessions only. */
const LEGACY = /^(pgrls_([0-9a-z]{8})_[0-9a-f]{6})(_tpl)?$/;
const DAY_MS = 24 * 60 * 60 * 1000;
export const APP_PREFIX = 'pg-rls-test ';

export interface ThrowawayNames {
  stem: string;
  template: string;
  /** application_name of the owner's admin connection */
  appName: string;
  /** the comment put on both databases */
  comment: string;
}

export function throwawayNames(now = Date.now()): ThrowawayNames {
  const stem = `pgrls_${hostTag()}_${process.pid}_${now.toString(36)}_${randomBytes(2).toString('hex')}`;
  return {
    stem,
    template: `${stem}_tpl`,
    appName: APP_PREFIX + stem,
    comment: JSON.stringify({ 'pg-rls-test': { ...ownerStamp(), created: new Date(now).toISOString(), cwd: process.cwd() } }),
  };
}

/** Records the owner on a database (a cluster-wide catalog: any connection can). */
export function commentSql(db: string, comment: string): string {
  return `COMMENT ON DATABASE ${ident(db)} IS ${literal(comment)}`;
}

interface Found {
  datname: string;
  stem: string;
  created: number;
  owner: OwnerStamp | undefined;
  sessions: number;
}

function parse(row: { datname: string; comment: string | null; sessions: number }): Found | undefined {
  const m = NAME.exec(row.datname);
  if (m) {
    let owner: OwnerStamp | undefined;
    try {
      owner = (JSON.parse(row.comment ?? '') as { 'pg-rls-test'?: OwnerStamp })['pg-rls-test'];
    } catch {
      owner = undefined;
    }
    // without the comment, the name still gives host tag and PID (the host in full is unknown)
    owner ??= m[2] === hostTag() ? { pid: Number(m[3]), host: ownerStamp().host } : undefined;
    return { datname: row.datname, stem: m[1]!, created: parseInt(m[4]!, 36), owner, sessions: row.sessions };
  }
  const l = LEGACY.exec(row.datname);
  if (l) return { datname: row.datname, stem: l[1]!, created: parseInt(l[2]!, 36), owner: undefined, sessions: row.sessions };
  return undefined;
}

/** The throw-away databases on the server, with whether each one's owner is gone. */
export async function listThrowaways(conn: Connection, now = Date.now()): Promise<(Found & { dead: boolean })[]> {
  const { rows } = await conn.query(
    `SELECT d.datname, shobj_description(d.oid, 'pg_database') AS comment,
            (SELECT count(*) FROM pg_stat_activity a WHERE a.datname = d.datname)::int AS sessions
       FROM pg_database d WHERE d.datname LIKE 'pgrls\\_%' ORDER BY d.datname`,
  );
  const owners = new Set(
    (await conn.query(`SELECT application_name FROM pg_stat_activity WHERE application_name LIKE $1`, [`${APP_PREFIX}%`])).rows.map((r) => String(r.application_name)),
  );
  const found = rows.map((r) => parse(r as { datname: string; comment: string | null; sessions: number })).filter((f): f is Found => f !== undefined);
  const busy = new Set(found.filter((f) => f.sessions > 0).map((f) => f.stem));
  // the comment is on the template (a working database made from it does not inherit comments)
  const stamps = new Map(found.filter((f) => f.owner?.start !== undefined).map((f) => [f.stem, f.owner]));
  return found.map((f) => {
    f.owner = stamps.get(f.stem) ?? f.owner;
    // a live owner shows its admin connection; anyone connected (a person with psql) keeps it too
    const kept = owners.has(APP_PREFIX + f.stem) || busy.has(f.stem);
    const gone = (f.owner !== undefined && ownerState(f.owner) === 'dead') || now - f.created > DAY_MS;
    return { ...f, dead: !kept && gone };
  });
}

/** Drops the throw-away databases whose owner is gone (working database before its template). */
export async function sweepThrowaways(conn: Connection): Promise<string[]> {
  const dead = (await listThrowaways(conn)).filter((f) => f.dead).sort((a, b) => a.datname.length - b.datname.length);
  const dropped: string[] = [];
  for (const f of dead) {
    try {
      await conn.query(`DROP DATABASE IF EXISTS ${ident(f.datname)} WITH (FORCE)`);
      dropped.push(f.datname);
    } catch {
      // not ours to drop (another role owns it), or dropped meanwhile by a parallel sweep
    }
  }
  return dropped;
}
