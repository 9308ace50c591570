/** A one-line progress display on a terminal (stderr): file i/n, rows, rows/s, bytes. Silent otherwise. */
import type { ProgressEvent } from './pipeline/run.ts';

const fmtBytes = (n: number) => (n > 1 << 30 ? `${(n / (1 << 30)).toFixed(2)} GiB` : n > 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(0)} KiB`);

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): { onProgress: (e: ProgressEvent) => void; done: () => void } {
  if (!stream.isTTY) return { onProgress: () => undefined, done: () => undefined };
  const t0 = Date.now();
  let rows = 0;
  let bytes = 0;
  let last = 0;
  const draw = (text: string, force = false) => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    stream.write(`\r\x1b[2K${text.slice(0, (stream.columns ?? 100) - 1)}`);
  };
  return {
    onProgress: (e) => {
      const secs = Math.max(0.001, (Date.now() - t0) / 1000);
      if (e.phase === 'preflight') draw(`读取 ${e.file}  ${e.rows.toLocaleString()} 行  ${fmtBytes(e.bytes)}`);
      else if (e.phase === 'stage') {
        rows += e.rowsRead;
        bytes += e.bytes;
        const width = 24;
        const fill = Math.round((e.index / e.total) * width);
        draw(`[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${e.index}/${e.total} 文件  ${rows.toLocaleString()} 行  ${Math.round(rows / secs).toLocaleString()} 行/秒  ${fmtBytes(bytes)}`, true);
      } else draw(`去重并写入数据湖: ${e.kind}`, true);
    },
    done: () => stream.write('\r\x1b[2K'),
  };
}
