#!/usr/bin/env node
// The `quorumbench` command: registers tsx so that Node runs the TypeScript sources directly.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../harness/cli/main.ts');
await runCli(process.argv);
