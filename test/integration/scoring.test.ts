// The deployed scoring path against real OpenSearch and moto (S3, SES), checked against the offline command.
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SESClient, VerifyEmailIdentityCommand } from '@aws-sdk/client-ses';
import type { Client } from '@opensearch-project/opensearch';
import ExcelJS from 'exceljs';
import { execFile, spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig, s3Config } from '../../platform/aws.js';
import { loadConfig, type CensusConfig } from '../../platform/config.js';
import { indexNames, s3Keys } from '../../core/indexes.js';
import { openSearchClient } from '../../platform/opensearch.js';
import type { ScoreRecord } from '../../core/schemas.js';
import { localStack, repoRoot } from '../../platform/local-stack.js';
import { indexTemplates, ensureIndexTemplates } from '../../opensearch/templates.js';
import { deliverScorecards } from '../../scoring/deliver.js';
import { runScoringJob, scoreFromStack } from '../../scoring/job.js';
import { describeWarnings, scoreFolder } from '../../scoring/offline.js';
import { NO_OWNER } from '../../scoring/score.js';
import { XLSX_CONTENT_TYPE } from '../../scoring/scorecards/sheet.js';
import { scoresFeedKey } from '../../scoring/store.js';
import { makeScoringDataset, registerCsv, writeOfflineFolder, type ScoringDataset } from '../fixtures/scoring/dataset.js';
import { uniqueName } from '../helpers.js';

const asOf = '2026-11-24';
const runAt = '2026-11-24T10:00:00.000Z';
const id = uniqueName('scoring');
const prefix = id;
const domain = `${id}.example.com`;
const sender = `census@${domain}`;
const ciso = `ciso@${domain}`;

let ds: ScoringDataset;
let s3: S3Client;
let os: Client;
let config: CensusConfig;
let offlineOut: string;
/**
 * SES messages are read back through moto's /moto-api/data.json, which dumps every model of the server.
 * On the shared stack that dump is hundreds of MB, and moto answers 500 once any Lambda function exists
 * (its docker_client property raises outside the dump's except clause). So the mail goes through a
 * moto server of this test's own (same venv, real moto); S3 and OpenSearch stay on the shared stack.
 */
let privateMoto: { url: string; stop: () => void };
let input: string;

const byId = (a: ScoreRecord, b: ScoreRecord) => a.scoreId.localeCompare(b.scoreId);
const readNdjson = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as ScoreRecord);

