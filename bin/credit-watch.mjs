#!/usr/bin/env node
// Entry of the `credit-watch` CLI: registers the TypeScript loader (tsx) and runs ingest/cli.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../ingest/cli.ts');
process.exitCode = await main(process.argv);
