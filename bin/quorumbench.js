#!/usr/bin/env node
// The `quorumbench` command: registers tsx so that Node runs the TypeScript sources directly.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../harness/cli/main.ts');
await main(process.argv);
