// Lambda entry points of the collectors (bundled by infra/ with esbuild). Issue 3 implements them.
export async function discoverHandler(): Promise<unknown> {
  throw new Error('discoverHandler: not implemented yet');
}
export async function inventoryHandler(_event: unknown): Promise<unknown> {
  throw new Error('inventoryHandler: not implemented yet');
}
