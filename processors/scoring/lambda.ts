// Lambda entry points of the scoring job and scorecard delivery. Issue 6 implements them.
export async function scoreHandler(_event: unknown): Promise<unknown> {
  throw new Error('scoreHandler: not implemented yet');
}
export async function deliverHandler(_event: unknown): Promise<unknown> {
  throw new Error('deliverHandler: not implemented yet');
}
