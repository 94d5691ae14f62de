// No secret stored: the redaction markers, the "looks like a secret" signal, the declared fields of the
// collector specs and the documented-sensitive fields of the SDK's own models. Real SDK commands, no network.
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeLaunchTemplateVersionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { Readable } from 'node:stream';
import { DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { collectors } from '../../collectors/all.js';
import { normalize, type AnyResourceSpec, type CollectorContext } from '../../collectors/engine.js';
import { redactFields, redactSensitiveResponses } from '../../collectors/redact.js';
import { isRedacted, redactValue, scanText, secretSignal } from '../../core/secrets.js';
import { noPlaintextSecrets } from '../../standard/checks/secrets.js';

const SALT = 'unit-test-salt-0123456789';

const ctx = (over: Partial<CollectorContext> = {}): CollectorContext => ({
  accountId: '111122223333',
  region: 'us-east-1',
  partition: 'aws',
  observedAt: '2026-11-24T10:00:00.000Z',
  collector: 'test',
  redactionSalt: SALT,
  client: () => {
    throw new Error('this test makes no calls');
  },
  ...over,
});

export const specOf = (name: string, type: string): AnyResourceSpec => {
  const spec = collectors.find((c) => c.name === name)!.resources.find((r) => r.resourceType === type);
  if (!spec) throw new Error(`no ${type} in ${name}`);
  return spec;
};

const PLANTED = 'hunter2-Pl4nted-Xq9';
const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';

describe('redactValue', () => {
  it('keeps length and a salted, stable hash; never the value', () => {
    const a = redactValue('DB_PASSWORD', PLANTED, { salt: SALT });
    expect(a).toMatchObject({ redacted: 'hmac-sha256', length: PLANTED.length });
    expect(a.hash).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(a)).not.toContain(PLANTED);
    // stable for the same salt and value, different when the value changes or the salt differs
    expect(redactValue('DB_PASSWORD', PLANTED, { salt: SALT }).hash).toBe(a.hash);
    expect(redactValue('DB_PASSWORD', `${PLANTED}!`, { salt: SALT }).hash).not.toBe(a.hash);
    expect(redactValue('DB_PASSWORD', PLANTED, { salt: 'another-salt-0123456789' }).hash).not.toBe(a.hash);
  });
  it('keeps only the length when no salt is configured (an unsalted hash of a short password can be reversed)', () => {
    const v = redactValue('DB_PASSWORD', PLANTED);
    expect(v).toEqual({ redacted: 'length-only', length: PLANTED.length, looksSecret: expect.stringContaining('DB_PASSWORD') as string });
    expect(v.hash).toBeUndefined();
  });
  it('measures and scans base64 user data decoded', () => {
    const script = `#!/bin/bash\nexport DB_PASSWORD=${PLANTED}\n`;
    const v = redactValue('UserData', Buffer.from(script).toString('base64'), { salt: SALT, base64: true });
    expect(v.length).toBe(Buffer.byteLength(script));
    expect(v.looksSecret).toBe('line 2 sets DB_PASSWORD to a literal value');
  });
  it('is idempotent: a marker stays as it is', () => {
    const m = redactValue('A', 'b', { salt: SALT });
    expect(redactValue('A', m, { salt: SALT })).toBe(m);
    expect(isRedacted(m)).toBe(true);
    expect(isRedacted({ redacted: true, length: 1 })).toBe(false);
  });
});

