import type { NatsConnection } from '@nats-io/nats-core';
import type { ExperimentConfig } from '../../core/config/experimentConfig';
import type { ContributorStats } from '../../core/swarm/contributors';
import { LearnerLink } from '../../core/swarm/learnerLink';
import { RUN_RECORD_FORMAT } from '../../core/swarm/runRecord';
import { RUN_NAME_PATTERN } from '../../core/swarm/swarmNames';
import { ProgressBoard, PROGRESS_EVERY_MS, type SwarmProgress } from '../../core/swarm/swarmProgress';
import { streamMessagesFor, SWARM_LIMITS, unrollExpectationFor } from '../../core/swarm/swarmRunSettings';
import { SwarmSource } from '../../core/swarm/swarmSource';
import type { MetricsRecord } from '../../core/telemetry/metrics';
import { envSpecFor } from '../../core/training/fromConfig';
import { joinHash } from '../join/joinLink';
import { randomHex } from '../randomHex';
import type { LabScheduler } from './labDeps';
import { errorText, type LabStore } from './labStore';

/**
 * The lab's Class run (issue 13): the teacher's tab is the learner of a
 * swarm run on a NATS server, and every student tab that opens the join
 * link is one of its actors. This part holds the connection (nats-core's
 * `wsconnect` in the page), opens the run's `LearnerLink` when the runs are
 * made (`openFeed`: the run's config is stored then, so that students act
 * with the settings the teacher trains), and every 2 s stores the run's
 * progress for the join tabs and shows the contributors in the panel.
 */

/** A user of the server config (`nats/class.conf`) and where the server listens for WebSockets. */
export interface NatsLogin {
  /** ws://host:8080 (page over http) or wss://host:8443 (page over https). */
  url: string;
  user: string;
  pass: string;
}

/** What the teacher fills in. */
export interface ClassRunSettings {
  server: NatsLogin;
  /** Run name: letters, digits, '-' and '_'. */
  run: string;
  /** The login the join link gives students (`student` in `nats/class.conf`). */
  student: { user: string; pass: string };
}

/** What the panel shows. */
export interface ClassRunView {
  run: string;
  url: string;
  status: 'connecting' | 'connected' | 'failed';
  /** Why connecting failed, or what went wrong since. */
  problem: string | null;
  /** The join link's hash (`#join=...`), for the page's own address. */
  joinHash: string;
  /** The learner's latest report (null before the runs are made). */
  progress: SwarmProgress | null;
}

/** The swarm as the runs see it: one actor (its source), and where the learner's weights and records go. */
export interface ClassFeed {
  source: SwarmSource;
  publish(version: number, weights: readonly Float32Array[]): void;
  updated(record: MetricsRecord): void;
}

export type ConnectNats = (login: NatsLogin, name: string) => Promise<NatsConnection>;

/** The settings' first problem, or null. */
export function classRunProblem(settings: ClassRunSettings): string | null {
  if (!RUN_NAME_PATTERN.test(settings.run)) return `the run name '${settings.run.slice(0, 40)}' must be 1-64 letters, digits, - or _`;
  if (!/^wss?:\/\/[^\s/]+/.test(settings.server.url)) return `the server address must be ws://host:port or wss://host:port (the server's WebSocket listener), not '${settings.server.url.slice(0, 60)}'`;
  return null;
}

export class ClassRun {
  private nc: NatsConnection | null = null;
  private link: LearnerLink | null = null;
  private board: ProgressBoard | null = null;
  private settings: ClassRunSettings | null = null;
  private stopReporting: (() => void) | null = null;

  constructor(
    private readonly store: LabStore,
    private readonly connectNats: ConnectNats | undefined,
    private readonly scheduler: LabScheduler,
    /** The learner's state as the join tabs should read it. */
    private readonly learnerState: () => SwarmProgress['state'],
  ) {}

  /** Whether this lab can lead a class run (the page can; a lab without a NATS client cannot). */
  get available(): boolean {
    return this.connectNats !== undefined;
  }

  /** Whether runs made now take their unrolls from the class. */
  get connected(): boolean {
    return this.nc !== null && this.store.state.classRun?.status === 'connected';
  }

