import { execFileSync } from 'node:child_process';
import { createWriteStream, statSync } from 'node:fs';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import type { InputTable } from './open-input.ts';
import { makeTmpDir, queryCsv } from './test-helpers.ts';

const tmp = makeTmpDir('mem');
afterAll(tmp.cleanup);
const PROBE = join(dirname(fileURLToPath(import.meta.url)), 'memory-probe.ts');
const TARGET_BYTES = 60 * 2 ** 20;

function row(i: number): string {
  const name = i % 97 === 0 ? `"盐城市亭湖区张记餐馆""${i}""\n（分店）"` : `南京鑫达建筑工程有限公司第${i}分公司`;
  return `${name},法人及非法人组织,91320100MA${String(i).padStart(8, '0')},宁环罚〔2024〕${i}号,警告;罚款,${(i % 1000) / 10},2024-03-15,南京市生态环境局\r\n`;
}

/** Writes a GBK CSV of about TARGET_BYTES; returns the number of data rows. */
async function makeGbkCsv(path: string): Promise<number> {
  const out = createWriteStream(path);
  out.write(iconv.encode('行政相对人名称,行政相对人类别,行政相对人代码_1(统一社会信用代码),行政处罚决定书文号,处罚类别,罚款金额（万元）,处罚决定日期,处罚机关\r\n', 'gbk'));
  let written = 0;
  let rows = 0;
  while (written < TARGET_BYTES) {
    const batch: string[] = [];
    for (let k = 0; k < 5000; k++) batch.push(row(rows++));
    const buf = iconv.encode(batch.join(''), 'gbk');
    written += buf.length;
    if (!out.write(buf)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return rows;
}

describe('streaming memory', () => {
  it('transcodes a 60 MB GBK CSV with flat memory', async () => {
    const input = join(tmp.dir, 'big-gbk.csv');
    const rows = await makeGbkCsv(input);
    expect(statSync(input).size).toBeGreaterThanOrEqual(TARGET_BYTES);
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', PROBE, input, join(tmp.dir, 'out')], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { growthMB: number; ms: number; mbPerSec: number; table: InputTable };
    console.log(`GBK transcode: ${r.table.sizeBytes} bytes, ${rows} rows in ${r.ms.toFixed(0)} ms = ${r.mbPerSec.toFixed(1)} MB/s, RSS growth ${r.growthMB.toFixed(1)} MB`);
    expect(r.growthMB).toBeLessThan(150);
    expect(r.table).toMatchObject({ encoding: 'gb18030', temporary: true, rowCount: rows, invalidChars: 0 });
    const p = r.table.csvPath;
    expect(await queryCsv('SELECT count(*) FROM {csv}', p)).toEqual([[String(rows)]]);
    expect(await queryCsv('SELECT * FROM {csv} LIMIT 1 OFFSET 97', p)).toEqual([
      ['盐城市亭湖区张记餐馆"97"\n（分店）', '法人及非法人组织', '91320100MA00000097', '宁环罚〔2024〕97号', '警告;罚款', '9.7', '2024-03-15', '南京市生态环境局'],
    ]);
    const last = await queryCsv('SELECT max("行政相对人代码_1(统一社会信用代码)") FROM {csv}', p);
    expect(last).toEqual([[`91320100MA${String(rows - 1).padStart(8, '0')}`]]);
  });
});