async function startMoto(): Promise<{ url: string; stop: () => void }> {
  const port = await new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = srv.address() as AddressInfo;
      srv.close(() => resolve(p));
    });
  });
  const env = { ...process.env };
  delete env.MOTO_ACCOUNT_ID;
  const child = spawn(join(repoRoot, '.stack/venv/bin/moto_server'), ['-H', '127.0.0.1', '-p', String(port)], { env, stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 120; i++) {
    if (await fetch(`${url}/moto-api/config`).then((r) => r.ok, () => false)) return { url, stop: () => child.kill() };
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill();
  throw new Error(`moto server on ${url} did not start`);
}

beforeAll(async () => {
  privateMoto = await startMoto();
  ds = makeScoringDataset({ accounts: 30, findings: 3000, domain, seed: 7 });
  s3 = new S3Client(s3Config());
  os = openSearchClient();
  input = mkdtempSync(join(tmpdir(), 'scoring-in-'));
  writeOfflineFolder(input, ds);
  config = loadConfig(
    {
      feedBucket: `${id}-feed`,
      scorecardBucket: `${id}-cards`,
      indexPrefix: prefix,
      opensearchUrl: localStack.opensearch,
      exceptions: `s3://${id}-feed/register/exceptions.csv`,
      sesFrom: sender,
      enterpriseRecipients: ciso,
      // the deployed job ships its catalog; here the same requirements file the offline folder holds
      catalog: join(input, 'requirements.json'),
    },
    {},
  );
  // Deployed inputs: the collector's account list (full AccountRecords) and the register in S3,
  // findings in the OpenSearch findings index (every observation its own document).
  for (const b of [config.feedBucket, config.scorecardBucket]) await s3.send(new CreateBucketCommand({ Bucket: b }));
  await s3.send(new PutObjectCommand({ Bucket: config.feedBucket, Key: s3Keys.accounts, Body: JSON.stringify(ds.accounts) }));
  await s3.send(new PutObjectCommand({ Bucket: config.feedBucket, Key: 'register/exceptions.csv', Body: registerCsv(ds.exceptions) }));
  await ensureIndexTemplates(os, prefix);
  let observation = 0;
  const bulk = await os.helpers.bulk({
    datasource: ds.findings,
    onDocument: () => ({ index: { _index: indexNames(prefix).findings, _id: `observation-${observation++}` } }),
    refreshOnCompletion: indexNames(prefix).findings,
  });
  expect(bulk.failed).toBe(0);
  offlineOut = mkdtempSync(join(tmpdir(), 'scoring-out-'));
  // the offline command, as a person runs it
  await promisify(execFile)(join(repoRoot, 'node_modules/.bin/tsx'), [join(repoRoot, 'bin/census.ts'), 'score', '--input', input, '--as-of', asOf, '--run-at', runAt, '--out', offlineOut], {
    cwd: repoRoot,
  });
});

afterAll(async () => {
  privateMoto?.stop();
  // only this test's own indexes and templates
  await os.indices.delete({ index: `${prefix}-*` }).catch(() => undefined);
  for (const name of Object.keys(indexTemplates(prefix))) await os.indices.deleteIndexTemplate({ name }).catch(() => undefined);
});

describe('deployed scoring job', () => {
  it('gives the same score records as the offline command, indexed and in the S3 feed', async () => {
    const summary = await runScoringJob(config, { asOf, runAt, pageSize: 97 }, { s3, opensearch: os });
    const offline = readNdjson(readFileSync(join(offlineOut, 'scores.ndjson'), 'utf8'));
    const ownerRequirements = offline.filter((s) => s.scope === 'owner-requirement').length;
    expect(ownerRequirements).toBeGreaterThan(0);
    expect(offline.length).toBe(30 * 12 + 30 + new Set(ds.accounts.map((a) => a.owner ?? NO_OWNER)).size + ownerRequirements + new Set(ds.accounts.map((a) => a.executive ?? '')).size + 1);
    expect(summary).toMatchObject({ scores: offline.length, indexed: offline.length, feedKey: scoresFeedKey(runAt) });
    // the same resources were read, unmapped findings included (they are reported, not scored)
    const offlineWarnings = describeWarnings(await scoreFolder(input, { asOf, runAt }));
    expect(summary.warnings).toEqual(offlineWarnings);
    expect(summary.warnings.some((w) => /map to no catalog requirement/.test(w))).toBe(true);
    // the feed object, record for record
    const feed = await s3.send(new GetObjectCommand({ Bucket: config.feedBucket, Key: summary.feedKey }));
    const fed = readNdjson(gunzipSync(Buffer.from(await feed.Body!.transformToByteArray())).toString('utf8'));
    // feed lines also carry the feed's one eventTime (the run's time)
    expect(fed.map(({ eventTime, ...r }: ScoreRecord & { eventTime?: string }) => (expect(eventTime).toBe(runAt), r))).toEqual(offline);
    // the indexed documents
    const hits = await os.search({ index: indexNames(prefix).scores, body: { size: 10000, query: { term: { runAt } } } as never });
    const indexed = (hits.body.hits.hits as { _id: string; _source: ScoreRecord }[]).map((h) => {
      expect(h._id).toBe(h._source.scoreId);
      return h._source;
    });
    expect(indexed.sort(byId)).toEqual([...offline].sort(byId));
    // and the data set really exercises the formulas
    const cells = offline.filter((s) => s.scope === 'account-requirement');
    expect(cells.some((c) => c.excepted! > 0)).toBe(true);
    expect(cells.some((c) => c.total === 0 && c.score === null)).toBe(true);
    expect(cells.some((c) => c.score !== null && c.score > 0 && c.score < 1)).toBe(true);
  });

  it('keeps every run as history', async () => {
    const later = '2026-11-24T11:00:00.000Z';
    await runScoringJob(config, { asOf, runAt: later, workbooks: false }, { s3, opensearch: os });
    const count = async (at: string) =>
      (await os.count({ index: indexNames(prefix).scores, body: { query: { bool: { filter: [{ term: { runAt: at } }, { term: { scope: 'enterprise' } }] } } } as never })).body.count;
    expect(await count(runAt)).toBe(1);
    expect(await count(later)).toBe(1);
  });

  it('rolls score history over and expires it itself where the cluster has no ISM (the local OpenSearch)', async () => {
    const summary = await runScoringJob(config, { asOf, runAt: '2026-11-24T12:00:00.000Z', workbooks: false, lifecycle: { maxDocs: 1 } }, { s3, opensearch: os });
    expect(summary.lifecycle.rolledOver.map((r) => r.alias)).toContain(indexNames(prefix).scores);
    const generations = Object.keys((await os.indices.getAlias({ name: indexNames(prefix).scores })).body).sort();
    expect(generations).toEqual([`${indexNames(prefix).scores}-000001`, `${indexNames(prefix).scores}-000002`]);
    // history behind the alias is whole: every run is still there
    const runs = await os.count({ index: indexNames(prefix).scores, body: { query: { term: { scope: 'enterprise' } } } as never });
    expect(runs.body.count).toBe(3);
  });

  it('stores the scorecards under the run date and mails each owner their workbook through SES', async () => {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: config.scorecardBucket, Prefix: s3Keys.scorecards(asOf) }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!);
    expect(keys).toContain(`${s3Keys.scorecards(asOf)}manifest.json`);
    expect(keys).toContain(`${s3Keys.scorecards(asOf)}enterprise-${asOf}.xlsx`);

    const ses = new SESClient({ ...clientConfig(), endpoint: privateMoto.url });
    await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: sender }));
    const results = await deliverScorecards({
      source: { s3, bucket: config.scorecardBucket, asOf },
      from: sender,
      enterpriseRecipients: [ciso],
      ses,
    });
    const owners = [...new Set(ds.accounts.map((a) => a.owner).filter((o): o is string => o !== null))].sort();
    // the enterprise list gets the enterprise book and the unowned-accounts book
    expect(results.filter((r) => r.status === 'sent').map((r) => r.to[0]).sort()).toEqual([...owners, ciso, ciso].sort());
    expect(results.filter((r) => r.status !== 'sent')).toEqual([]);

    const messages = (await sentMessages(privateMoto.url, domain)).filter((m) => m.raw_data.includes(`scorecard ${asOf}`));
    for (const owner of owners) {
      const mine = messages.filter((m) => m.destinations.includes(owner));
      expect(mine, owner).toHaveLength(1);
      const { contentType, filename, content } = attachmentOf(mine[0]!.raw_data);
      expect(contentType).toBe(XLSX_CONTENT_TYPE);
      expect(filename).toMatch(/^owner-.*\.xlsx$/);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(content as unknown as ArrayBuffer);
      const summary = wb.getWorksheet('Summary')!;
      expect(summary.getCell('B2').value).toBe(owner);
      const expected = ds.accounts.filter((a) => a.owner === owner).map((a) => a.accountId);
      const listedAccounts = new Set<string>();
      wb.getWorksheet('Matrix')!.eachRow((row) => {
        const m = /^(\d{12}) /.exec(String(row.getCell(1).value));
        if (m) listedAccounts.add(m[1]!);
      });
      expect([...listedAccounts]).toEqual(expected);
      // the mail says it too: score, change and top fixes, in text and HTML
      const { text, html } = bodiesOf(mine[0]!.raw_data);
      expect(text).toMatch(/Risk-weighted score: \d+\.\d%/);
      expect(text).toMatch(/What raises the score most:\r\n1\. CSS-/);
      expect(html).toMatch(/<table[^>]*>.*<td>CSS-/s);
    }
    const enterprise = messages.filter((m) => m.destinations.includes(ciso));
    expect(enterprise).toHaveLength(2);
    expect(enterprise.map((m) => attachmentOf(m.raw_data).filename).sort()).toEqual([`enterprise-${asOf}.xlsx`, `unowned-accounts-${asOf}.xlsx`]);
    expect(bodiesOf(enterprise.find((m) => attachmentOf(m.raw_data).filename.startsWith('enterprise'))!.raw_data).text).toMatch(/Enterprise score \(spend-weighted\): \d+\.\d% \(/);
  });
});

