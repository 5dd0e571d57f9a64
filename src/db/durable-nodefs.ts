import fs from 'node:fs';
import path from 'node:path';

/**
 * Durability of the embedded store. PGlite 0.5 runs PostgreSQL with fsync off (`-F` in its start
 * parameters) on Emscripten's NODEFS, whose files have no fsync at all: a commit's WAL reaches the
 * OS page cache (so it survives the process being killed) but nothing forces it to the disk (so a
 * power cut or kernel crash can lose acknowledged commits, or tear a checkpoint). PGlite's own
 * `syncToFs` / `relaxedDurability` concern file systems that mirror memory to storage (IndexedDB,
 * OPFS): with NodeFS, syncToFs does nothing and writes already go straight to the host files.
 *
 * Here PostgreSQL runs with fsync on and wal_sync_method=fsync, and NODEFS files get an fsync that
 * is the real fsync(2) of the host file. So PostgreSQL's own rules apply: a commit is acknowledged
 * after its WAL is on disk; checkpoints sync data files before the WAL that covers them is recycled.
 */

interface NodefsStream {
  nfd: number;
}
interface EmscriptenModule {
  NODEFS: { stream_ops: { fsync?: (stream: NodefsStream) => number } };
}
interface NodeFSClass {
  new (dataDir: string): {
    init(pg: unknown, opts: { preRun?: ((mod: EmscriptenModule) => void)[] }): Promise<{ emscriptenOpts: { preRun?: ((mod: EmscriptenModule) => void)[] } }>;
    syncToFs(relaxedDurability?: boolean): Promise<void>;
  };
}

/** PGlite's defaults minus `-F` (fsync off), plus the one sync method NODEFS can honour (fdatasync is a no-op in Emscripten). */
export function durableStartParams(): string[] {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { PGlite } = require('@electric-sql/pglite') as { PGlite: { defaultStartParams: string[] } };
  return [...PGlite.defaultStartParams.filter((p) => p !== '-F'), '-c', 'fsync=on', '-c', 'wal_sync_method=fsync'];
}

let fsyncs = 0;
/** fsync(2) calls made for the embedded store in this process (tests and diagnostics). */
export const embeddedStoreFsyncs = () => fsyncs;

/** PGlite's NodeFS whose files can be fsynced; a freshly created data directory is synced whole once. */
export function durableNodeFS(dataDir: string): unknown {
  const { NodeFS } = require('@electric-sql/pglite/nodefs') as { NodeFS: NodeFSClass };
  const fresh = !fs.existsSync(path.join(dataDir, 'PG_VERSION'));

  class DurableNodeFS extends NodeFS {
    private pendingFullSync = fresh;

    override async init(pg: unknown, opts: { preRun?: ((mod: EmscriptenModule) => void)[] }) {
      const result = await super.init(pg, opts);
      const preRun = result.emscriptenOpts.preRun ?? [];
      preRun.push((mod) => {
        mod.NODEFS.stream_ops.fsync = (stream) => {
          fs.fsyncSync(stream.nfd);
          fsyncs++;
          return 0;
        };
      });
      result.emscriptenOpts.preRun = preRun;
      return result;
    }

    /** PGlite calls this after initdb's files are copied in (unsynced), then after every statement (nothing to do). */
    override async syncToFs(): Promise<void> {
      if (!this.pendingFullSync) return;
      this.pendingFullSync = false;
      await syncTree(dataDir);
      await syncPath(path.dirname(dataDir));
    }
  }
  return new DurableNodeFS(dataDir);
}

/** fsync of every file under `dir`, then of the directories, deepest first; several at a time (the disk queues them). */
async function syncTree(dir: string): Promise<void> {
  const files: string[] = [];
  const dirs: string[] = [];
  const walk = (at: string) => {
    for (const entry of fs.readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.push(full);
    }
    dirs.push(at);
  };
  walk(dir);
  const queue = [...files];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let file = queue.shift(); file; file = queue.shift()) await syncPath(file);
    }),
  );
  for (const d of dirs) await syncPath(d);
}

async function syncPath(file: string): Promise<void> {
  const handle = await fs.promises.open(file, 'r');
  try {
    await handle.sync();
    fsyncs++;
  } finally {
    await handle.close();
  }
}
