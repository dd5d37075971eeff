/**
 * A data directory as one compact file: the cache's entries and the clusters shipped in the
 * package. A fresh cluster is half zeros (the preallocated WAL segment, empty pages) and its
 * three databases (template0, template1, postgres) are mostly copies of each other, so only the
 * distinct non-zero 8 kB blocks are stored: 39 MB becomes about 9 MB, 3 MB gzipped. Unpacking
 * writes sparse files, so a working copy in /dev/shm holds only the blocks that are not zero.
 *
 * Layout: "PGRLSDIR2\n", a uint32 length and a JSON header (what built it, readable without
 * unpacking), then the body: uint32 length, JSON manifest, the distinct blocks; gzipped or not
 * (the cache stores it plain: unpacking is then a read and writes; the package ships it gzipped).
 * A truncated file fails to unpack (lengths, and gzip's CRC) instead of giving a broken cluster.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip, constants as zlib } from 'node:zlib';
import { closeSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const MAGIC = Buffer.from('PGRLSDIR2\n');
const BLOCK = 8192;
const ZERO = Buffer.alloc(BLOCK);
const GZIP = Buffer.from([0x1f, 0x8b]);

/** What is readable about an archive without unpacking it. */
export interface ArchiveHeader {
  /** Free-form facts about what built it (PGlite version, preset, migrations, when). */
  [key: string]: unknown;
}

interface FileEntry {
  /** path relative to the archive's root, '/'-separated */
  p: string;
  /** size in bytes (the holes are restored by the size) */
  s: number;
  /** mode bits */
  m: number;
  /** extents: [offset in the file, offset in the stored blocks, length]; several may share blocks */
  x: [number, number, number][];
}

interface Manifest {
  dirs: { p: string; m: number }[];
  files: FileEntry[];
}

/** A directory in memory, ready to be written (possibly more than once: reset()) or packed. */
export interface Unpacked {
  header: ArchiveHeader;
  manifest: Manifest;
  /** the distinct non-zero blocks */
  data: Buffer;
}

/** Reads the directory `root` into memory: its distinct non-zero blocks and where they go. */
export function snapshotDir(root: string, header: ArchiveHeader = {}): Unpacked {
  const manifest: Manifest = { dirs: [], files: [] };
  const chunks: Buffer[] = [];
  const seen = new Map<string, { off: number; block: Buffer }>();
  let stored = 0;
  const storeBlock = (block: Buffer): number => {
    const key = createHash('sha1').update(block).digest('base64');
    const hit = seen.get(key);
    if (hit && hit.block.equals(block)) return hit.off;
    const off = stored;
    chunks.push(block);
    stored += block.length;
    if (!hit) seen.set(key, { off, block });
    return off;
  };
  const walk = (rel: string) => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      const full = join(root, p);
      const mode = statSync(full).mode & 0o777;
      if (e.isDirectory()) {
        manifest.dirs.push({ p, m: mode });
        walk(p);
      } else if (e.isFile()) {
        const content = readFileSync(full);
        const x: [number, number, number][] = [];
        for (let at = 0; at < content.length; at += BLOCK) {
          const block = content.subarray(at, Math.min(at + BLOCK, content.length));
          if (block.equals(block.length === BLOCK ? ZERO : ZERO.subarray(0, block.length))) continue;
          const off = storeBlock(block);
          const last = x[x.length - 1];
          if (last && last[0] + last[2] === at && last[1] + last[2] === off) last[2] += block.length;
          else x.push([at, off, block.length]);
        }
        manifest.files.push({ p, s: content.length, m: mode, x });
      }
    }
  };
  walk('');
  return { header, manifest, data: Buffer.concat(chunks) };
}

/** The archive file for a snapshot; `compress` gzips the body (off the main thread). */
export async function pack(u: Unpacked, compress = false): Promise<Buffer> {
  const manifestBytes = Buffer.from(JSON.stringify(u.manifest));
  const raw = Buffer.concat([u32(manifestBytes.length), manifestBytes, u.data]);
  const body = compress ? await promisify(gzip)(raw, { level: zlib.Z_BEST_COMPRESSION, chunkSize: 1 << 20 }) : raw;
  const headerBytes = Buffer.from(JSON.stringify(u.header));
  return Buffer.concat([MAGIC, u32(headerBytes.length), headerBytes, body]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** Thrown for a file that is not a complete archive; callers treat the entry as missing. */
export class BadArchiveError extends Error {}

function split(file: Buffer): { header: ArchiveHeader; body: Buffer } {
  if (file.length < MAGIC.length + 4 || !file.subarray(0, MAGIC.length).equals(MAGIC)) throw new BadArchiveError('not a pg-rls-test archive (or one of an older format)');
  const len = file.readUInt32BE(MAGIC.length);
  const start = MAGIC.length + 4;
  if (file.length < start + len) throw new BadArchiveError('truncated archive header');
  return { header: JSON.parse(file.subarray(start, start + len).toString('utf8')) as ArchiveHeader, body: file.subarray(start + len) };
}

/** The header alone, reading only the start of the file. */
export function readArchiveHeader(path: string): ArchiveHeader {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(MAGIC.length + 4);
    if (readSync(fd, head, 0, head.length, 0) < head.length || !head.subarray(0, MAGIC.length).equals(MAGIC)) throw new BadArchiveError('not a pg-rls-test archive');
    const len = head.readUInt32BE(MAGIC.length);
    const json = Buffer.alloc(len);
    if (readSync(fd, json, 0, len, head.length) < len) throw new BadArchiveError('truncated archive header');
    return JSON.parse(json.toString('utf8')) as ArchiveHeader;
  } finally {
    closeSync(fd);
  }
}

/** Reads an archive (decompressing off the main thread); rejects with BadArchiveError when damaged. */
export async function unpack(file: Buffer): Promise<Unpacked> {
  const { header, body } = split(file);
  let raw = body;
  if (body.subarray(0, 2).equals(GZIP)) {
    try {
      raw = await promisify(gunzip)(body, { chunkSize: 1 << 20 });
    } catch (cause) {
      throw new BadArchiveError(`damaged archive: ${(cause as Error).message}`);
    }
  }
  try {
    const len = raw.readUInt32BE(0);
    const manifest = JSON.parse(raw.subarray(4, 4 + len).toString('utf8')) as Manifest;
    const data = raw.subarray(4 + len);
    for (const f of manifest.files) for (const [, off, l] of f.x) if (off + l > data.length) throw new Error('a block lies past the end');
    return { header, manifest, data };
  } catch (cause) {
    throw new BadArchiveError(`truncated archive: ${(cause as Error).message}`);
  }
}

/** Writes unpacked contents into `root` (created; must not hold a cluster yet). Files are sparse. */
export function writeUnpacked(u: Unpacked, root: string): void {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  for (const d of u.manifest.dirs) mkdirSync(join(root, d.p), { mode: d.m });
  for (const f of u.manifest.files) {
    const fd = openSync(join(root, f.p), 'w', f.m);
    try {
      for (const [at, off, l] of f.x) writeSync(fd, u.data, off, l, at);
      ftruncateSync(fd, f.s);
    } finally {
      closeSync(fd);
    }
  }
}

/** Bytes a written copy holds (its non-zero blocks). */
export function writtenBytes(u: Unpacked): number {
  return u.manifest.files.reduce((n, f) => n + f.x.reduce((m, [, , l]) => m + l, 0), 0);
}