describe('errors and the delivery command', () => {
  it('names the index when the findings cannot be read', async () => {
    const missing = { ...config, indexPrefix: `${prefix}-nothing-here` };
    await expect(scoreFromStack(missing, { asOf, runAt }, { s3, opensearch: os })).rejects.toThrow(
      new RegExp(`OpenSearch ${prefix}-nothing-here-findings: cannot read findings: index_not_found_exception`),
    );
  });

  it('census scorecards deliver mails the workbooks of an offline run', async () => {
    const cliSender = `cli@${domain}`;
    await new SESClient({ ...clientConfig(), endpoint: privateMoto.url }).send(new VerifyEmailIdentityCommand({ EmailAddress: cliSender }));
    const { stdout } = await promisify(execFile)(
      join(repoRoot, 'node_modules/.bin/tsx'),
      [join(repoRoot, 'bin/census.ts'), 'scorecards', 'deliver', '--dir', offlineOut, '--from', cliSender, '--to', `board@${domain}`],
      { cwd: repoRoot, env: { ...process.env, AWS_ENDPOINT_URL_SES: privateMoto.url } },
    );
    const owners = new Set(ds.accounts.map((a) => a.owner).filter(Boolean));
    expect(stdout.split('\n').filter((l) => l.startsWith('sent'))).toHaveLength(owners.size + 2);
    expect(stdout).toMatch(new RegExp(`sent +unowned-accounts-${asOf}\\.xlsx -> board@`));
    const board = (await sentMessages(privateMoto.url, domain)).filter((m) => m.destinations.includes(`board@${domain}`));
    expect(board).toHaveLength(2);
    expect(board[0]!.raw_data).toContain(`From: ${cliSender}`);
  });
});

