// The one place a policy document is decoded. IAM returns documents URL-encoded (GetRole, GetPolicyVersion;
// moto's ListRoles returns raw JSON), other services return JSON text or objects; a document stored by an
// older collector may even be URL-encoded twice. Every reader of policies goes through decodePolicyDocument.

/** Decode a policy document that may arrive as an object, JSON text, URL-encoded or double-encoded JSON. */
export function decodePolicyDocument(doc: unknown): unknown {
  if (typeof doc !== 'string') return doc;
  let text = doc.trim();
  for (let i = 0; i < 3; i++) {
    if (text.startsWith('{') || text.startsWith('[')) return JSON.parse(text);
    text = decodeURIComponent(text).trim();
  }
  return JSON.parse(text);
}
