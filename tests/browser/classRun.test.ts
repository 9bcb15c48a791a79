import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsTestServer, skipSwarmTests, STUDENT, TEACHER } from '../../src/node/swarm/localNatsServer';
import { parseJoinHash } from '../../src/ui/join/joinLink';
import { screenshot, useBuiltSite } from './support/browser';

/**
 * The lab's Class run in Chromium (issue 13): the teacher's tab connects
 * to a NATS server over WebSocket and becomes the learner; a student tab
 * opens the join link from the panel, gives a name and joins; the
 * teacher's contributors table lists the student with frames learned from,
 * and the student's tab shows its share and the shared curve.
 */

const site = useBuiltSite();
let server: NatsTestServer;

describe.skipIf(skipSwarmTests())('a class run led from the lab', () => {
  beforeAll(async () => {
    server = await NatsTestServer.start();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('the teacher starts it, a student joins by its link, and each side sees the other', async () => {
    const teacher = await site.browser.newPage();
    await teacher.goto(site.url);
    await teacher.getByText('Class run: the students\' tabs as actors').click();
    await teacher.getByTestId('class-url').fill(server.wsUrl);
    await teacher.getByTestId('class-run').fill('browser-class');
    await teacher.getByTestId('class-user').fill(TEACHER.user);
    await teacher.getByTestId('class-pass').fill(TEACHER.pass);
    await teacher.getByTestId('class-studentUser').fill(STUDENT.user);
    await teacher.getByTestId('class-studentPass').fill(STUDENT.pass);
    await teacher.getByRole('button', { name: 'Start class run' }).click();
    await teacher.getByRole('heading', { name: /Class run “browser-class”/ }).waitFor({ timeout: 60_000 });
    await teacher.getByTestId('qr-code').waitFor();
    const joinUrl = await teacher.getByTestId('class-join-url').inputValue();
    expect(parseJoinHash(new URL(joinUrl).hash)).toEqual({ run: 'browser-class', url: server.wsUrl, ...STUDENT });

    const student = await site.browser.newPage();
    await student.goto(joinUrl);
    await student.getByTestId('join-name').fill('Ada Lovelace');
    await student.getByRole('button', { name: 'Join' }).click();
    // The student's share, as the learner counted it, reaches the student's tab.
    await student.getByTestId('join-share').filter({ hasText: /The learner has learned from [1-9][\d,]* of your frames/ }).waitFor({ timeout: 120_000 });
    await student.getByTestId('shared-curve-summary').waitFor();
    const row = teacher.locator('tr[data-contributor^="Ada_Lovelace-"]');
    await row.waitFor({ timeout: 30_000 });
    const frames = Number((await row.locator('td').first().textContent())!.replace(/,/g, ''));
    expect(frames).toBeGreaterThan(0);
    expect(await row.getByTestId('contributor-state').textContent()).toBe('acting');
    expect(await student.locator('tr.self th').textContent()).toMatch(/^Ada_Lovelace-[0-9a-f]{8} \(you\)$/);
    // The teacher's learner trains on the student's frames.
    expect(Number(await teacher.getByTestId('frames').getAttribute('data-value'))).toBeGreaterThan(0);
    await screenshot(teacher, 'class-run-teacher');
    await screenshot(student, 'class-run-student');

    await teacher.getByRole('button', { name: 'End class run' }).click();
    await student.getByRole('heading', { name: /the learner stopped/ }).waitFor({ timeout: 30_000 });
    await teacher.close();
    await student.close();
  });
});
