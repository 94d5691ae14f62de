// IAM write events (recorded in the partition's home region) -> re-collect the role, user or policy.
// A deletion marker's ARN assumes the default path `/`: a role or user under another path is marked deleted
// by the next complete inventory instead (the delete event does not carry the path).
import { arnOr, at, firstOf, rules, type CollectorEvents } from '../events/declare.js';

const role = at('requestParameters.roleName');
const user = at('requestParameters.userName');
const policy = firstOf('requestParameters.policyArn', 'responseElements.policy.arn');

export const iamEvents: CollectorEvents = {
  collector: 'iam',
  source: 'iam.amazonaws.com',
  resources: [
    {
      resourceType: 'AWS::IAM::Role',
      events: {
        ...rules(
          [
            'CreateRole',
            'UpdateRole',
            'UpdateAssumeRolePolicy',
            'PutRolePolicy',
            'DeleteRolePolicy',
            'AttachRolePolicy',
            'DetachRolePolicy',
            'TagRole',
            'UntagRole',
            'PutRolePermissionsBoundary',
            'DeleteRolePermissionsBoundary',
          ],
          role,
        ),
        DeleteRole: { keys: role, deletes: true },
      },
      arn: arnOr((name, p) => `arn:${p.partition}:iam::${p.accountId}:role/${name}`),
    },
    {
      resourceType: 'AWS::IAM::User',
      events: {
        ...rules(
          [
            'CreateUser',
            'UpdateUser',
            'PutUserPolicy',
            'DeleteUserPolicy',
            'AttachUserPolicy',
            'DetachUserPolicy',
            'CreateAccessKey',
            'UpdateAccessKey',
            'DeleteAccessKey',
            'CreateLoginProfile',
            'UpdateLoginProfile',
            'DeleteLoginProfile',
            'EnableMFADevice',
            'DeactivateMFADevice',
            'AddUserToGroup',
            'RemoveUserFromGroup',
            'TagUser',
            'UntagUser',
          ],
          user,
        ),
        DeleteUser: { keys: user, deletes: true },
      },
      arn: arnOr((name, p) => `arn:${p.partition}:iam::${p.accountId}:user/${name}`),
    },
    {
      resourceType: 'AWS::IAM::Policy',
      events: {
        ...rules(['CreatePolicy', 'CreatePolicyVersion', 'DeletePolicyVersion', 'SetDefaultPolicyVersion', 'TagPolicy', 'UntagPolicy'], policy),
        DeletePolicy: { keys: policy, deletes: true },
      },
      arn: arnOr((name, p) => `arn:${p.partition}:iam::${p.accountId}:policy/${name}`),
    },
  ],
};
