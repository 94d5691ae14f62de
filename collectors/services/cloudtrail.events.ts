// CloudTrail trail write events -> re-collect the trail (a trail's name or ARN).
import { arnOr, firstOf, rules, type CollectorEvents } from '../events/declare.js';

const trail = firstOf('requestParameters.name', 'responseElements.trailARN', 'requestParameters.trailName');

export const cloudtrailEvents: CollectorEvents = {
  collector: 'cloudtrail',
  source: 'cloudtrail.amazonaws.com',
  resources: [
    {
      resourceType: 'AWS::CloudTrail::Trail',
      events: {
        ...rules(['CreateTrail', 'UpdateTrail', 'StartLogging', 'StopLogging', 'PutEventSelectors', 'PutInsightSelectors', 'AddTags', 'RemoveTags'], trail),
        DeleteTrail: { keys: trail, deletes: true },
      },
      arn: arnOr((name, p) => `arn:${p.partition}:cloudtrail:${p.region}:${p.accountId}:trail/${name}`),
    },
  ],
};
