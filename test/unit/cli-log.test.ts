// Logs on stderr: plain lines for people at a terminal, pino JSON for machines (flag, Lambda, or CENSUS_LOG_FORMAT=json
// when stderr is not a terminal).
import { describe, expect, it } from 'vitest';
import { chooseLogFormat, plainLine } from '../../platform/log.js';

describe('log format', () => {
  it('is plain on a terminal unless --log-format json, JSON in Lambda, and JSON by configuration only off a terminal', () => {
    expect(chooseLogFormat({ stderrIsTty: true, inLambda: false })).toBe('plain');
    expect(chooseLogFormat({ stderrIsTty: false, inLambda: false })).toBe('plain');
    expect(chooseLogFormat({ flag: 'json', stderrIsTty: true, inLambda: false })).toBe('json');
    expect(chooseLogFormat({ stderrIsTty: true, inLambda: true })).toBe('json');
    expect(chooseLogFormat({ configured: 'json', stderrIsTty: false, inLambda: false })).toBe('json');
    expect(chooseLogFormat({ configured: 'json', stderrIsTty: true, inLambda: false })).toBe('plain');
    expect(chooseLogFormat({ flag: 'plain', stderrIsTty: false, inLambda: true })).toBe('plain');
  });

  it('prints a pino line as level, message and fields', () => {
    const line = JSON.stringify({ level: 40, time: 1, pid: 2, hostname: 'h', name: 'census', msg: 'spend unavailable', payer: '111111111111', reason: 'access denied', n: 3 });
    expect(plainLine(line)).toBe('warn  spend unavailable payer=111111111111 reason="access denied" n=3\n');
    expect(plainLine('not json')).toBe('not json\n');
  });
});
