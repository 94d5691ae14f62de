// cfn-lint validates Amazon States Language (rule E3601) only when a state machine's `Definition` is an object;
// CDK emits `DefinitionString` as an Fn::Join of tokens. This turns each definition back into an object, with
// placeholder ARNs for the references, so the real validator checks the state machine offline too.

type Json = Record<string, unknown>;

const pseudo: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '123456789012',
  'AWS::URLSuffix': 'amazonaws.com',
};

/** Resolve Fn::Join / Ref / Fn::GetAtt to a string; references become well-formed placeholder ARNs. */
export function resolveTokens(value: unknown): string {
  if (typeof value === 'string') return value;
  const o = value as Json;
  if (Array.isArray(o['Fn::Join'])) {
    const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
    return parts.map(resolveTokens).join(sep);
  }
  if (typeof o.Ref === 'string') return pseudo[o.Ref] ?? `arn:aws:lambda:us-east-1:123456789012:function:${o.Ref}`;
  if (Array.isArray(o['Fn::GetAtt'])) return `arn:aws:lambda:us-east-1:123456789012:function:${(o['Fn::GetAtt'] as string[])[0]}`;
  throw new Error(`cannot resolve ${JSON.stringify(value).slice(0, 200)} in a state machine definition`);
}

/** A template holding every state machine of `template` with its definition inlined as an object. */
export function stateMachineLintTemplate(template: { Resources?: Record<string, { Type: string; Properties?: Json }> }): Json {
  const resources: Json = {};
  for (const [id, r] of Object.entries(template.Resources ?? {})) {
    if (r.Type !== 'AWS::StepFunctions::StateMachine') continue;
    resources[id] = {
      Type: r.Type,
      Properties: {
        RoleArn: 'arn:aws:iam::123456789012:role/placeholder',
        Definition: JSON.parse(resolveTokens(r.Properties?.DefinitionString)) as unknown,
      },
    };
  }
  return { AWSTemplateFormatVersion: '2010-09-09', Resources: resources };
}
