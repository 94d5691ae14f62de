// Change-only landing decisions (pure): an unchanged resource or finding lands nowhere; a change lands with a
// change record naming exactly what changed.
import { describe, expect, it } from 'vitest';
import { decideFinding, decideResource, withContentHash } from '../../processors/changes.js';
import type { FindingRecord, ResourceRecord } from '../../core/schemas.js';

const resource = (over: Partial<ResourceRecord> = {}): ResourceRecord => ({
  recordType: 'resource',
  schemaVersion: 1 as never,
  resourceType: 'AWS::SQS::Queue',
  resourceId: 'https://sqs.eu-west-1.amazonaws.com/111122223333/jobs',
  arn: 'arn:aws:sqs:eu-west-1:111122223333:jobs',
  resourceName: 'jobs',
  awsAccountId: '111122223333',
  awsRegion: 'eu-west-1',
  configuration: { Attributes: { Policy: '{}', ApproximateNumberOfMessages: '4' } },
  supplementaryConfiguration: {},
  tags: {},
  resourceCreationTime: null,
  configurationItemCaptureTime: '2026-11-20T10:00:00.000Z',
  configurationItemStatus: 'OK',
  collector: 'sqs',
  errors: [],
  publicVerdict: 'not-granted',
  ...over,
});

describe('decideResource', () => {
  const first = withContentHash(resource());
  const stored = { ...first };

  it('lands a resource seen for the first time as created, with its whole content in the diff', () => {
    const d = decideResource(first, undefined);
    expect(d.land && d.change.kind).toBe('created');
    expect(d.land && d.change.diff.map((x) => `${x.op} ${x.path}`)).toEqual(expect.arrayContaining(['add /configuration', 'add /tags']));
  });

  it('does not land the same content captured later, even when volatile fields moved', () => {
    const later = withContentHash(resource({ configurationItemCaptureTime: '2026-11-20T10:30:00.000Z', configuration: { Attributes: { Policy: '{}', ApproximateNumberOfMessages: '900' } } }));
    expect(decideResource(later, stored)).toEqual({ land: false, reason: 'unchanged' });
  });

  it('lands a changed resource with the diff and verdict change, and the event that caused it', () => {
    const changed = withContentHash(resource({ configurationItemCaptureTime: '2026-11-20T11:00:00.000Z', configuration: { Attributes: { Policy: '{"Statement":[]}' } }, publicVerdict: 'public' }));
    const d = decideResource(changed, stored, { eventName: 'SetQueueAttributes', principal: 'arn:aws:sts::111122223333:assumed-role/Admin/alice' });
    expect(d.land).toBe(true);
    if (!d.land) return;
    expect(d.change).toMatchObject({ kind: 'modified', eventName: 'SetQueueAttributes', previousCaptureTime: '2026-11-20T10:00:00.000Z', verdict: { before: 'not-granted', after: 'public' } });
    expect(d.change.diff).toEqual([{ op: 'replace', path: '/configuration/Attributes/Policy', before: '"{}"', after: '"{\\"Statement\\":[]}"' }, { op: 'replace', path: '/publicVerdict', before: '"not-granted"', after: '"public"' }]);
    // a replay of the same copy names the same change
    const again = decideResource(changed, stored, {});
    expect(again.land && again.change.changeId).toBe(d.change.changeId);
  });

  it('never lands an older copy, and lands a deletion with an empty diff', () => {
    const older = withContentHash(resource({ configurationItemCaptureTime: '2026-11-20T09:00:00.000Z', tags: { x: '1' } }));
    expect(decideResource(older, stored)).toEqual({ land: false, reason: 'older' });
    const gone = withContentHash(resource({ configurationItemCaptureTime: '2026-11-21T00:00:00.000Z', configurationItemStatus: 'ResourceDeleted' }));
    const d = decideResource(gone, stored);
    expect(d.land && d.change.kind).toBe('deleted');
    expect(d.land && d.change.diff).toEqual([]);
  });
});

describe('decideFinding', () => {
  const finding = (over: Partial<FindingRecord> = {}): FindingRecord => ({
    recordType: 'finding',
    schemaVersion: 1 as never,
    findingId: 'f1',
    requirementId: 'CSS-SQS-01',
    status: 'FAIL',
    severity: 'high',
    resourceType: 'AWS::SQS::Queue',
    resourceId: 'jobs',
    resourceArn: 'arn:aws:sqs:eu-west-1:111122223333:jobs',
    accountId: '111122223333',
    region: 'eu-west-1',
    source: 'census',
    evidence: 'policy grants * sqs:SendMessage',
    observedAt: '2026-11-20T10:00:00.000Z',
    ...over,
  });

  it('lands a new finding with first and last observation, and not the same observation again', () => {
    const d = decideFinding(finding(), undefined);
    expect(d.land && d.record.firstObservedAt).toBe('2026-11-20T10:00:00.000Z');
    expect(decideFinding(finding({ observedAt: '2026-11-20T10:30:00.000Z' }), { status: 'FAIL', evidence: 'policy grants * sqs:SendMessage', observedAt: '2026-11-20T10:00:00.000Z' })).toEqual({ land: false });
  });

  it('lands when the status flips, the evidence changes or an exception starts or lapses', () => {
    const stored = { status: 'FAIL', evidence: 'policy grants * sqs:SendMessage', observedAt: '2026-11-20T10:00:00.000Z' };
    const flip = decideFinding(finding({ status: 'PASS', evidence: 'no public statement', observedAt: '2026-11-20T11:00:00.000Z' }), stored);
    expect(flip.land && flip.flipped).toEqual({ from: 'FAIL', to: 'PASS' });
    expect(decideFinding(finding({ evidence: 'policy grants * sqs:*', observedAt: '2026-11-20T11:00:00.000Z' }), stored).land).toBe(true);
    const excepted = finding({ observedAt: '2026-11-20T11:00:00.000Z', exception: { exceptionId: 'EX-1', active: true } as never });
    expect(decideFinding(excepted, stored).land).toBe(true);
    expect(decideFinding(excepted, { ...stored, exception: { exceptionId: 'EX-1', active: true } }).land).toBe(false);
    expect(decideFinding(excepted, { ...stored, exception: { exceptionId: 'EX-1', active: false } }).land).toBe(true);
  });

  it('never lands an older observation', () => {
    expect(decideFinding(finding({ status: 'PASS', observedAt: '2026-11-19T00:00:00.000Z' }), { status: 'FAIL', evidence: 'x', observedAt: '2026-11-20T10:00:00.000Z' })).toEqual({ land: false });
  });
});
