/** Worker-thread entry of generation lane 1 (see lanes.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { runLane1 } from './lanes.ts';
import type { ResolvedOptions } from './options.ts';

const { options, dir } = workerData as { options: ResolvedOptions; dir: string };
const result = await runLane1(options, dir, (progress) => parentPort!.postMessage({ progress }));
parentPort!.postMessage({ result });
