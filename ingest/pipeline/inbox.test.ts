import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { lakeCounts, pipelineFixture, testConfig, useTempDir } from '../../test/helpers.ts';
import { runInboxOnce } from '../inbox.ts';
import { readManifests } from '../lake/manifest.ts';
import { lakePaths } from '../lake/paths.ts';

/** Today in Asia/Shanghai (UTC+8, no daylight saving), the inbox's run date. */
const shanghaiToday = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);

describe('runInboxOnce(inbox: string, cfg: IngestConfig, kind?: string): Promise<InboxResult[]>', () => {
  const tmp = useTempDir('cw-inbox-');

  test('should move a good file to done/<day>/ with a report, and an unknown-kind file to failed/<day>/', async () => {
    const inbox = join(tmp(), 'inbox');
    const dataDir = join(tmp(), 'data');
    mkdirSync(inbox, { recursive: true });
    copyFileSync(pipelineFixture('unknown-kind.csv'), join(inbox, 'a-unknown.csv')); // sorted first: must not hold back the good file
    copyFileSync(pipelineFixture('penalties.csv'), join(inbox, 'b-penalties.csv'));
    writeFileSync(join(inbox, 'notes.md'), 'not a record file');

    const day = shanghaiToday();
    const results = await runInboxOnce(inbox, testConfig(dataDir));

    expect(results.map((r) => [r.file, r.status])).toEqual([['a-unknown.csv', 'failed'], ['b-penalties.csv', 'done']]);
    expect(readdirSync(inbox).sort()).toEqual(['done', 'failed', 'notes.md']);
    expect(readdirSync(join(inbox, 'done'))).toEqual([day]);

    const done = join(inbox, 'done', day);
    expect(readdirSync(done).sort()).toEqual(['b-penalties.csv', 'b-penalties.csv.report.json']);
    expect(readFileSync(join(done, 'b-penalties.csv'))).toEqual(readFileSync(pipelineFixture('penalties.csv')));
    const report = JSON.parse(readFileSync(join(done, 'b-penalties.csv.report.json'), 'utf8'));
    expect(report).toMatchObject({ files: 1, rows_read: 15, accepted: 4, rejected: 10, duplicates: 1, flagged: 1 });
    expect(report.by_kind).toEqual({ penalty: { rows_read: 15, accepted: 4, rejected: 10, duplicates: 1 } });

    const failed = join(inbox, 'failed', day);
    expect(readdirSync(failed).sort()).toEqual(['a-unknown.csv', 'a-unknown.csv.report.json']);
    const err = JSON.parse(readFileSync(join(failed, 'a-unknown.csv.report.json'), 'utf8'));
    expect(err).toMatchObject({ error: 'CW_ERR_UNKNOWN_KIND', input_error: true });
    expect(err.message).toContain('a-unknown.csv');

    // Only the good file was committed.
    expect(readManifests(lakePaths(dataDir))).toHaveLength(1);
    expect(await lakeCounts(dataDir)).toEqual({ records: 4, rejects: 10, runs: 1 });
  });

  test('should not overwrite a file of the same name already processed that day', async () => {
    const inbox = join(tmp(), 'inbox');
    const dataDir = join(tmp(), 'data');
    mkdirSync(inbox, { recursive: true });
    copyFileSync(pipelineFixture('penalties.csv'), join(inbox, 'p.csv'));
    await runInboxOnce(inbox, testConfig(dataDir));
    copyFileSync(pipelineFixture('penalties.csv'), join(inbox, 'p.csv'));
    const [second] = await runInboxOnce(inbox, testConfig(dataDir));
    expect(second.status).toBe('done');
    expect(second.report).toMatchObject({ accepted: 0, duplicates: 5 });
    const done = join(inbox, 'done', shanghaiToday());
    expect(readdirSync(done).sort()).toEqual(['1-p.csv', '1-p.csv.report.json', 'p.csv', 'p.csv.report.json']);
    expect(existsSync(join(inbox, 'p.csv'))).toBe(false);
  });
});
