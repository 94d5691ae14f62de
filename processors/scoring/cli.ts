import type { Command } from 'commander';

// Placeholder until this area's issue lands its commands.
export function registerScoringCommands(_program: Command): void {}
