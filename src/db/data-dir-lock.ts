import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';

/** Who holds the embedded store's directory, as recorded in its lock file. */
export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder | null,
  ) {
    super(
      holder
        ? `DATA_DIR ${dataDir} is in use by process ${holder.pid} on ${holder.host} (started ${holder.startedAt}); ` +
            `stop that process first, or give this one its own DATA_DIR. ` +
            `If you are certain no process uses the directory, delete ${lockPath(dataDir)}.`
        : `DATA_DIR ${dataDir} is being locked by another process right now; ` +
            `if no process uses the directory, delete ${lockPath(dataDir)}.`,
    );
  }
}

export interface DataDirLock {
  /** Removes the lock file if it is still ours; safe to call twice. */
  release(): void;
}

export const LOCK_FILE = 'server.lock';
const lockPath = (dataDir: string) => path.join(dataDir, LOCK_FILE);

/** Directories this process holds, so a second data source in the same process is refused too. */
const heldHere = new Set<string>();

/**
 * The embedded store is one PostgreSQL data directory driven by one process: two processes on it
 * overwrite each other's pages and lose acknowledged writes. A lock file created with O_EXCL names
 * the holder; a lock whose process is gone (same host, pid not alive) is taken over with a warning.
 * A holder on another host (a shared volume) cannot be checked, so it is never taken over.
 */
export function lockDataDir(dataDir: string, log: Logger): DataDirLock {
  const file = lockPath(dataDir);
  const me: LockHolder = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
  const content = JSON.stringify(me);
  if (heldHere.has(dataDir)) throw new DataDirLockedError(dataDir, readHolder(file));

  if (!tryCreate(file, content)) {
    const holder = readHolder(file);
    if (!holder || !isStale(holder)) throw new DataDirLockedError(dataDir, holder);
    // Re-read just before removing, so a lock another starter took over meanwhile is not removed.
    const again = readHolder(file);
    if (again && again.pid === holder.pid && again.startedAt === holder.startedAt) {
      fs.rmSync(file, { force: true });
      log.warn({ dataDir, staleHolder: holder }, 'DATA_DIR lock of a process that is gone: taken over');
    }
    if (!tryCreate(file, content)) throw new DataDirLockedError(dataDir, readHolder(file));
  }
  heldHere.add(dataDir);

  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    heldHere.delete(dataDir);
    process.removeListener('exit', release);
    const current = readHolder(file);
    if (current && current.pid === me.pid && current.startedAt === me.startedAt) fs.rmSync(file, { force: true });
  };
  // Also on process.exit() paths that never close the data source.
  process.on('exit', release);
  return { release };
}

function tryCreate(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/** The recorded holder; null when the file is gone, empty (being written) or not ours to read. */
function readHolder(file: string): LockHolder | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string' || typeof parsed.startedAt !== 'string') return null;
    return parsed as LockHolder;
  } catch {
    return null;
  }
}

/** Gone for certain: recorded on this host, and no process with that pid (or it is our own pid, i.e. a container restarted as pid 1). */
function isStale(holder: LockHolder): boolean {
  if (holder.host !== os.hostname()) return false;
  if (holder.pid === process.pid) return true;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
