/**
 * A data directory as one compact file: the cache's entries and the base cluster shipped in the
 * package. A fresh cluster is half zeros (the preallocated WAL segment, empty pages), so only the
 * non-zero 8 kB blocks are stored, then gzipped: 39 MB becomes about 4 MB. Unpacking writes
 * sparse files, so a working copy in /dev/shm holds only the blocks that are not zero.
 *
 * Layout: "PGRLSDIR1\n", a uint32 length and a JSON header (what built it, readable without
 * unpacking), then gzip(uint32 length, JSON manifest, the stored blocks in manifest order).
 * gzip's CRC makes a truncated or damaged file fail to unpack instead of giving a broken cluster.
 */
import { promisify } from 'node:util';
import { gunzip, gzip, constants as zlib } from 'node:zlib';
import { closeSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const MAGIC = Buffer.from('PGRLSDIR1\n');
const BLOCK = 8192;
const ZERO = Buffer.alloc(BLOCK);

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
  /** stored extents: [offset, length] pairs, in the order their bytes follow the manifest */
  x: [number, number][];
}

interface Manifest {
  dirs: { p: string; m: number }[];
  files: FileEntry[];
}

/** Non-zero runs of a file's blocks, merged when adjacent. */
function extentsOf(data: Buffer): [number, number][] {
  const out: [number, number][] = [];
  for (let off = 0; off < data.length; off += BLOCK) {
    const end = Math.min(off + BLOCK, data.length);
    const block = data.subarray(off, end);
    if (block.equals(end - off === BLOCK ? ZERO : ZERO.subarray(0, end - off))) continue;
    const last = out[out.length - 1];
    if (last && last[0] + last[1] === off) last[1] += end - off;
    else out.push([off, end - off]);
  }
  return out;
}

/** Reads the directory `root` into memory: its non-zero blocks and how to put them back. */
export function snapshotDir(root: string, header: ArchiveHeader = {}): Unpacked {
  const manifest: Manifest = { dirs: [], files: [] };
  const chunks: Buffer[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      const full = join(root, p);
      const mode = statSync(full).mode & 0o777;
      if (e.isDirectory()) {
        manifest.dirs.push({ p, m: mode });
        walk(p);
      } else if (e.isFile()) {
        const data = readFileSync(full);
        const x = extentsOf(data);
        for (const [o, l] of x) chunks.push(data.subarray(o, o + l));
        manifest.files.push({ p, s: data.length, m: mode, x });
      }
    }
  };
  walk('');
  const data = Buffer.concat(chunks);
  return { header, manifest, data, storedBytes: data.length };
}

/** The archive file for a snapshot (compressed off the main thread). */
export async function pack(u: Unpacked): Promise<Buffer> {
  const manifestBytes = Buffer.from(JSON.stringify(u.manifest));
  const body = await promisify(gzip)(Buffer.concat([u32(manifestBytes.length), manifestBytes, u.data]), { level: zlib.Z_BEST_SPEED, chunkSize: 1 << 20 });
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
  if (file.length < MAGIC.length + 4 || !file.subarray(0, MAGIC.length).equals(MAGIC)) throw new BadArchiveError('not a pg-rls-test archive');
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

/** The unpacked contents, ready to be written (possibly more than once: reset()). */
export interface Unpacked {
  header: ArchiveHeader;
  manifest: Manifest;
  data: Buffer;
  /** bytes the files take once written (the non-zero blocks) */
  storedBytes: number;
}

/** Decompresses an archive (off the main thread); rejects with BadArchiveError when damaged. */
export async function unpack(file: Buffer): Promise<Unpacked> {
  const { header, body } = split(file);
  let raw: Buffer;
  try {
    raw = await promisify(gunzip)(body, { chunkSize: 1 << 20 });
  } catch (cause) {
    throw new BadArchiveError(`damaged archive: ${(cause as Error).message}`);
  }
  const len = raw.readUInt32BE(0);
  const manifest = JSON.parse(raw.subarray(4, 4 + len).toString('utf8')) as Manifest;
  const data = raw.subarray(4 + len);
  const storedBytes = manifest.files.reduce((n, f) => n + f.x.reduce((m, [, l]) => m + l, 0), 0);
  if (storedBytes !== data.length) throw new BadArchiveError('archive size does not match its manifest');
  return { header, manifest, data, storedBytes };
}

/** Writes unpacked contents into `root` (created; must not hold a cluster yet). Files are sparse. */
export function writeUnpacked(u: Unpacked, root: string): void {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  for (const d of u.manifest.dirs) mkdirSync(join(root, d.p), { mode: d.m });
  let pos = 0;
  for (const f of u.manifest.files) {
    const fd = openSync(join(root, f.p), 'w', f.m);
    try {
      for (const [o, l] of f.x) {
        writeSync(fd, u.data, pos, l, o);
        pos += l;
      }
      ftruncateSync(fd, f.s);
    } finally {
      closeSync(fd);
    }
  }
}
