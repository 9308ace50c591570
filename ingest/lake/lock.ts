/**
 * One writer at a time: an exclusive lock file holding the owner's pid. A lock whose process is
 * gone (killed run) is stale and taken over.
 */
import { openSync, writeSync, closeSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export class LockError extends Error {
  readonly code = 'CW_ERR_LOCKED';
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** Lock files this process holds: a lock with our own pid is only stale if we do not hold it. */
const HELD = new Set<string>();

export function acquireLock(path: string): () => void {
  mkdirSync(dirname(path), { recursive: true });
  if (HELD.has(path)) throw new LockError(`the lake is locked by another run in this process (${path}); wait for it to finish`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      HELD.add(path);
      return () => {
        HELD.delete(path);
        rmSync(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new LockError(`the lake is locked by running process ${pid} (${path}); wait for it to finish`);
      }
      rmSync(path, { force: true }); // stale: its owner died
    }
  }
  throw new LockError(`could not take the lake lock ${path}`);
}
