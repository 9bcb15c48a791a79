/// <reference lib="webworker" />
/**
 * A browser tab's actor of a swarm run: the core swarm actor
 * (`runSwarmActor`) over a WebSocket connection to the run's NATS server
 * (nats-core's `wsconnect`), in a Web Worker so that acting never blocks
 * the page. Thin on purpose: the page starts and stops it through Comlink
 * and hears its progress through a callback.
 */
import * as Comlink from 'comlink';
import { wsconnect, type NatsConnection } from '@nats-io/nats-core';
import { ActorLink } from '../core/swarm/actorLink';
import { runSwarmActor, type SwarmActorReport } from '../core/swarm/swarmActor';
import type { SwarmProgress } from '../core/swarm/swarmProgress';
import { initWorkerBackend } from './workerBackend';

/** Where to join and as whom. */
export interface JoinOptions {
  /** ws://host:8080 or wss://host:8443 */
  url: string;
  run: string;
  user: string;
  pass: string;
  actorId: string;
  actorIndex: number;
}

/**
 * What the page hears: a line of status, frames sent so far with the policy
 * version acted with, and the learner's latest report on the run (the
 * shared curve and every contributor's share; null before the first).
 */
export interface JoinProgress {
  status: string;
  frames: number;
  policyVersion: number;
  run: SwarmProgress | null;
}

/** How often the page hears from the worker while nothing else happens (the learner reports every 2 s). */
const REPORT_EVERY_MS = 1000;

let stop = false;
let nc: NatsConnection | null = null;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const api = {
  async start(options: JoinOptions, onProgress: (p: JoinProgress) => void): Promise<SwarmActorReport> {
    const progress = { status: 'starting', frames: 0, policyVersion: -1 };
    let link: ActorLink | null = null;
    const report = (): void => onProgress({ ...progress, run: link?.progress() ?? null });
    const say = (status: string): void => {
      progress.status = status;
      report();
    };
    await initWorkerBackend('wasm');
    say(`connecting to ${options.url}`);
    nc = await wsconnect({ servers: options.url, user: options.user, pass: options.pass, name: `impala tab ${options.actorId}`, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
    const stopped = (): boolean => stop;
    link = await ActorLink.open(nc, { run: options.run, sleep, stopped, log: say });
    const reporting = setInterval(report, REPORT_EVERY_MS);
    try {
      return await runSwarmActor({
        link,
        actorId: options.actorId,
        actorIndex: options.actorIndex,
        now: () => performance.now(),
        sleep,
        stopped,
        log: say,
        onUnroll: (frames, version) => {
          const first = progress.frames === 0;
          progress.frames += frames;
          progress.policyVersion = version;
          progress.status = 'acting';
          // The page hears of the first unroll at once, not up to a second later.
          if (first) report();
        },
      });
    } finally {
      clearInterval(reporting);
      report();
      link.close();
      await nc.close();
    }
  },
  stop(): void {
    stop = true;
  },
};

export type SwarmActorWorkerApi = typeof api;
Comlink.expose(api);
