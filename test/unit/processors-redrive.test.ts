// The on-failure record of a skipped Kinesis batch, read (processors/redrive.ts): what it names, and every way it
// can describe no batch, each with its reason.
import { describe, expect, it } from 'vitest';
import { parseFailureMessage } from '../../processors/redrive.js';

const info = { shardId: 'shardId-000000000003', startSequenceNumber: '4960118965842235937883629852182763847532018901230970472', endSequenceNumber: '4960118965842235937883629852290237352895759434862349518', batchSize: 500, streamArn: 'arn:aws:kinesis:eu-west-1:111122223333:stream/census-records' };
const message = (over: Record<string, unknown> = {}) => JSON.stringify({ requestContext: { condition: 'RecordAgeExceeded' }, KinesisBatchInfo: { ...info, ...over } });

describe('parseFailureMessage', () => {
  it('reads the stream, shard, range, size and condition', () => {
    expect(parseFailureMessage(message())).toEqual({
      ok: true,
      batch: { streamName: 'census-records', shardId: info.shardId, startSequenceNumber: info.startSequenceNumber, endSequenceNumber: info.endSequenceNumber, batchSize: 500, condition: 'RecordAgeExceeded' },
    });
  });

  it.each([
    ['{', /^not JSON/],
    ['null', /no KinesisBatchInfo/],
    [JSON.stringify({ requestContext: {} }), /no KinesisBatchInfo/],
    [message({ shardId: undefined, streamArn: '' }), /lacks shardId, streamArn/],
    [message({ startSequenceNumber: '12a' }), /startSequenceNumber "12a" is not a sequence number/],
    [message({ streamArn: 'arn:aws:sqs:eu-west-1:111122223333:q' }), /is not a Kinesis stream ARN/],
    [message({ startSequenceNumber: '9', endSequenceNumber: '10' }), undefined],
    [message({ startSequenceNumber: '11', endSequenceNumber: '10' }), /starts after it ends/],
  ])('%s', (body, reason) => {
    const parsed = parseFailureMessage(body);
    if (reason === undefined) expect(parsed.ok).toBe(true);
    else expect(parsed).toEqual({ ok: false, reason: expect.stringMatching(reason) });
  });
});