describe('secretSignal: names the reason, never the value', () => {
  const cases: [string, string, RegExp | undefined][] = [
    ['DB_PASSWORD', PLANTED, /^name DB_PASSWORD suggests a secret \(PASSWORD\)/],
    ['GITHUB_TOKEN', 'abcdef1', /suggests a secret \(TOKEN\)/],
    ['api_key', 'Kq7zv1', /suggests a secret \(API_KEY\)/],
    ['STRIPE', 'sk_live_' + 'a1B2c3D4e5F6g7H8i9', /Stripe/],
    ['ANY', KEY_ID, /AWS access key ID/],
    ['ANY', 'ASIAY34FZKBOKMUTVV7A', /AWS access key ID/],
    ['AWS_SECRET', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', /AWS|suggests a secret/],
    ['SOMETHING', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', /high-entropy string \(40 characters/],
    ['DATABASE_URL', 'postgres://app:s3cr3t@db.internal:5432/app', /URL with embedded credentials/],
    ['CERT', '-----BEGIN RSA PRIVATE KEY-----\nMIIE...', /PEM private key/],
    // not secrets: references to a secret store, flags, small numbers, pointer names, ordinary values
    ['DB_PASSWORD', 'arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf', undefined],
    ['DB_PASSWORD', '{{resolve:secretsmanager:db:SecretString:password}}', undefined],
    ['TOKEN_TTL', '3600', undefined],
    ['SECRET_NAME', 'prod/db', undefined],
    ['PASSWORD_AUTH', 'true', undefined],
    ['LOG_LEVEL', 'debug', undefined],
    ['REQUEST_ID', '3f2504e0-4f89-41d3-9a0c-0305e82c3301', undefined],
    ['GIT_SHA', 'da39a3ee5e6b4b0d3255bfef95601890afd80709', undefined],
    ['TABLE', 'OrdersTableProductionEuropeWest1', undefined],
  ];
  it.each(cases)('%s', (name, value, expected) => {
    const why = secretSignal(name, value);
    if (expected) {
      expect(why).toMatch(expected);
      expect(why).not.toContain(value.slice(0, 8));
    } else expect(why).toBeUndefined();
  });
  it('scans scripts line by line: the line and the name, never the value', () => {
    const why = scanText(['#!/bin/bash', 'yum install -y nginx', `echo "aws_access_key_id = ${KEY_ID}" > ~/.aws/credentials`, 'export API_TOKEN="Zq81mN"', 'mysql --password=Pw0rdLit -h db', 'export DB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id db)'].join('\n'));
    expect(why).toBe('line 3 has the shape of an AWS access key ID (AKIA/ASIA...); line 4 sets API_TOKEN to a literal value; line 5 passes --password with a literal value');
    expect(scanText('#!/bin/bash\nexport DB_PASSWORD=$(aws ssm get-parameter)\n')).toBeUndefined();
  });
});

describe('declared secret fields', () => {
  it('redacts every path form: map values, array element fields named by a sibling key, plain fields', () => {
    const record = {
      configuration: {
        Environment: { Variables: { DB_PASSWORD: PLANTED, LOG_LEVEL: 'debug' } },
        Parameters: [{ ParameterKey: 'AdminPassword', ParameterValue: PLANTED }],
        containers: [{ environment: [{ name: 'API_KEY', value: PLANTED }], secrets: [{ name: 'DB', valueFrom: 'arn:aws:ssm:us-east-1:111122223333:parameter/db' }, { name: 'X', valueFrom: PLANTED }] }],
      },
      supplementaryConfiguration: { UserData: Buffer.from(`PASSWORD=${PLANTED}`).toString('base64') } as Record<string, unknown>,
    };
    const n = redactFields(
      record,
      [
        'configuration.Environment.Variables.*',
        { path: 'configuration.Parameters[].ParameterValue', nameKey: 'ParameterKey' },
        { path: 'configuration.containers[].environment[].value', nameKey: 'name' },
        { path: 'configuration.containers[].secrets[].valueFrom', nameKey: 'name', keepReferences: true },
        { path: 'supplementaryConfiguration.UserData', base64: true },
        'configuration.Missing.Path.*',
      ],
      SALT,
    );
    expect(n).toBe(6);
    expect(JSON.stringify(record)).not.toContain(PLANTED);
    expect(JSON.stringify(record)).not.toContain(Buffer.from(`PASSWORD=${PLANTED}`).toString('base64'));
    const c = record.configuration;
    expect(Object.keys(c.Environment.Variables)).toEqual(['DB_PASSWORD', 'LOG_LEVEL']);
    expect(c.Environment.Variables.DB_PASSWORD).toMatchObject({ looksSecret: expect.stringContaining('DB_PASSWORD') as string });
    expect((c.Environment.Variables.LOG_LEVEL as unknown as { looksSecret?: string }).looksSecret).toBeUndefined();
    expect(c.Parameters[0]!.ParameterKey).toBe('AdminPassword');
    expect(c.Parameters[0]!.ParameterValue).toMatchObject({ looksSecret: expect.stringContaining('AdminPassword') as string });
    expect(c.containers[0]!.environment[0]!.value).toMatchObject({ looksSecret: expect.stringContaining('API_KEY') as string });
    // a reference to a secret store is kept: it names where the secret lives, not the secret
    expect(c.containers[0]!.secrets[0]!.valueFrom).toBe('arn:aws:ssm:us-east-1:111122223333:parameter/db');
    expect(isRedacted(c.containers[0]!.secrets[1]!.valueFrom)).toBe(true);
    expect(record.supplementaryConfiguration.UserData).toMatchObject({ looksSecret: 'line 1 sets PASSWORD to a literal value' });
  });

  it('the Lambda collector keeps environment variable names and drops their values', async () => {
    const fn = {
      FunctionName: 'orders',
      FunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:orders',
      Runtime: 'nodejs20.x',
      Environment: { Variables: { DB_PASSWORD: PLANTED, AWS_KEY: KEY_ID, STAGE: 'prod' } },
    };
    const spec = { ...specOf('lambda', 'AWS::Lambda::Function'), details: {} };
    const record = await normalize(spec, fn, {}, ctx());
    expect(JSON.stringify(record)).not.toContain(PLANTED);
    expect(JSON.stringify(record)).not.toContain(KEY_ID);
    const vars = (record.configuration.Environment as { Variables: Record<string, { looksSecret?: string; length: number }> }).Variables;
    expect(Object.keys(vars).sort()).toEqual(['AWS_KEY', 'DB_PASSWORD', 'STAGE']);
    expect(vars.DB_PASSWORD!.looksSecret).toMatch(/DB_PASSWORD/);
    expect(vars.AWS_KEY!.looksSecret).toMatch(/AWS access key ID/);
    expect(vars.STAGE).toMatchObject({ length: 4 });
    expect(vars.STAGE!.looksSecret).toBeUndefined();
    // the standard's requirement reads the signal: evidence names the keys, never the values
    const result = noPlaintextSecrets.evaluate(record, { now: new Date() })!;
    expect(result.status).toBe('FAIL');
    expect(result.evidence).toMatch(/^2 value\(s\) look like a secret .*configuration\.Environment\.Variables\.DB_PASSWORD \(name DB_PASSWORD suggests/);
    expect(result.evidence).toContain('configuration.Environment.Variables.AWS_KEY (value has the shape of an AWS access key ID');
    expect(result.evidence).not.toContain(PLANTED);
    expect(result.evidence).not.toContain(KEY_ID);
  });
});

describe('ECS running tasks', () => {
  it('keeps the names of container override environment variables and drops their values', async () => {
    const task = {
      taskArn: 'arn:aws:ecs:us-east-1:111122223333:task/apps/0123456789abcdef',
      taskDefinitionArn: 'arn:aws:ecs:us-east-1:111122223333:task-definition/web:3',
      overrides: { containerOverrides: [{ name: 'web', environment: [{ name: 'OVERRIDE_PASSWORD', value: PLANTED }] }] },
    };
    const record = await normalize(specOf('ecs', 'AWS::ECS::Task'), task, {}, ctx());
    expect(JSON.stringify(record)).not.toContain(PLANTED);
    const env = (record.configuration.overrides as { containerOverrides: { environment: { name: string; value: unknown }[] }[] }).containerOverrides[0]!.environment[0]!;
    expect(env.name).toBe('OVERRIDE_PASSWORD');
    expect(env.value).toMatchObject({ redacted: 'hmac-sha256', length: PLANTED.length, looksSecret: expect.stringContaining('OVERRIDE_PASSWORD') as string });
  });
});

describe('documented-sensitive fields (the SDK models), through a real client and its middleware', () => {
  /** A client whose HTTP layer answers with `body`: the SDK deserializes it and the middleware sees the real output. */
  function answering<C>(Client: new (c: object) => C, body: string, contentType: string): C {
    const requestHandler = { handle: async () => ({ response: { statusCode: 200, headers: { 'content-type': contentType }, body: Readable.from([Buffer.from(body)]) } }) };
    const client = new Client({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' }, requestHandler, maxAttempts: 1 });
    redactSensitiveResponses(client, SALT);
    return client;
  }

  it('Lambda environment variables (names and values sensitive in the model): names kept, values redacted', async () => {
    const body = { FunctionName: 'f', Environment: { Variables: { DB_PASSWORD: PLANTED, STAGE: 'prod' }, Error: { ErrorCode: 'E', Message: PLANTED } } };
    const client = answering(LambdaClient, JSON.stringify(body), 'application/json');
    const out = await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'f' }));
    expect(JSON.stringify(out)).not.toContain(PLANTED);
    expect(Object.keys(out.Environment!.Variables!)).toEqual(['DB_PASSWORD', 'STAGE']);
    expect(out.Environment!.Variables!.DB_PASSWORD).toMatchObject({ redacted: 'hmac-sha256', length: PLANTED.length, looksSecret: expect.stringContaining('DB_PASSWORD') as string });
    expect(out.FunctionName).toBe('f');
    expect(out.Environment!.Error!.ErrorCode).toBe('E');
  });

  it('ECS container environment (the whole list sensitive in the model): names kept, values redacted and judged by name', async () => {
    const body = { taskDefinition: { family: 'web', revision: 1, containerDefinitions: [{ name: 'web', environment: [{ name: 'API_TOKEN', value: PLANTED }] }] } };
    const client = answering(ECSClient, JSON.stringify(body), 'application/x-amz-json-1.1');
    const out = await client.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web:1' }));
    expect(JSON.stringify(out)).not.toContain(PLANTED);
    const env = out.taskDefinition!.containerDefinitions![0]!.environment![0]!;
    expect(env.name).toBe('API_TOKEN');
    expect(env.value).toMatchObject({ redacted: 'hmac-sha256', length: PLANTED.length, looksSecret: expect.stringContaining('API_TOKEN') as string });
  });

  it('EC2 launch template user data (SensitiveUserData): redacted and scanned decoded', async () => {
    const script = `#!/bin/bash\nexport AWS_ACCESS_KEY_ID=${KEY_ID}\n`;
    const xml = `<DescribeLaunchTemplateVersionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><launchTemplateVersionSet><item><launchTemplateId>lt-1</launchTemplateId><versionNumber>1</versionNumber><launchTemplateData><imageId>ami-1</imageId><userData>${Buffer.from(script).toString('base64')}</userData></launchTemplateData></item></launchTemplateVersionSet></DescribeLaunchTemplateVersionsResponse>`;
    const client = answering(EC2Client, xml, 'text/xml');
    const out = await client.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: 'lt-1' }));
    const data = out.LaunchTemplateVersions![0]!.LaunchTemplateData!;
    expect(data.ImageId).toBe('ami-1');
    expect(data.UserData).toMatchObject({ redacted: 'hmac-sha256', length: Buffer.byteLength(script), looksSecret: 'line 2 has the shape of an AWS access key ID (AKIA/ASIA...)' });
  });
});
