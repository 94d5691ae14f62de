// What S3's answers mean, in one place: the HTTP status of a failed call, "no such object" (HeadObject answers a
// bare 404 `NotFound`, GetObject `NoSuchKey`), and whether an object exists.
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** The HTTP status of a failed AWS SDK call, when it got an answer. */
export const httpStatusOf = (err: unknown): number | undefined => (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

export const isS3NotFound = (err: unknown): boolean => (err as Error).name === 'NotFound' || (err as Error).name === 'NoSuchKey' || httpStatusOf(err) === 404;

/** Whether the object exists (one HeadObject); any other failure than "not found" is thrown. */
export async function s3ObjectExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (err) {
    if (isS3NotFound(err)) return false;
    throw err;
  }
}
