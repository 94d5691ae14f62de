// Loads the saved objects into OpenSearch Dashboards through its import API.
import { savedObjectsNdjson } from './objects.js';

export interface ImportResult {
  success: boolean;
  successCount: number;
  errors: { id: string; type: string; error: { type: string; message?: string } }[];
}

/** The multipart request `POST /api/saved_objects/_import?overwrite=true` expects. */
export function buildImportRequest(dashboardsUrl: string, prefix: string): { url: string; init: RequestInit } {
  const form = new FormData();
  form.append('file', new Blob([savedObjectsNdjson(prefix)], { type: 'application/ndjson' }), 'census.ndjson');
  return {
    url: `${dashboardsUrl.replace(/\/$/, '')}/api/saved_objects/_import?overwrite=true`,
    // Dashboards refuses API writes without its anti-CSRF header
    init: { method: 'POST', body: form, headers: { 'osd-xsrf': 'true' } },
  };
}

export async function importSavedObjects(dashboardsUrl: string, prefix = 'census'): Promise<ImportResult> {
  const { url, init } = buildImportRequest(dashboardsUrl, prefix);
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (err) {
    throw new Error(`cannot reach OpenSearch Dashboards at ${dashboardsUrl}: ${(err as Error).message}`);
  }
  const body = (await res.json().catch(() => ({}))) as Partial<ImportResult> & { message?: string };
  if (!res.ok) throw new Error(`OpenSearch Dashboards refused the import (HTTP ${res.status}): ${body.message ?? 'no message'}`);
  const result = { success: Boolean(body.success), successCount: body.successCount ?? 0, errors: body.errors ?? [] };
  if (!result.success) {
    const first = result.errors[0];
    throw new Error(`import failed for ${result.errors.length} objects${first ? `, first ${first.type} ${first.id}: ${first.error.type}` : ''}`);
  }
  return result;
}
