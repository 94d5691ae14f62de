#!/usr/bin/env node
// Launcher so `npx census` works without a build step: tsx runs the TypeScript CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./census.js');
process.exitCode = await main(process.argv);
