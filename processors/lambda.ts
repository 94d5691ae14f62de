// Lambda entry point of the stream processor (Kinesis event source). Issue 4 implements it.
export async function handler(_event: unknown): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> {
  throw new Error('processor handler: not implemented yet');
}
