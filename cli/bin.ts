#!/usr/bin/env node
// The `stead` executable. Node ≥ 22.1 can keep V8's compiled code between runs, which a
// short-lived command such as `stead call` feels; before that this is a no-op.
import module from 'node:module';

(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
await import('./stead.js');
