// SES identities (email addresses and domains): verification status and sending-authorization policies.
import { GetIdentityPoliciesCommand, GetIdentityVerificationAttributesCommand, ListIdentityPoliciesCommand, paginateListIdentities, SESClient } from '@aws-sdk/client-ses';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { arnOf, decodePolicies, detail, pageSize, resource, type Collector, type CollectorContext } from '../engine.js';

const sesClient = (o: ClientOptions) => new SESClient(clientConfig(o));

interface Identity {
  Identity: string;
  IdentityType: 'EmailAddress' | 'Domain';
  VerificationStatus?: string;
}

async function* identities(client: SESClient, ctx: CollectorContext): AsyncGenerator<Identity> {
  for await (const page of paginateListIdentities({ client, pageSize: pageSize(ctx) }, {})) {
    const names = page.Identities ?? [];
    if (!names.length) continue;
    const attrs = (await client.send(new GetIdentityVerificationAttributesCommand({ Identities: names }))).VerificationAttributes ?? {};
    for (const name of names) {
      yield { Identity: name, IdentityType: name.includes('@') ? 'EmailAddress' : 'Domain', VerificationStatus: attrs[name]?.VerificationStatus };
    }
  }
}

const identitySpec = resource<SESClient, Identity>({
  resourceType: 'AWS::SES::EmailIdentity',
  client: sesClient,
  list: identities,
  id: 'Identity',
  name: 'Identity',
  arn: (i, ctx) => arnOf(ctx, 'ses', `identity/${i.Identity}`),
  details: {
    Policies: detail('GetIdentityPolicies', async (c: SESClient, i: Identity) => {
      const names = (await c.send(new ListIdentityPoliciesCommand({ Identity: i.Identity }))).PolicyNames ?? [];
      if (!names.length) return {};
      return decodePolicies((await c.send(new GetIdentityPoliciesCommand({ Identity: i.Identity, PolicyNames: names }))).Policies ?? {});
    }),
  },
});

export const ses: Collector = { name: 'ses', resources: [identitySpec] };
