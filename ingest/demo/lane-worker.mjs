// Worker bootstrap: registers the TypeScript loader (tsx), then runs lane-worker.ts (see lanes.ts).
import { register } from 'tsx/esm/api';

register();
await import('./lane-worker.ts');
