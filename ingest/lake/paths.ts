/** The lake layout under `<data-dir>/lake` (see ingest/README.md). */
import { join } from 'node:path';

export interface LakePaths {
  root: string;
  records: string;
  rejects: string;
  raw: string;
  manifests: string;
  tmp: string;
  lock: string;
  config: string;
}

export function lakePaths(dataDir: string): LakePaths {
  const root = join(dataDir, 'lake');
  return {
    root,
    records: join(root, 'records'),
    rejects: join(root, 'rejects'),
    raw: join(root, 'raw'),
    manifests: join(root, 'manifests'),
    tmp: join(root, 'tmp'),
    lock: join(root, '.lock'),
    config: join(dataDir, 'config'),
  };
}

export function kindDir(p: LakePaths, kind: string): string {
  return join(p.records, `kind=${kind}`);
}
