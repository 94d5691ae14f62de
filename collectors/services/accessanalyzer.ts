// IAM Access Analyzer analyzers (type and status in configuration).
import { AccessAnalyzerClient, paginateListAnalyzers, type AnalyzerSummary } from '@aws-sdk/client-accessanalyzer';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { paged, resource, type Collector } from '../engine.js';

const analyzerClient = (o: ClientOptions) => new AccessAnalyzerClient(clientConfig(o));

const analyzerSpec = resource<AccessAnalyzerClient, AnalyzerSummary>({
  resourceType: 'AWS::AccessAnalyzer::Analyzer',
  client: analyzerClient,
  list: paged(paginateListAnalyzers, {}, 'analyzers'),
  id: (a) => a.arn ?? '',
  name: 'name',
  arn: (a) => a.arn ?? '',
  created: 'createdAt',
  tags: 'tags',
});

export const accessanalyzer: Collector = { name: 'accessanalyzer', resources: [analyzerSpec] };
