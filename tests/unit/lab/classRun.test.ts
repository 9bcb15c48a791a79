import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { ActorLink } from '../../../src/core/swarm/actorLink';
import { runSwarmActor, type SwarmActorReport } from '../../../src/core/swarm/swarmActor';
import { swarmNames } from '../../../src/core/swarm/swarmNames';
import type { SwarmProgress } from '../../../src/core/swarm/swarmProgress';
import { NatsTestServer, skipSwarmTests, STUDENT, TEACHER } from '../../../src/node/swarm/localNatsServer';
import { sleep } from '../../../src/node/swarm/natsConnect';
import { parseJoinHash } from '../../../src/ui/join/joinLink';
import type { ClassRunSettings, ConnectNats } from '../../../src/ui/lab/classRun';
import type { Lab } from '../../../src/ui/lab/lab';
import { createTestLab, disposeLab, waitFor } from './labHarness';

/**
 * The lab's Class run (issue 13) against a real nats-server with the
 * shipped config: the lab is the learner, students' actors (the core swarm
 * actor, as a join tab runs it) contribute, and the panel's figures and
 * the join tabs' report agree with what the learner counted.
 */

let server: NatsTestServer;
const connections: NatsConnection[] = [];
let lab: Lab | null = null;
const students: Array<{ stop: () => void; done: Promise<SwarmActorReport>; link: ActorLink }> = [];

