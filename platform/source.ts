// Read bytes from a local path or an s3://bucket/key URL: the one home for "a register, catalog or list that may sit
// in S3". The S3 client is loaded only for s3:// sources, so reading a local file costs no SDK start-up.
import { readFile } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';

export async function readSource(source: string, s3?: S3Client): Promise<Buffer> {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(source);
  if (!m) {
    try {
      return await readFile(source);
    } catch (err) {
      throw new Error(`cannot read ${source}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const { GetObjectCommand, S3Client: Client } = await import('@aws-sdk/client-s3');
  const { s3Config } = await import('./aws.js');
  const client = s3 ?? new Client(s3Config());
  try {
    const res = await client.send(new GetObjectCommand({ Bucket: m[1], Key: m[2] }));
    return Buffer.from(await res.Body!.transformToByteArray());
  } catch (err) {
    throw new Error(`cannot read ${source}: ${(err as Error).name}: ${(err as Error).message}`);
  }
}