  /**
   * Connects to the class's NATS server as the teacher. Resolves true once
   * connected; false with the reason shown in the panel (a wrong address or
   * password, a server that is not running). Nothing else changes.
   */
  async connect(settings: ClassRunSettings): Promise<boolean> {
    if (!this.connectNats) {
      this.store.notify('error', 'This lab has no NATS client, so it cannot lead a class run.');
      return false;
    }
    await this.disconnect();
    const view: ClassRunView = {
      run: settings.run,
      url: settings.server.url,
      status: 'connecting',
      problem: null,
      joinHash: joinHash({ run: settings.run, url: settings.server.url, ...settings.student }),
      progress: null,
    };
    const problem = classRunProblem(settings);
    if (problem) {
      this.store.set({ classRun: { ...view, status: 'failed', problem } });
      return false;
    }
    this.store.set({ classRun: view });
    try {
      this.nc = await this.connectNats(settings.server, `impala teacher ${settings.run}`);
    } catch (e) {
      this.store.set({ classRun: { ...view, status: 'failed', problem: `could not connect to ${settings.server.url}: ${errorText(e)}` } });
      return false;
    }
    this.settings = settings;
    this.store.set({ classRun: { ...view, status: 'connected' } });
    return true;
  }

  /**
   * Opens the run's stream, consumer and buckets for runs with these
   * settings, and stores the settings for the students' tabs. The runs'
   * learner version and end come in as functions (a learner may be
   * replaced; the run ends).
   */
  async openFeed(config: ExperimentConfig, learnerVersion: () => number, ended: () => boolean): Promise<ClassFeed> {
    const nc = this.nc;
    const settings = this.settings;
    if (!nc || !settings) throw new Error('the class run is not connected');
    await this.closeFeed();
    const spec = envSpecFor(config);
    const log = (line: string): void => {
      const current = this.store.state.classRun;
      if (current) this.store.set({ classRun: { ...current, problem: line } });
    };
    const link = await LearnerLink.open(nc, { format: RUN_RECORD_FORMAT, run: settings.run, config, learnerId: `tab-${randomHex(4)}`, createdAt: this.scheduler.date().toISOString() }, {
      run: settings.run,
      expectation: unrollExpectationFor(config, spec),
      streamMessages: streamMessagesFor(config),
      maxPolicyLag: SWARM_LIMITS.maxPolicyLag,
      maxRejections: SWARM_LIMITS.maxRejections,
      goneAfterMs: SWARM_LIMITS.goneAfterSeconds * 1000,
      ackWaitMs: SWARM_LIMITS.ackWaitSeconds * 1000,
      now: () => this.scheduler.now(),
      sleep: (ms) => new Promise((resolve) => this.scheduler.timeout(ms, resolve)),
      log,
    });
    const board = new ProgressBoard(settings.run, config.frames);
    this.link = link;
    this.board = board;
    this.stopReporting = this.scheduler.interval(PROGRESS_EVERY_MS, () => this.report());
    return {
      source: new SwarmSource(link, learnerVersion, ended),
      publish: (version, weights) => link.publishWeights(version, weights),
      updated: (record) => board.add(record),
    };
  }

  /** Every contributor's full figures as the learner counts them (empty without a run). */
  contributors(): ContributorStats[] {
    return this.link?.contributors.list() ?? [];
  }

  /** Stores the run's progress for the join tabs and shows it in the panel. */
  report(state = this.learnerState()): void {
    const { link, board } = this;
    const current = this.store.state.classRun;
    if (!link || !board || !current) return;
    const progress = board.progress(link.contributors, this.scheduler.now(), state);
    link.publishProgress(progress);
    this.store.set({ classRun: { ...current, progress } });
  }

  /** The runs were discarded: the students' tabs hear that the learner stopped, and the run's link closes (the connection stays). */
  async closeFeed(): Promise<void> {
    this.stopReporting?.();
    this.stopReporting = null;
    if (this.link) {
      this.report('stopped');
      await this.link.close();
    }
    this.link = null;
    this.board = null;
  }

  /** Ends the class run: the link closes and the connection drains. */
  async disconnect(): Promise<void> {
    await this.closeFeed();
    const nc = this.nc;
    this.nc = null;
    this.settings = null;
    if (nc) {
      try {
        await nc.drain();
      } catch {
        await nc.close().catch(() => {});
      }
    }
    this.store.set({ classRun: null });
  }
}