/** The page connects with wsconnect to the WebSocket listener; this Node lab connects to the same server over TCP. */
const connectNats: ConnectNats = async (login, name) => {
  const nc = await connect({ servers: server.url, name, user: login.user, pass: login.pass, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  connections.push(nc);
  return nc;
};

function settings(run: string, teacherPass = TEACHER.pass): ClassRunSettings {
  return { server: { url: server.wsUrl, user: TEACHER.user, pass: teacherPass }, run, student: STUDENT };
}

/** A student's tab: the core swarm actor over a student connection, as swarmActor.worker.ts runs it. */
async function student(run: string, actorId: string, actorIndex: number): Promise<(typeof students)[number]> {
  const nc = await connect({ servers: server.url, user: STUDENT.user, pass: STUDENT.pass, maxReconnectAttempts: -1 });
  connections.push(nc);
  let stopped = false;
  const stop = (): boolean => stopped;
  const link = await ActorLink.open(nc, { run, sleep, stopped: stop });
  const done = runSwarmActor({ link, actorId, actorIndex, now: () => performance.now(), sleep, stopped: stop, heartbeatMs: 200 });
  const s = { stop: () => void (stopped = true), done, link };
  students.push(s);
  return s;
}

const progressOf = (lab: Lab): SwarmProgress | null => lab.getSnapshot().classRun?.progress ?? null;

describe.skipIf(skipSwarmTests())('the lab leads a class run', () => {
  beforeAll(async () => {
    server = await NatsTestServer.start();
  });
  afterEach(async () => {
    students.splice(0).forEach((s) => s.stop());
    if (lab) {
      await lab.endClassRun();
      await disposeLab(lab);
    }
    lab = null;
  });
  afterAll(async () => {
    await Promise.allSettled(connections.map((nc) => nc.close()));
    await server?.stop();
  });

  it('trains on the students\' unrolls; the panel lists each with frames, last seen and lag; the join tabs read the shared curve and their share', async () => {
    const made = createTestLab({ connectNats, config: { actors: 3, envsPerActor: 4, unrollLength: 10, batchSize: 2 } });
    lab = made.lab;
    // Students may open the link before the teacher starts: they wait for the run.
    const adaJoining = student('lesson1', 'ada-1f2e3d4c', 1);
    await lab.startClassRun(settings('lesson1'));
    const ada = await adaJoining;
    const view = lab.getSnapshot().classRun!;
    expect(view.status).toBe('connected');
    expect(lab.getSnapshot().status).toBe('running');
    // The join link opens the run on the server's WebSocket listener with the student login.
    expect(parseJoinHash(view.joinHash)).toEqual({ run: 'lesson1', url: server.wsUrl, ...STUDENT });
    // No actor of this tab trains: the class is the run's one source.
    expect(lab.runs.slots[0]!.actors).toHaveLength(1);
    const bob = await student('lesson1', 'bob-99aa00bb', 2);

    await waitFor(() => (lab!.getSnapshot().latest?.frames ?? 0) >= 6000, 'the learner to learn from 6,000 of the students\' frames', 60_000);
    made.scheduler.tickIntervals();
    const progress = progressOf(lab)!;
    const byId = new Map(progress.contributors.map((c) => [c.id, c]));
    expect([...byId.keys()].sort()).toEqual(['ada-1f2e3d4c', 'bob-99aa00bb']);
    for (const c of byId.values()) {
      expect(c.frames).toBeGreaterThan(0);
      expect(c.rejected).toBe(0);
      expect(c.cutOff).toBe(false);
      expect(c.gone).toBe(false);
      expect(c.lastSeenSecondsAgo).toBeLessThan(10);
      expect(c.lastLag).toBeGreaterThanOrEqual(0);
    }
    // Every frame learned from was counted to someone; at most the queue's unrolls were counted and not yet learned from.
    const counted = progress.contributors.reduce((sum, c) => sum + c.frames, 0);
    const unrollFrames = 4 * 10;
    expect(counted).toBeGreaterThanOrEqual(progress.frames);
    expect(counted - progress.frames).toBeLessThanOrEqual(3 * 2 * unrollFrames);
    expect(progress.curve.length).toBeGreaterThan(0);
    expect(progress.state).toBe('training');

    // What a join tab reads from the server is the same report.
    await waitFor(() => (ada.link.progress()?.updates ?? -1) === progress.updates, 'the join tab to read the report', 10_000);
    expect(ada.link.progress()).toEqual(progress);
    expect(bob.link.progress()?.contributors.find((c) => c.id === 'bob-99aa00bb')?.frames).toBe(byId.get('bob-99aa00bb')!.frames);

    // Paused: the students' tabs read it.
    lab.pause();
    made.scheduler.tickIntervals();
    await waitFor(() => ada.link.progress()?.state === 'paused', 'the tabs to read "paused"', 10_000);

    // Ending the class run: runs reset (saved), the tabs hear that the learner stopped, the connection closes.
    await lab.endClassRun();
    expect(lab.getSnapshot().classRun).toBeNull();
    expect(lab.getSnapshot().status).toBe('idle');
    await waitFor(() => ada.link.progress()?.state === 'stopped', 'the tabs to read "stopped"', 10_000);
  });

  it('the teacher changes the game mid-class: the tabs follow, and what they had in flight is not held against them', async () => {
    const made = createTestLab({ connectNats, config: { envsPerActor: 4, unrollLength: 10, batchSize: 2 } });
    lab = made.lab;
    const joining = [student('lesson5', 'dee-01010101', 5), student('lesson5', 'eli-02020202', 6)];
    await lab.startClassRun(settings('lesson5'));
    await Promise.all(joining);
    await waitFor(() => (lab!.getSnapshot().latest?.frames ?? 0) >= 2000, 'CartPole frames from the class', 60_000);
    // Acrobot: another observation size and action count; the unrolls in the stream and on the way no longer fit.
    lab.setConfig({ ...lab.getSnapshot().config, env: 'classic/Acrobot-v1' });
    await lab.reset();
    await lab.train();
    await waitFor(() => (lab!.getSnapshot().latest?.frames ?? 0) >= 2000, 'Acrobot frames from the class', 60_000);
    made.scheduler.tickIntervals();
    const progress = progressOf(lab)!;
    expect(progress.contributors.map((c) => c.id).sort()).toEqual(['dee-01010101', 'eli-02020202']);
    for (const c of progress.contributors) {
      expect(c.rejected).toBe(0);
      expect(c.cutOff).toBe(false);
      expect(c.frames).toBeGreaterThan(0);
    }
    // The unrolls dropped for their old settings are neither lost nor anyone's fault.
    for (const c of lab.classRun.contributors()) expect(c.lost, c.id).toBe(0);
  });

  it('a student who sends bad unrolls is cut off, and the panel says so; the run goes on', async () => {
    const made = createTestLab({ connectNats, config: { envsPerActor: 2, unrollLength: 8, batchSize: 2 } });
    lab = made.lab;
    await lab.startClassRun(settings('lesson2'));
    await student('lesson2', 'cy-0a0b0c0d', 3);
    const nc = await connect({ servers: server.url, user: STUDENT.user, pass: STUDENT.pass });
    connections.push(nc);
    const js = jetstream(nc);
    for (let seq = 0; seq < 6; seq++) await js.publish(swarmNames('lesson2').unrollSubject, new Uint8Array([1, 2, 3, seq]), { msgID: `mallory-${seq}` });
    await waitFor(() => {
      made.scheduler.tickIntervals();
      return progressOf(lab!)?.contributors.find((c) => c.id === 'mallory')?.cutOff === true;
    }, 'mallory to be cut off', 30_000);
    const mallory = progressOf(lab)!.contributors.find((c) => c.id === 'mallory')!;
    expect(mallory.frames).toBe(0);
    expect(mallory.rejected).toBe(5);
    expect(mallory.lastProblem).toMatch(/./);
    const before = lab.getSnapshot().latest?.frames ?? 0;
    await waitFor(() => (lab!.getSnapshot().latest?.frames ?? 0) > before + 1000, 'the run to go on', 30_000);
    expect(lab.getSnapshot().status).toBe('running');
  });

  it('a wrong password or a broken address says why, and changes nothing else', async () => {
    const made = createTestLab({ connectNats });
    lab = made.lab;
    const config = lab.getSnapshot().config;
    await lab.startClassRun(settings('lesson3', 'not-the-password'));
    expect(lab.getSnapshot().classRun?.status).toBe('failed');
    expect(lab.getSnapshot().classRun?.problem).toMatch(/could not connect to ws:\/\/127\.0\.0\.1:\d+: .*(auth|Authorization)/i);
    expect(lab.getSnapshot().status).toBe('idle');
    expect(lab.runs.slots).toHaveLength(0);
    expect(lab.getSnapshot().config).toBe(config);

    await lab.startClassRun({ ...settings('lesson3'), server: { ...settings('lesson3').server, url: 'http://example.org' } });
    expect(lab.getSnapshot().classRun?.problem).toMatch(/ws:\/\/host:port/);
    await lab.startClassRun({ ...settings('lesson 3') });
    expect(lab.getSnapshot().classRun?.problem).toMatch(/run name 'lesson 3'/);
    expect(lab.getSnapshot().status).toBe('idle');
  });

  it('a comparison preset is refused in a class run with a message naming why', async () => {
    const made = createTestLab({ connectNats });
    lab = made.lab;
    lab.applyPreset('ablation');
    await lab.startClassRun(settings('lesson4'));
    expect(lab.getSnapshot().status).toBe('failed');
    expect(lab.getSnapshot().message?.text).toMatch(/a class run trains one run, and this experiment compares 4/);
    expect(lab.getSnapshot().classRun?.status).toBe('connected');
  });
});
