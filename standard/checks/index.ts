// The registry of built-in checks: one module per service family, each check with its own metadata.
import type { BuiltinCheck } from '../types.js';
import { dataChecks } from './data.js';
import { ec2Checks } from './ec2.js';
import { iamChecks } from './iam.js';
import { loggingChecks } from './logging.js';
import { policyChecks } from './policies.js';
import { s3Checks } from './s3.js';
import { secretChecks } from './secrets.js';

export const builtinChecks: ReadonlyMap<string, BuiltinCheck> = new Map(
  [...s3Checks, ...ec2Checks, ...iamChecks, ...policyChecks, ...dataChecks, ...loggingChecks, ...secretChecks].map((c) => [c.id, c]),
);
export { CheckError } from './util.js';
