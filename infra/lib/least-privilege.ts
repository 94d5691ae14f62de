// Finds IAM statements in a synthesized template that allow a wildcard action able to match a write API:
// `*`, `s3:*`, `s3:Put*`, `kms:ReEncrypt*`... Read-only wildcards (`s3:Get*`, `ec2:Describe*`) pass.
// The tests run it on every template, so a new grant helper that widens permissions fails the build.

/** Verbs of read-only AWS APIs; a wildcard action whose fixed part starts with one of these cannot reach a write API. */
const readOnlyVerbs = ['Get', 'List', 'Describe', 'Head', 'BatchGet', 'Search', 'Lookup', 'View', 'Select'];

export interface WildcardGrant {
  /** logical id of the resource that holds the policy */
  resource: string;
  action: string;
  sid?: string;
}

type Statement = { Effect?: string; Action?: unknown; Sid?: string };
type Template = { Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

/** True when `action` contains a wildcard that could match an API that is not read-only. */
export function isWildcardWriteAction(action: string): boolean {
  if (!action.includes('*') && !action.includes('?')) return false;
  if (action === '*') return true;
  const [, name = ''] = action.split(':', 2);
  const fixed = name.split(/[*?]/, 1)[0] ?? '';
  // `s3:*`, `s3:P*`, `kms:ReEncrypt*`: the fixed part does not pin a read-only verb
  return !readOnlyVerbs.some((verb) => fixed.startsWith(verb));
}

function policyDocuments(props: Record<string, unknown>, type: string): unknown[] {
  switch (type) {
    case 'AWS::IAM::Policy':
    case 'AWS::IAM::ManagedPolicy':
      return [props.PolicyDocument];
    case 'AWS::IAM::Role':
    case 'AWS::IAM::User':
    case 'AWS::IAM::Group':
      return ((props.Policies as { PolicyDocument: unknown }[] | undefined) ?? []).map((p) => p.PolicyDocument);
    default:
      return [];
  }
}

/** Every Allow statement of every identity policy in the template that grants a wildcard write action. */
export function wildcardWriteGrants(template: Template): WildcardGrant[] {
  const found: WildcardGrant[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    for (const doc of policyDocuments(resource.Properties ?? {}, resource.Type)) {
      const statements = (doc as { Statement?: Statement | Statement[] } | undefined)?.Statement;
      for (const st of ([] as Statement[]).concat(statements ?? [])) {
        if (st.Effect !== 'Allow') continue;
        const actions = ([] as unknown[]).concat(st.Action ?? []).filter((a): a is string => typeof a === 'string');
        for (const action of actions) {
          if (isWildcardWriteAction(action)) found.push({ resource: logicalId, action, sid: st.Sid });
        }
      }
    }
  }
  return found;
}
