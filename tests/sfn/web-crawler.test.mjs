// statemachines/web-crawler.asl.json end to end: the real crawl-page binary, the test site on
// 127.0.0.1 (scripts/with-stack.sh starts it), and moto's S3 and SNS. StartExecution, which
// continues a long crawl in a new execution, is recorded by the harness; the test runs each
// started execution itself, as Step Functions would.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { deployWorkflow, execute, functionArn, invokeLambda, stepFunctions } from './lib/local-sfn.mjs';
import { s3 } from './lib/moto.mjs';

const SITE_URL = process.env.SITE_URL ?? 'http://127.0.0.1:9003';
// scripts/local.env: where the function writes.
const BUCKET = 'web-crawls-local';

let definition;
let notifications;

before(async () => {
  await s3.createBucket(BUCKET);
  ({ definition, notifications } = await deployWorkflow('web-crawler', {
    CrawlPageFunctionArn: functionArn('crawl-page'),
    IndexCrawlFunctionArn: functionArn('index-crawl'),
    // As deployed by default: no Kendra.
    KendraIndexId: '',
    KendraDataSourceId: '',
  }));
});

// Runs a crawl to its end: the first execution, then every execution it started.
async function crawl(input) {
  const runs = [await execute(definition, input, { name: 'web-crawler' })];
  while (runs.at(-1).status === 'SUCCEEDED' && runs.at(-1).output.continued) {
    const next = stepFunctions.started.at(-1);
    runs.push(await execute(definition, next.Input, { name: 'web-crawler', executionName: next.Name }));
  }
  return runs;
}

const site = (limits = {}) => ({
  name: 'test-site',
  base_url: `${SITE_URL}/docs/`,
  start_paths: ['/docs/'],
  allow_networks: ['127.0.0.1/32'],
  limits: { max_page_bytes: 1048576, concurrency: 3, requests_per_second: 50, pages_per_worker: 2, ...limits },
});

