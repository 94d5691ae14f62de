// Logging and threat detection: CloudTrail and GuardDuty.
// Inputs (AWS API response shapes):
//   AWS::CloudTrail::Trail configuration = DescribeTrails `trailList[]` entry
//     supplementaryConfiguration.TrailStatus = GetTrailStatus output { IsLogging, ... }
//   AWS::GuardDuty::Detector configuration = GetDetector output { Status, ... } (plus DetectorId)
import type { ResourceCheck, SweepCheck } from '../types.js';
import { asBool, conf, fail, fieldOf, firstOf, pass, supp, text } from './util.js';

const TRAIL = 'AWS::CloudTrail::Trail';

/** IsLogging from GetTrailStatus; `undefined` when the status was not collected. */
const isLogging = (r: { supplementaryConfiguration: Record<string, unknown>; configuration: Record<string, unknown> }) =>
  asBool(fieldOf(firstOf(r, ['supplementaryConfiguration.TrailStatus', 'supplementaryConfiguration.IsLogging', 'configuration.IsLogging']), 'IsLogging'));

export const cloudtrailMultiRegion: SweepCheck = {
  id: 'cloudtrail_multi_region_logging',
  scope: 'sweep',
  level: 'account',
  resourceTypes: [TRAIL],
  reads: `${TRAIL} configuration.IsMultiRegionTrail, supplementaryConfiguration.TrailStatus.IsLogging`,
  evaluate(scope) {
    const trails = scope.resources.filter((r) => r.resourceType === TRAIL);
    const good = trails.find((t) => asBool(conf(t).IsMultiRegionTrail) === true && isLogging(t) !== false);
    if (good) {
      const logging = isLogging(good) === undefined ? ' (logging status not collected)' : ' and logging';
      return [{ ...pass(`multi-region trail ${text(conf(good).Name ?? good.resourceId)}${logging}`), region: 'global' }];
    }
    const why = trails.length
      ? `no multi-region trail that is logging among ${[...new Set(trails.map((t) => text(conf(t).Name ?? t.resourceId)))].join(', ')}`
      : 'no CloudTrail trail in the account';
    return [{ ...fail(why), region: 'global' }];
  },
};

export const cloudtrailLogValidation: ResourceCheck = {
  id: 'cloudtrail_log_file_validation',
  scope: 'resource',
  resourceTypes: [TRAIL],
  reads: 'configuration.LogFileValidationEnabled, HomeRegion (DescribeTrails)',
  evaluate(record) {
    const home = conf(record).HomeRegion;
    // a multi-region trail is listed in every region; judge it once, in its home region
    if (typeof home === 'string' && home !== record.awsRegion) return undefined;
    return asBool(conf(record).LogFileValidationEnabled) === true ? pass('log file validation enabled') : fail('log file validation disabled');
  },
};

export const guarddutyEnabled: SweepCheck = {
  id: 'guardduty_enabled',
  scope: 'sweep',
  level: 'region',
  resourceTypes: ['AWS::GuardDuty::Detector'],
  reads: 'AWS::GuardDuty::Detector configuration.Status (GetDetector), one per region',
  evaluate(scope) {
    return scope.regions.map((region) => {
      const detectors = scope.resources.filter((r) => r.resourceType === 'AWS::GuardDuty::Detector' && r.awsRegion === region);
      const on = detectors.find((d) => (supp(d).Status ?? conf(d).Status ?? 'ENABLED') === 'ENABLED');
      const verdict = on
        ? pass(`detector ${on.resourceId} enabled in ${region}`)
        : fail(detectors.length ? `detector ${detectors.map((d) => d.resourceId).join(', ')} suspended in ${region}` : `no GuardDuty detector in ${region}`);
      return { ...verdict, region };
    });
  },
};

export const loggingChecks = [cloudtrailMultiRegion, cloudtrailLogValidation, guarddutyEnabled];