describe('Lambda entry points', () => {
  it('scoreHandler and deliverHandler run the job and the delivery from CENSUS_* settings', async () => {
    const handlerSender = `handler@${domain}`;
    const env = {
      CENSUS_FEED_BUCKET: config.feedBucket,
      CENSUS_SCORECARD_BUCKET: config.scorecardBucket,
      CENSUS_INDEX_PREFIX: prefix,
      CENSUS_EXCEPTIONS: config.exceptions,
      CENSUS_CATALOG: config.catalog,
      CENSUS_SES_FROM: handlerSender,
      CENSUS_ENTERPRISE_RECIPIENTS: ciso,
      // the SDK's per-service endpoint setting: SES goes to this test's moto
      AWS_ENDPOINT_URL_SES: privateMoto.url,
    };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      const { scoreHandler, deliverHandler } = await import('../../scoring/lambda.js');
      await expect(scoreHandler({ asOf: '2026-13-01' })).rejects.toThrow(/not a calendar date/);
      const summary = await scoreHandler({ asOf: '2026-11-25' });
      expect(summary).toMatchObject({ asOf: '2026-11-25', manifestKey: `${s3Keys.scorecards('2026-11-25')}manifest.json` });
      const owners = new Set(ds.accounts.map((a) => a.owner).filter(Boolean));
      // an unverified sender: every send is tried, then the invocation fails naming each one
      const failure = await deliverHandler({ asOf: '2026-11-25' }).then(() => '', (err: Error) => err.message);
      expect(failure).toMatch(new RegExp(`${owners.size + 2} mail\\(s\\) failed: .*Did not have authority to send from email ${handlerSender}`));
      await new SESClient({ ...clientConfig(), endpoint: privateMoto.url }).send(new VerifyEmailIdentityCommand({ EmailAddress: handlerSender }));
      const delivered = await deliverHandler({ asOf: '2026-11-25' });
      expect(delivered.sent).toBe(owners.size + 2);
      expect(delivered.unaddressed).toEqual([]);
      const messages = (await sentMessages(privateMoto.url, domain)).filter((m) => m.raw_data.includes('scorecard 2026-11-25'));
      expect(messages).toHaveLength(owners.size + 2);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

interface MotoRawMessage {
  destinations: string[];
  raw_data: string;
}

/** Messages moto's SES recorded for this test's domain (moto exposes them in its model data). */
async function sentMessages(motoUrl: string, forDomain: string): Promise<MotoRawMessage[]> {
  const res = await fetch(`${motoUrl}/moto-api/data.json`);
  if (!res.ok) throw new Error(`moto ${motoUrl}/moto-api/data.json: HTTP ${res.status}`);
  const data = (await res.json()) as { ses?: { RawMessage?: MotoRawMessage[] } };
  return (data.ses?.RawMessage ?? []).filter((m) => m.destinations.some((d) => d.endsWith(`@${forDomain}`)));
}

/** The decoded plain-text and HTML bodies of a message (multipart/alternative inside multipart/mixed). */
function bodiesOf(raw: string): { text: string; html: string } {
  const part = (type: string) => {
    const m = new RegExp(`Content-Type: ${type}; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n([A-Za-z0-9+/=\r\n]+?)\r\n--`).exec(raw);
    if (!m) throw new Error(`no ${type} part`);
    return Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64').toString('utf8');
  };
  return { text: part('text/plain'), html: part('text/html') };
}

/** The one attachment of a multipart/mixed message. */
function attachmentOf(raw: string): { contentType: string; filename: string; content: Buffer } {
  const boundary = /boundary="([^"]+)"/.exec(raw)?.[1];
  if (!boundary) throw new Error('not a multipart message');
  const parts = raw.split(`--${boundary}`).slice(1, -1);
  const found = parts
    .map((p) => {
      const [head, ...body] = p.replace(/^\r\n/, '').split('\r\n\r\n');
      return { head: head!, body: body.join('\r\n\r\n') };
    })
    .filter((p) => /Content-Disposition: attachment/i.test(p.head));
  expect(found).toHaveLength(1);
  const { head, body } = found[0]!;
  return {
    contentType: /Content-Type: ([^;\r\n]+)/i.exec(head)![1]!,
    filename: /filename="([^"]+)"/.exec(head)![1]!,
    content: Buffer.from(body.replace(/\s+/g, ''), 'base64'),
  };
}
