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

type Statement = { Effect?: string; Action?: unknown; Resource?: unknown; Sid?: string };
type Template = { Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

/** True when the action's name starts with a read-only verb (`s3:GetObject`, `ec2:Describe*`). */
export function isReadOnlyAction(action: string): boolean {
  const [, name = ''] = action.split(':', 2);
  return readOnlyVerbs.some((verb) => name.startsWith(verb));
}

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

/** Every Allow statement of every identity policy in the template, with the policy's logical id. */
function allowStatements(template: Template): { resource: string; st: Statement; actions: string[] }[] {
  const out: { resource: string; st: Statement; actions: string[] }[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    for (const doc of policyDocuments(resource.Properties ?? {}, resource.Type)) {
      const statements = (doc as { Statement?: Statement | Statement[] } | undefined)?.Statement;
      for (const st of ([] as Statement[]).concat(statements ?? [])) {
        if (st.Effect !== 'Allow') continue;
        const actions = ([] as unknown[]).concat(st.Action ?? []).filter((a): a is string => typeof a === 'string');
        out.push({ resource: logicalId, st, actions });
      }
    }
  }
  return out;
}

/** Every Allow statement of every identity policy in the template that grants a wildcard write action. */
export function wildcardWriteGrants(template: Template): WildcardGrant[] {
  return allowStatements(template).flatMap(({ resource, st, actions }) =>
    actions.filter(isWildcardWriteAction).map((action) => ({ resource, action, sid: st.Sid })),
  );
}

/** Actions that are not read-only, granted on `Resource: "*"`. */
export function writeGrantsOnAnyResource(template: Template): WildcardGrant[] {
  return allowStatements(template)
    .filter(({ st }) => ([] as unknown[]).concat(st.Resource ?? []).includes('*'))
    .flatMap(({ resource, st, actions }) => actions.filter((a) => !isReadOnlyAction(a)).map((action) => ({ resource, action, sid: st.Sid })));
}
