// Decorate a feed sink's `write` and keep every other member (`exists`, its bucket, ...) the inner sink's own,
// whatever the sink's shape: the processors' FeedSink changes with their landing rules, this does not have to.
export type WritableSink = { write(kind: never, records: object[], where: never): Promise<void> };
export type WriteFn = (kind: string, records: object[], where: unknown) => Promise<void>;

export function wrapSinkWrite<T extends WritableSink>(inner: T, write: (innerWrite: WriteFn) => WriteFn): T {
  const wrapped = Object.create(inner) as T;
  (wrapped as unknown as { write: WriteFn }).write = write(inner.write.bind(inner) as WriteFn);
  return wrapped;
}
