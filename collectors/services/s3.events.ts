// S3 bucket write events -> re-collect the bucket (collectors/services/s3.ts). Bucket events name the bucket only.
import { arnOr, at, rules, type CollectorEvents } from '../events/declare.js';

const bucket = at('requestParameters.bucketName');

export const s3Events: CollectorEvents = {
  collector: 's3',
  source: 's3.amazonaws.com',
  resources: [
    {
      resourceType: 'AWS::S3::Bucket',
      events: {
        ...rules(
          [
            'CreateBucket',
            'PutBucketPolicy',
            'DeleteBucketPolicy',
            'PutBucketAcl',
            'PutBucketEncryption',
            'DeleteBucketEncryption',
            'PutBucketVersioning',
            'PutBucketPublicAccessBlock',
            'DeleteBucketPublicAccessBlock',
            'PutBucketLogging',
            'PutBucketTagging',
            'DeleteBucketTagging',
            'PutBucketOwnershipControls',
          ],
          bucket,
        ),
        DeleteBucket: { keys: bucket, deletes: true },
      },
      arn: arnOr((name, p) => `arn:${p.partition}:s3:::${name}`),
    },
  ],
};
