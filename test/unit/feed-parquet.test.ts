// Security Lake layout and OCSF Parquet, pure: partitioning, object sizing, naming, the fixed schema, the
// environment switch and the sink wrapper. (pyarrow reads the same files back in test/integration/feed-*.)
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { FindingRecord, ResourceRecord } from '../../core/schemas.js';
import { resourceToOcsf } from '../../feed/ocsf-inventory.js';
import { OCSF_CLASSES, ocsfParquet } from '../../feed/ocsf-parquet.js';
import { shapeRow } from '../../feed/ocsf-schema.js';
import { lakeObjects, partitionOf } from '../../feed/security-lake.js';
import { lakeLocationFromEnv, withSecurityLake, type SecurityLakeWriter } from '../../feed/security-lake-sink.js';
import { toOcsf } from '../../standard/formats/ocsf.js';

const finding = (i: number, over: Partial<FindingRecord> = {}): FindingRecord => ({
  recordType: 'finding', schemaVersion: '1.0', findingId: `f-${i}`, requirementId: 'CSS-S3-01', status: i % 2 ? 'PASS' : 'FAIL', severity: 'high',
  resourceType: 'AWS::S3::Bucket', resourceId: `b-${i}`, resourceArn: `arn:aws:s3:::b-${i}`, accountId: '111111111111', region: 'us-east-1',
  source: 'census', evidence: `evidence ${i} ${'x'.repeat(i % 7)}`, observedAt: new Date(Date.parse('2026-11-24T12:00:00Z') - i * 60_000).toISOString(), ...over,
});
const resource: ResourceRecord = {
  recordType: 'resource', schemaVersion: '1.0', resourceType: 'AWS::IAM::Role', resourceId: 'AROAEXAMPLE', arn: 'arn:aws-us-gov:iam::222222222222:role/r',
  resourceName: 'r', awsAccountId: '222222222222', awsRegion: 'global', configuration: { RoleName: 'r', nested: { a: [1, 2] } }, supplementaryConfiguration: {},
  tags: { env: 'prod' }, resourceCreationTime: null, configurationItemCaptureTime: '2026-11-24T23:59:59.999Z', configurationItemStatus: 'OK', collector: 'iam',
  errors: [{ call: 'ListRolePolicies', code: 'AccessDenied', message: 'no' }],
};
const read = async (body: Uint8Array) => {
  const file = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
  return parquetReadObjects({ file });
};

