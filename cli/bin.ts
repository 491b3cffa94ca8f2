#!/usr/bin/env node
// The `stead` executable. Node ≥ 22.1 can keep V8's compiled code between runs, which a
// short-lived command such as `stead call` feels; before that this is a no-op.
import { existsSync } from 'node:fs';
import module from 'node:module';

(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// The package runs `npm run build:cli`'s bundle of the command and its device side: one file
// loads in half the time of the ~180 modules behind it (`stead call`). The broker side
// stays outside it, loaded only by `stead broker`. From the sources, the modules themselves.
const bundle = new URL('./stead.bundle.js', import.meta.url);
await import(existsSync(bundle) ? bundle.href : './stead.js');
