// Least-privilege grants written out action by action. CDK's grant helpers give wildcard actions
// (s3:Abort*, s3:GetObject*, kms:GenerateDataKey*, kms:ReEncrypt*); Census roles get exactly what they call.
import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';

const objectActions = {
  read: ['s3:GetObject'],
  // multipart uploads (lib-storage Upload) need Decrypt of the data key and the right to abort
  write: ['s3:PutObject', 's3:AbortMultipartUpload'],
} as const;
const keyActions = { read: ['kms:Decrypt'], write: ['kms:GenerateDataKey', 'kms:Decrypt'] } as const;

/**
 * Let `role` read or write objects under the given key prefixes of one SSE-KMS bucket.
 * A prefix grant still ends in `*`, which AwsSolutions-IAM5 reports; it is acknowledged here, per prefix, so a new
 * grant on a whole bucket still fails the check.
 */
export function allowObjects(role: iam.IRole, bucket: s3.Bucket, key: kms.IKey, access: 'read' | 'write', prefixes: string[]): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: [...objectActions[access]], resources: prefixes.map((p) => bucket.arnForObjects(p)) }),
  );
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...keyActions[access]], resources: [key.keyArn] }));
  acknowledgePrefixGrants(role, bucket, prefixes);
}

export function acknowledgePrefixGrants(scope: IConstruct, bucket: s3.Bucket, prefixes: string[]): void {
  const logicalId = Stack.of(bucket).getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
  for (const prefix of prefixes) {
    Validations.of(scope).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${prefix}]`,
      reason: `Objects under ${prefix.replace('*', '')} have generated names (time, hash or resource id); the grant is limited to that prefix of one bucket.`,
    });
  }
}

/** PutRecord(s) on one stream and the data key to encrypt with; nothing to read or manage the stream. */
export function allowStreamWrite(role: iam.IRole, stream: kinesis.IStream, key: kms.IKey): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['kinesis:PutRecord', 'kinesis:PutRecords', 'kinesis:DescribeStreamSummary'],
      resources: [stream.streamArn],
    }),
  );
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey'], resources: [key.keyArn] }));
}