describe('Security Lake layout', () => {
  const events = [...Array.from({ length: 40 }, (_, i) => toOcsf(finding(i))), toOcsf(finding(99, { accountId: '333333333333', region: 'global', observedAt: '2026-11-23T10:00:00Z' })), resourceToOcsf(resource)];

  it('groups by class and partition, one class per object, global events under the home region', () => {
    const objects = lakeObjects(events, { homeRegion: 'eu-west-1', stem: 'abc' });
    expect(objects.map((o) => [o.key, o.classUid, o.rows])).toEqual([
      ['ext/census-compliance-finding/region=eu-west-1/accountId=333333333333/eventDay=20261123/abc-0.parquet', 2003, 1],
      ['ext/census-compliance-finding/region=us-east-1/accountId=111111111111/eventDay=20261124/abc-0.parquet', 2003, 40],
      ['ext/census-inventory-info/region=eu-west-1/accountId=222222222222/eventDay=20261124/abc-0.parquet', 5023, 1],
    ]);
  });

  it('sorts each object by time and keeps every attribute (read back with hyparquet)', async () => {
    const [, big] = lakeObjects(events, { homeRegion: 'eu-west-1', stem: 'abc' });
    const rows = await read(big!.body);
    const times = rows.map((r) => Number(r.time));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const f0 = rows.find((r) => (r.finding_info as { uid: string }).uid === 'f-0')!;
    expect(f0).toMatchObject({ class_uid: 2003, compliance: { status: 'Fail', control: 'CSS-S3-01' }, cloud: { account: { uid: '111111111111' } } });
    expect(f0.unmapped).toEqual({ census: { requirementId: 'CSS-S3-01', source: 'census' } });
    expect((f0.time_dt as Date).toISOString()).toBe('2026-11-24T12:00:00.000Z');
    expect(parquetMetadata(big!.body.buffer.slice(big!.body.byteOffset) as ArrayBuffer).key_value_metadata).toContainEqual({ key: 'ocsf.class_uid', value: '2003' });
  });

  it('names objects by the stem only: the same stem rewrites the same keys with the same bytes', () => {
    const a = lakeObjects(events, { homeRegion: 'eu-west-1', stem: 's1' });
    const b = lakeObjects([...events].reverse(), { homeRegion: 'eu-west-1', stem: 's1' });
    expect(b.map((o) => o.key)).toEqual(a.map((o) => o.key));
    expect(b.map((o) => Buffer.from(o.body).toString('hex'))).toEqual(a.map((o) => Buffer.from(o.body).toString('hex')));
    expect(lakeObjects(events, { homeRegion: 'eu-west-1', stem: 's2' }).map((o) => o.key)).not.toEqual(a.map((o) => o.key));
  });

  it('splits a partition by row count and by bytes, never losing or repeating a row', async () => {
    const byRows = lakeObjects(events.slice(0, 40), { homeRegion: 'eu-west-1', stem: 'r', maxRowsPerObject: 15 });
    expect(byRows.map((o) => o.rows)).toEqual([15, 15, 10]);
    // evidence that does not compress, so the rows outweigh Parquet's fixed footer
    const heavy = Array.from({ length: 40 }, (_, i) => toOcsf(finding(i, { evidence: randomBytes(1500).toString('hex') })));
    const whole = lakeObjects(heavy, { homeRegion: 'eu-west-1', stem: 'b' })[0]!;
    const byBytes = lakeObjects(heavy, { homeRegion: 'eu-west-1', stem: 'b', maxObjectBytes: Math.ceil(whole.body.length / 3) });
    expect(byBytes.length).toBeGreaterThan(2);
    for (const o of byBytes) expect(o.body.length).toBeLessThanOrEqual(Math.ceil(whole.body.length / 3));
    const uids = (await Promise.all(byBytes.map((o) => read(o.body)))).flat().map((r) => (r.finding_info as { uid: string }).uid);
    expect(uids.sort()).toEqual(Array.from({ length: 40 }, (_, i) => `f-${i}`).sort());
    expect(() => lakeObjects(events.slice(0, 1), { homeRegion: 'eu-west-1', stem: 'b', maxObjectBytes: 100 })).toThrow(/one event alone is \d+ bytes/);
  });

  it('rejects what it cannot place, naming the event', () => {
    const noAccount = { ...toOcsf(finding(1)), cloud: { provider: 'aws' } };
    expect(() => lakeObjects([events[0]!, noAccount], { homeRegion: 'eu-west-1', stem: 'x' })).toThrow(/event 1: cloud.account.uid undefined/);
    expect(() => partitionOf({ ...events[0]!, time: 'soon' }, 'eu-west-1')).toThrow(/time is not epoch milliseconds/);
    expect(() => lakeObjects([{ ...events[0]!, class_uid: 4001 }], { homeRegion: 'eu-west-1', stem: 'x' })).toThrow(/event 0: class_uid 4001 is not one Census writes/);
    expect(() => ocsfParquet(OCSF_CLASSES[2003]!, [events[0]!, resourceToOcsf(resource)])).toThrow(/event 1: class_uid 5023 in a 2003 object/);
  });

  it('an attribute the Parquet schema has no column for is an error, not a silent loss', () => {
    expect(() => shapeRow(OCSF_CLASSES[2003]!.fields, { ...events[0]!, enrichments: [] }, 'event 3')).toThrow(/event 3: attribute enrichments has no column/);
    expect(() => shapeRow(OCSF_CLASSES[2003]!.fields, { ...events[0]!, cloud: { provider: 'aws', zone: 'a' } })).toThrow(/event.cloud: attribute zone/);
    expect(() => shapeRow(OCSF_CLASSES[2003]!.fields, { ...events[0]!, time: '2026' })).toThrow(/event.time: expected an integer/);
  });
});

describe('resources as OCSF Cloud Resources Inventory Info (5023)', () => {
  it('maps the configuration item, its partition, tags and partial collection', () => {
    const e = resourceToOcsf(resource);
    expect(e).toMatchObject({
      class_uid: 5023, category_uid: 5, activity_id: 2, type_uid: 502302, severity_id: 1, status_id: 99, status_detail: 'ListRolePolicies: AccessDenied',
      time: Date.parse('2026-11-24T23:59:59.999Z'), cloud: { provider: 'aws', account: { uid: '222222222222' } },
      resources: [{ uid: resource.arn, type: 'AWS::IAM::Role', region: 'global', cloud_partition: 'aws-us-gov', labels: ['env=prod'], data: { configuration: resource.configuration } }],
    });
    expect((e.cloud as { region?: string }).region).toBeUndefined();
    expect(resourceToOcsf({ ...resource, errors: [] })).toMatchObject({ status_id: 1, status: 'Success' });
    expect((resourceToOcsf(resource).metadata as { uid: string }).uid).toBe((resourceToOcsf({ ...resource, tags: {} }).metadata as { uid: string }).uid);
  });
});

