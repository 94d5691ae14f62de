// The scoring API for other code (benchmarks, the demo): score in memory, write the scorecards, run the job.
//   const result = scoreFindings({ accounts, requirements, findings, exceptions, asOf, runAt });
//   const manifest = await writeScorecards({ ...result, accounts, requirements, asOf, runAt, outDir });
export {
  NO_EXECUTIVE,
  NO_OWNER,
  ScoreAccumulator,
  computeScores,
  latestPerResource,
  scoreFindings,
  type EvaluatedResource,
  type NonCompliantResource,
  type ScoringAccount,
  type ScoringRequirement,
  type ScoringResult,
} from './score.js';
export { writeScorecards, type ScorecardManifest } from './scorecards/index.js';
export { scoreFolder, writeRunOutputs, type ScoringRun } from './offline.js';
export { runScoringJob, scoreFromStack } from './job.js';
export { deliverScorecards, buildRawEmail } from './deliver.js';
