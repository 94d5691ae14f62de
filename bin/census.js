#!/usr/bin/env node
// Thin launcher so `npx census` works without a build step: tsx runs the TypeScript CLI.
import { register } from 'tsx/esm/api';
register();
await import('./census.ts');
