#!/usr/bin/env node
// The `stead` executable: registers tsx so the TypeScript sources (and TypeScript proxy apps)
// load without a build step, then runs the CLI.
import { register } from 'tsx/esm/api';

register();
await import('./stead.ts');
