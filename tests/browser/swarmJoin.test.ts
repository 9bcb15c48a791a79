import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContributorStats } from '../../src/core/swarm/contributors';
import { NatsTestServer, skipSwarmTests, STUDENT, TEACHER } from '../../src/node/swarm/localNatsServer';
import { runTrainer } from '../../src/node/trainer';
import { joinHash } from '../../src/ui/join/joinLink';
import { Capture, useTempDirs } from '../support/trainerIo';
import { useBuiltSite } from './support/browser';

/**
 * A class run's join link (issue 13): one Chromium tab opens it, connects
 * to the run's NATS server over WebSocket, and contributes frames to a
 * headless learner in Node (`npm run train -- --swarm`).
 */

const site = useBuiltSite();
const tempDir = useTempDirs('impala-join-');
let server: NatsTestServer;

describe.skipIf(skipSwarmTests())('joining a swarm run from a browser tab', () => {
  beforeAll(async () => {
    server = await NatsTestServer.start();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('a tab opened on the join link becomes an actor and the Node learner learns from its frames', async () => {
    const out = tempDir();
    const stderr = new Capture();
    const learner = runTrainer(
      ['--env', 'classic/CartPole-v1', '--frames', '4000', '--swarm', server.url, '--run', 'tab', '--user', TEACHER.user, '--pass', TEACHER.pass, '--quiet', '--out', out],
      { stdout: new Capture(), stderr },
    );
    const page = await site.browser.newPage();
    await page.goto(`${site.url}${joinHash({ run: 'tab', url: server.wsUrl, ...STUDENT })}`);
    await page.getByRole('heading', { name: /class run/ }).waitFor();
    // The student may give a name; without one the tab is 'tab-<8 hex digits>'.
    await page.getByRole('button', { name: 'Join' }).click();
    await page.getByTestId('join-status').waitFor();
    expect(await learner, stderr.text).toBe(0);
    // The worker reports to the page once a second (and at its first
    // unroll), so the learner can end before the page has heard: wait for it.
    await expect.poll(async () => Number(await page.getByTestId('join-frames').textContent()), { timeout: 15_000 }).toBeGreaterThan(0);
    await page.close();
    const { contributors } = JSON.parse(readFileSync(join(out, 'contributors.json'), 'utf8')) as { contributors: ContributorStats[] };
    expect(contributors).toHaveLength(1);
    expect(contributors[0]!.id).toMatch(/^tab-[0-9a-f]{8}$/);
    expect(contributors[0]!.frames).toBeGreaterThanOrEqual(4000);
    expect(contributors[0]!.rejected).toBe(0);
  });
});
