// statemachines/web-crawler.asl.json's distributed Map, end to end on moto's own Step Functions
// engine (aws-local-stepfunctions runs Map states inline only): a crawl of 11 hosts, more than
// the inline Map runs, so every batch goes through the ItemReader, the Express child workflows
// and the ResultWriter. moto sends the children's Lambda tasks to its own port, where
// scripts/lambda-router.mjs (started by with-stack.sh) hands them to cargo lambda: the real
// crawl-page binary, on moto's S3. The hosts are 127.0.0.10 onwards (fake-site hosts). moto's
// ASL parser accepts only STANDARD child workflows, so here the children run as STANDARD: the
// same states, without the Express 5-minute limit (the worker keeps to 4 minutes either way).
// And its ResultWriter, which writes only a manifest, fails the Map state after a Map Run that
// succeeded, so it is left out here; nothing in the crawl reads what it writes.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { loadDefinition } from './lib/local-sfn.mjs';
import { s3, sfn, sns } from './lib/moto.mjs';

const BUCKET = 'web-crawls-local';
const HOSTS = 11;
const PORT = Number(process.env.SITE_PORT ?? 9003);
const hostUrl = (n) => `http://127.0.0.${10 + n}:${PORT}`;
let sites;

const listening = (host) =>
  new Promise((resolve) => {
    const socket = connect(PORT, host, () => { socket.end(); resolve(true); });
    socket.on('error', () => resolve(false));
  });

before(async () => {
  const bin = `${process.env.CARGO_TARGET_DIR}/debug/fake-site`;
  sites = spawn(bin, ['hosts', String(HOSTS), String(PORT)], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 100 && !(await listening(`127.0.0.${10 + HOSTS - 1}`)); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await s3.createBucket(BUCKET);
  await sfn.executeStateMachines();
});

after(() => sites?.kill());

test('a crawl of 11 hosts runs its batches as distributed Maps and stores every page once', async () => {
  const definition = loadDefinition('web-crawler', {
    CrawlPageFunctionArn: 'crawl-page',
    IndexCrawlFunctionArn: 'index-crawl',
    KendraIndexId: '',
    KendraDataSourceId: '',
    SuccessTopicArn: await sns.createTopic('web-crawler-distributed-succeeded'),
    FailureTopicArn: await sns.createTopic('web-crawler-distributed-failed'),
  });
  const distributed = definition.States['Crawl batch (distributed)'];
  assert.equal(distributed.ItemProcessor.ProcessorConfig.ExecutionType, 'EXPRESS');
  distributed.ItemProcessor.ProcessorConfig.ExecutionType = 'STANDARD';
  assert.equal(distributed.ResultWriter.Resource, 'arn:aws:states:::s3:putObject');
  delete distributed.ResultWriter;
  const machine = await sfn.createStateMachine('web-crawler-distributed', definition);
  // The sites listed in the crawl bucket, one per line: the execution's input names the list.
  const list = Array.from({ length: HOSTS }, (_, n) => JSON.stringify({ base_url: `${hostUrl(n)}/docs/`, start_paths: ['/docs/'] }));
  await s3.putText(BUCKET, 'site-lists/many-hosts.jsonl', list.join('\n'));
  const input = {
    name: 'many-hosts',
    sites_from: 'site-lists/many-hosts.jsonl',
    allow_networks: ['127.0.0.0/8'],
    limits: { max_page_bytes: 1048576, concurrency: HOSTS, requests_per_second: 20, pages_per_worker: 4 },
  };
  const execution = await sfn.startExecution(machine, 'many-hosts-1', input);
  const run = await sfn.waitFor(execution, 600);
  const events = await sfn.history(execution);
  const failures = events.map((e) => {
    const detail = Object.values(e).find((v) => v && typeof v === 'object' && (v.error || v.cause));
    return detail ? `${e.type}: ${detail.error} ${detail.cause}` : e.type;
  });
  assert.equal(run.status, 'SUCCEEDED', JSON.stringify([run.error, run.cause, failures]));
  const summary = run.output.summary;
  assert.equal(summary.crawled, 7 * HOSTS);
  assert.equal(summary.worker_failures, 0);
  assert.equal(summary.sites.length, HOSTS);

  const mapRuns = events.filter((e) => e.type === 'MapRunStarted');
  assert.ok(mapRuns.length >= 2, `${mapRuns.length} distributed Map runs`);

  // Each host's seven pages, once each: one record per URL, the page beside it.
  const prefix = `crawls/many-hosts/many-hosts-1/`;
  const keys = await s3.keys(BUCKET, `${prefix}pages/`);
  const records = await s3.jsonLines(BUCKET, `${prefix}records/`);
  const crawled = records.filter((r) => r.outcome === 'crawled').map((r) => r.url);
  assert.equal(new Set(crawled).size, crawled.length);
  for (let n = 0; n < HOSTS; n++) {
    assert.equal(crawled.filter((u) => u.startsWith(hostUrl(n))).length, 7, hostUrl(n));
  }
  assert.equal(keys.filter((k) => k.endsWith('.html')).length, 7 * HOSTS);
  assert.equal((await s3.keys(BUCKET, `${prefix}robots/`)).length, HOSTS, 'robots.txt once per host');
});