describe('CENSUS_SECURITY_LAKE', () => {
  it('is off unless set', () => {
    expect(lakeLocationFromEnv({})).toBeUndefined();
  });

  it('one root: a folder per class below it', () => {
    expect(lakeLocationFromEnv({ CENSUS_SECURITY_LAKE: 's3://lake-bucket/ext', CENSUS_SECURITY_LAKE_REGION: 'eu-west-1', CENSUS_SECURITY_LAKE_RESOURCES_SOURCE: 'inv' })).toEqual({
      sources: {
        2003: { bucket: 'lake-bucket', prefix: 'ext/census-compliance-finding/' },
        5019: { bucket: 'lake-bucket', prefix: 'ext/census-config-change/' },
        5023: { bucket: 'lake-bucket', prefix: 'ext/inv/' },
      },
      homeRegion: 'eu-west-1',
      externalId: undefined,
    });
  });

  it('staging: a prefix of the feed bucket the compaction owns', () => {
    expect(lakeLocationFromEnv({ CENSUS_SECURITY_LAKE: 's3://lake/ext/', CENSUS_SECURITY_LAKE_STAGING: 's3://census-feed/lake-staging' })?.staging).toEqual({ bucket: 'census-feed', prefix: 'lake-staging/' });
    expect(() => lakeLocationFromEnv({ CENSUS_SECURITY_LAKE: 's3://lake/ext/', CENSUS_SECURITY_LAKE_STAGING: 's3://census-feed' })).toThrow(/CENSUS_SECURITY_LAKE_STAGING "s3:\/\/census-feed" needs a prefix/);
  });

  it('registered custom sources: each its own location and provider role', () => {
    const sources = JSON.stringify({ 2003: { location: 's3://aws-security-data-lake-x/ext/cf/1.0/', roleArn: 'arn:aws:iam::1:role/a' }, 5023: { location: 's3://aws-security-data-lake-x/ext/inv/1.0' } });
    expect(lakeLocationFromEnv({ CENSUS_SECURITY_LAKE_SOURCES: sources, CENSUS_SECURITY_LAKE_EXTERNAL_ID: 'ext-1', CENSUS_SECURITY_LAKE_REGION: 'us-east-2' })).toEqual({
      sources: { 2003: { bucket: 'aws-security-data-lake-x', prefix: 'ext/cf/1.0/', roleArn: 'arn:aws:iam::1:role/a' }, 5023: { bucket: 'aws-security-data-lake-x', prefix: 'ext/inv/1.0/' } },
      homeRegion: 'us-east-2',
      externalId: 'ext-1',
    });
    expect(() => lakeLocationFromEnv({ CENSUS_SECURITY_LAKE_SOURCES: '{"4001":{"location":"s3://b/x/"}}' })).toThrow(/4001 is not an OCSF class/);
    expect(() => lakeLocationFromEnv({ CENSUS_SECURITY_LAKE_SOURCES: '{' })).toThrow(/CENSUS_SECURITY_LAKE_SOURCES is not JSON/);
    expect(() => lakeLocationFromEnv({ CENSUS_SECURITY_LAKE: 'https://bucket/ext/' })).toThrow(/CENSUS_SECURITY_LAKE "https:\/\/bucket\/ext\/" is not an s3:\/\/bucket\/prefix\/ location/);
  });
});

describe('withSecurityLake', () => {
  class Inner {
    calls: string[] = [];
    async write(kind: string, _records: object[], key: string): Promise<void> {
      this.calls.push(`feed ${kind} ${key}`);
    }
    async exists(key: string): Promise<boolean> {
      return this.calls.some((c) => c.endsWith(key));
    }
  }

  it('writes the Security Lake copy before the feed object, and not the feed object when that fails', async () => {
    const inner = new Inner();
    let fail = false;
    const writer = {
      write: async (kind: string, _r: object[], name: string) => {
        if (fail) throw new Error('lake down');
        inner.calls.push(`lake ${kind} ${name}`);
        return [];
      },
    } as unknown as SecurityLakeWriter;
    const sink = withSecurityLake(inner, writer);
    await sink.write('resource', [{}], 'feed/resource/k1');
    expect(inner.calls).toEqual(['lake resource feed/resource/k1', 'feed resource feed/resource/k1']);
    expect(await sink.exists('feed/resource/k1')).toBe(true);
    fail = true;
    await expect(sink.write('resource', [{}], 'feed/resource/k2')).rejects.toThrow('lake down');
    expect(await sink.exists('feed/resource/k2')).toBe(false);
    expect(withSecurityLake(inner, undefined)).toBe(inner);
  });
});
