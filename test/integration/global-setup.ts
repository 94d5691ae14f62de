// Starts the real local stack (moto, kinesalite, OpenSearch) once for the integration tests and
// stops afterwards only what it started itself.
import { localStack, stackDown, stackUp } from '../../platform/local-stack.js';

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

export default async function setup(): Promise<() => void> {
  const wasUp = (await answers(`${localStack.moto}/moto-api/config`)) && (await answers(localStack.opensearch));
  stackUp();
  return () => {
    if (!wasUp && process.env.CENSUS_KEEP_STACK !== '1') stackDown();
  };
}