test('the test site: every trap handled, summary in S3, one notification, SUCCEEDED', async () => {
  const runs = await crawl(site());
  assert.equal(runs.length, 1);
  const [run] = runs;
  assert.equal(run.status, 'SUCCEEDED', run.cause);
  const summary = await s3.getJson(BUCKET, run.calls.find((c) => c.state === 'Finish crawl').output.Payload.summary_uri.split(`${BUCKET}/`)[1]);
  assert.deepEqual(
    [summary.crawled, summary.failed, summary.redirects, summary.not_html, summary.too_large, summary.robots_skipped, summary.out_of_scope, summary.retries],
    [7, 2, 4, 1, 1, 1, 6, 2],
  );
  const prefix = `crawls/test-site/${summary.run_id}/pages/`;
  assert.equal((await s3.keys(BUCKET, prefix)).filter((k) => k.endsWith('.html')).length, 7);
  // What passes through the execution stays small: the run, the batch, what a Choice reads.
  const largest = Math.max(...run.calls.flatMap((c) => [c.input, c.output ?? {}]).map((v) => JSON.stringify(v).length));
  assert.ok(largest < 2048, `${largest} bytes`);
  const notes = await notifications.find(`Crawl 'test-site' of ${SITE_URL}/docs/ finished`);
  assert.equal(notes.length, 1);
  assert.equal(notes[0].subject, 'Crawl test-site: 7 pages, 2 failed');
  assert.match(notes[0].message, /Search index: 7 pages \(0 unchanged/);
  // The crawl ends indexed: the search function finds its pages, and nothing only a script says.
  const index = await s3.getJson(BUCKET, `crawls/test-site/${summary.run_id}/search/index.json`);
  assert.deepEqual([index.pages, index.extracted, index.reused], [7, 7, 0]);
  const search = async (q) => (await invokeLambda({ FunctionName: 'search-crawl', Payload: { q, crawl: 'test-site', run_id: summary.run_id } })).Payload;
  const found = await search('sitemap');
  assert.deepEqual(found.results.map((r) => r.url), [`${SITE_URL}/docs/from-sitemap.html`]);
  assert.equal(found.results[0].run_id, summary.run_id);
  assert.match(found.results[0].snippet, /<b>sitemap<\/b>/i);
  assert.equal((await search('scripted')).results.length, 0, 'a word only inside a <script>');
  assert.equal((await search('commented')).results.length, 0, 'a word only inside a comment');
});

test('a re-crawl indexes only the pages that changed, and its index becomes the one searched', async () => {
  const [first] = await crawl({ ...site(), name: 'indexed' });
  assert.equal(first.status, 'SUCCEEDED', first.cause);
  const firstRun = first.calls.find((c) => c.state === 'Finish crawl').output.Payload.summary.run_id;
  const [again] = await crawl({ ...site(), name: 'indexed', since: firstRun });
  assert.equal(again.status, 'SUCCEEDED', again.cause);
  const index = again.calls.find((c) => c.state === 'Index for search').output.Payload;
  assert.deepEqual([index.pages, index.extracted, index.reused, index.latest], [7, 0, 7, true]);
  const latest = await s3.getJson(BUCKET, 'crawls/indexed/search.json');
  assert.notEqual(latest.run_id, firstRun);
  const answer = (await invokeLambda({ FunctionName: 'search-crawl', Payload: { q: 'test site', crawl: 'indexed' } })).Payload;
  assert.equal(answer.run_id, latest.run_id);
  assert.equal(answer.results[0].url, `${SITE_URL}/docs/`);
});

test('past pages_per_execution the crawl continues in new executions and finishes once', async () => {
  const runs = await crawl({
    name: 'tree',
    base_url: `${SITE_URL}/tree/0.html`,
    start_paths: ['0.html'],
    allow_networks: ['127.0.0.1/32'],
    limits: { concurrency: 4, requests_per_second: 100, pages_per_worker: 2, pages_per_execution: 16 },
  });
  assert.ok(runs.length >= 3, `${runs.length} executions`);
  assert.ok(runs.every((r) => r.status === 'SUCCEEDED'));
  assert.ok(runs.slice(0, -1).every((r) => r.output.continued));
  const finish = runs.at(-1).calls.find((c) => c.state === 'Finish crawl');
  assert.equal(finish.output.Payload.summary.crawled, 60);
  assert.equal(finish.output.Payload.summary.queued, 60);
  // Every continuation carried the first execution's run id, and was named after it.
  const runId = finish.output.Payload.summary.run_id;
  assert.deepEqual(stepFunctions.started.slice(-(runs.length - 1)).map((s) => s.Name), runs.slice(1).map((_, i) => `${runId}-${i + 1}`));
  assert.equal((await s3.keys(BUCKET, `crawls/tree/${runId}/pages/`)).filter((k) => k.endsWith('.html')).length, 60);
  assert.equal((await notifications.find(`Crawl 'tree'`)).length, 1, 'one completion, from the last execution');
});

test('a crawl that fails mid-way notifies the input that resumes it, and resuming finishes it', async () => {
  // The next-batch step fails once the first batch has run: its function was removed.
  let calls = 0;
  const failing = {
    'Read next batch': async (params) => {
      calls += 1;
      if (calls >= 2) throw Object.assign(new Error('Function not found: crawl-page'), { name: 'Lambda.ResourceNotFoundException' });
      return invokeLambda(params);
    },
  };
  const failed = await execute(definition, { ...site(), name: 'resumed' }, { name: 'web-crawler', handlers: failing });
  assert.equal(failed.status, 'FAILED');
  assert.equal(failed.error, 'Lambda.ResourceNotFoundException');
  const notes = await notifications.find('Function not found: crawl-page');
  assert.equal(notes.length, 1);
  const resume = JSON.parse(notes[0].message.match(/with the input (\{.*?\}) and the crawl goes on/)[1]);
  assert.equal(resume.name, 'resumed');
  assert.equal(resume.batch, '0000000', 'the batch that ran');
  const runs = await crawl(resume);
  assert.equal(runs.at(-1).status, 'SUCCEEDED', runs.at(-1).cause);
  const summary = runs.at(-1).calls.find((c) => c.state === 'Finish crawl').output.Payload.summary;
  assert.equal(summary.run_id, resume.run_id);
  assert.deepEqual([summary.crawled, summary.failed, summary.worker_failures], [7, 2, 0], 'the first batch counted once');
});

test('a crawl with nothing to start from fails with the reason and notifies', async () => {
  const run = await execute(definition, { ...site(), start_paths: [] }, { name: 'web-crawler' });
  assert.equal(run.status, 'FAILED');
  assert.equal(run.error, 'InvalidInput');
  assert.match(run.cause, /start_paths is empty/);
  const notes = await notifications.find('start_paths is empty');
  assert.equal(notes.length, 1);
  assert.equal(notes[0].subject, 'Web crawl FAILED');
});

test('a base URL on the metadata address fails before any request', async () => {
  const run = await execute(definition, { ...site(), base_url: 'http://169.254.169.254/docs/', allow_networks: [] }, { name: 'web-crawler' });
  assert.equal(run.status, 'FAILED');
  assert.equal(run.error, 'InvalidInput');
  assert.match(run.cause, /169\.254\.169\.254 is not an address this crawl may reach/);
});
