// Secrets in plain configuration: environment variables, container environment, stack parameters and outputs,
// user data, origin headers. The collectors never store those values; in their place is a marker (core/secrets.ts)
// with the length, a salted hash and, computed at collection time, `looksSecret`: why the value looked like a
// secret (an AWS access key shape, a high-entropy token, a name like PASSWORD with a literal value). This check
// reads only the markers, so its evidence names the field and the reason, never the value.
// Inputs:
//   AWS::Lambda::Function        configuration.Environment.Variables.<name>
//   AWS::ECS::TaskDefinition     configuration.containerDefinitions[].environment[].value, secrets[].valueFrom
//   AWS::ECS::Task               configuration.overrides.containerOverrides[].environment[].value
//   AWS::CloudFormation::Stack   configuration.Parameters[].ParameterValue / ResolvedValue, Outputs[].OutputValue
//   AWS::EC2::Instance           supplementaryConfiguration.UserData (DescribeInstanceAttribute userData)
//   AWS::EC2::LaunchTemplate     supplementaryConfiguration.LaunchTemplateVersions[].LaunchTemplateData.UserData
//   AWS::CloudFront::Distribution configuration.Origins.Items[].CustomHeaders.Items[].HeaderValue
import { isRedacted } from '../../core/secrets.js';
import type { ResourceRecord } from '../../core/schemas.js';
import type { ResourceCheck } from '../types.js';
import { fail, isObj, pass } from './util.js';

/** Keys that name an element of a list (`{name, value}`, `{ParameterKey, ParameterValue}`): shown instead of its index. */
const ELEMENT_NAMES = ['name', 'Name', 'ParameterKey', 'OutputKey', 'HeaderName', 'LaunchTemplateId', 'VersionNumber'];

function elementLabel(el: unknown, i: number): string {
  if (isObj(el)) for (const k of ELEMENT_NAMES) if (typeof el[k] === 'string' || typeof el[k] === 'number') return String(el[k]);
  return String(i);
}

export interface SecretMarker {
  /** where in the record: `configuration.Environment.Variables.DB_PASSWORD`, `...containerDefinitions[web].environment[API_KEY].value` */
  field: string;
  looksSecret?: string;
}

/** Every redaction marker of the record, with the path that names it. */
export function secretMarkers(record: Pick<ResourceRecord, 'configuration' | 'supplementaryConfiguration'>): SecretMarker[] {
  const out: SecretMarker[] = [];
  const walk = (v: unknown, path: string, depth: number): void => {
    if (depth > 32) return;
    if (isRedacted(v)) {
      out.push({ field: path, ...(typeof v.looksSecret === 'string' ? { looksSecret: v.looksSecret } : {}) });
      return;
    }
    if (Array.isArray(v)) v.forEach((el, i) => walk(el, `${path}[${elementLabel(el, i)}]`, depth + 1));
    else if (isObj(v)) for (const [k, child] of Object.entries(v)) walk(child, `${path}.${k}`, depth + 1);
  };
  walk(record.configuration, 'configuration', 0);
  walk(record.supplementaryConfiguration, 'supplementaryConfiguration', 0);
  return out;
}

export const noPlaintextSecrets: ResourceCheck = {
  id: 'no_plaintext_secrets_in_configuration',
  scope: 'resource',
  resourceTypes: [
    'AWS::Lambda::Function',
    'AWS::ECS::TaskDefinition',
    'AWS::ECS::Task',
    'AWS::CloudFormation::Stack',
    'AWS::EC2::Instance',
    'AWS::EC2::LaunchTemplate',
    'AWS::CloudFront::Distribution',
  ],
  reads: 'the redaction markers collectors keep in place of environment variables, container environment, stack parameters and outputs, user data and origin headers (their looksSecret signal)',
  evaluate(record) {
    const markers = secretMarkers(record);
    const flagged = markers.filter((m) => m.looksSecret);
    if (!flagged.length) {
      return pass(markers.length ? `${markers.length} configuration value(s) checked, none looks like a secret` : 'no environment-like values');
    }
    const shown = flagged.slice(0, 5).map((m) => `${m.field} (${m.looksSecret})`);
    const more = flagged.length > shown.length ? `; and ${flagged.length - shown.length} more` : '';
    return fail(`${flagged.length} value(s) look like a secret stored in plain configuration: ${shown.join('; ')}${more}`);
  },
};

export const secretChecks = [noPlaintextSecrets];
