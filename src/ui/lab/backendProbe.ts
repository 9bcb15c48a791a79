import type { ExperimentConfig } from '../../core/config/experimentConfig';
import { assembleBatch, type Batch } from '../../core/learner/batch';
import type { LearnerOptions } from '../../core/learner/learner';
import type { LearnerHandle } from '../../core/learner/learnerHandle';
import { BACKEND_LABELS, BACKEND_ORDER, type BackendName, type BackendReport } from './backendTypes';
import type { LabActor, LabDeps } from './labDeps';
import { errorText } from './labStore';

/** Each backend is timed for at most this long (after its compiling update). */
export const PROBE_MS_PER_BACKEND = 1500;
/**
 * The probe starts no new backend once this long has passed since it began
 * measuring (the batch of the actors' unrolls is collected first: training
 * needs them anyway). A backend already started finishes its first,
 * compiling update (a GPU's cannot be cut short) and its timing.
 */
export const PROBE_MS_TOTAL = 5000;
/**
 * The order backends are measured in: WASM first (it starts at once and
 * is the figure to beat), then the GPU backends, whose shaders compile
 * first; the CPU backend last, and only when WASM could not run (it computes
 * on the same processor as WASM, only slower). For the same reason a GPU
 * backend drawn by software (SwiftShader, llvmpipe: no GPU in the machine)
 * is not measured once WASM was.
 */
const PROBE_ORDER: readonly BackendName[] = ['wasm', 'webgpu', 'webgl', 'cpu'];
/** Timed updates per backend, at most (fewer when the time is up). */
const PROBE_UPDATES = 8;
/**
 * The probe's batch holds the run's own B unrolls up to about this many
 * frames; a larger batch is probed with fewer unrolls (at least one) and
 * its frames/s taken as the run's, so that settings with huge batches do
 * not make the probe take minutes (frames/s per update grows with the batch
 * on a GPU, so this errs against the GPU, never for it).
 */
export const MAX_PROBE_FRAMES = 4096;
/** A learner in a worker whose first (compiling) update takes longer than this is stopped and counted as too slow. */
const WARM_UP_LIMIT_MS = 5000;

/** One backend's measured learner throughput, or why it has none. */
export interface BackendTiming {
  backend: BackendName;
  /** Learner frames per second (batch frames over the median update time); null when not measured. */
  framesPerSecond: number | null;
  /** Why there is no figure (the backend does not start here, or the probe ran out of time). */
  note?: string;
  /** Milliseconds its first (compiling, left-out) update took. */
  warmUpMs?: number;
}

/** What "Automatic" measured for one network and batch shape on one adapter. */
export interface BackendMeasurement {
  /** The cache key: network, observation shape, batch shape, adapter. */
  key: string;
  timings: BackendTiming[];
  /** The backend with the most frames/s. */
  fastest: BackendName;
  /** How long the probe took, in milliseconds (0 when read from the cache). */
  probeMs: number;
  /** The figures come from an earlier probe (kept in the browser), not from this one. */
  cached: boolean;
  /** ISO time of the probe. */
  measuredAt: string;
  /** Frames in the batch each probe update learned from (the run's batch, or fewer unrolls of it: MAX_PROBE_FRAMES). */
  probeFrames?: number;
}

/** Where measurements are kept between visits (localStorage in the page, a map in tests). */
export interface MeasurementCache {
  get(key: string): BackendMeasurement | null;
  set(measurement: BackendMeasurement): void;
  delete(key: string): void;
}

/** Whether a value read back from storage is a measurement this version can use. */
export function isMeasurement(v: unknown): v is BackendMeasurement {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Partial<BackendMeasurement>;
  return (
    typeof m.key === 'string' &&
    typeof m.measuredAt === 'string' &&
    BACKEND_ORDER.includes(m.fastest as BackendName) &&
    Array.isArray(m.timings) &&
    m.timings.every((t) => BACKEND_ORDER.includes(t.backend) && (t.framesPerSecond === null || (typeof t.framesPerSecond === 'number' && t.framesPerSecond > 0 && Number.isFinite(t.framesPerSecond))))
  );
}

/** The cache key of a run's learner: its network, observation and batch shape, and the GPU adapter. */
export function measurementKey(options: LearnerOptions, config: ExperimentConfig, adapter: string | null): string {
  const cols = config.batchSize * config.envsPerActor;
  return [options.network.kind, options.spec.observationShape.join('x'), options.spec.numActions, `T${config.unrollLength}`, `cols${cols}`, adapter ?? 'no-gpu'].join('|');
}

/** "WebGPU 130 · WebGL 640 · WASM 2,100 frames/s: WASM", as the page's header shows a measurement. */
export function describeMeasurement(m: BackendMeasurement): string {
  const figures = m.timings
    .filter((t) => t.framesPerSecond !== null)
    .map((t) => `${BACKEND_LABELS[t.backend]} ${Math.round(t.framesPerSecond!).toLocaleString('en-US')}`);
  return `${figures.join(' · ')} frames/s: ${BACKEND_LABELS[m.fastest]}`;
}

/** The backends in the order to fall back to after `broken` ones: fastest measured first, then those not measured. */
export function fallbackOrder(m: BackendMeasurement, broken: ReadonlySet<BackendName>): BackendName[] {
  const measured = m.timings.filter((t) => t.framesPerSecond !== null && !broken.has(t.backend)).sort((a, b) => b.framesPerSecond! - a.framesPerSecond!);
  const rest = BACKEND_ORDER.filter((b) => !broken.has(b) && !measured.some((t) => t.backend === b));
  return [...measured.map((t) => t.backend), ...rest];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** B unrolls from the actors, round robin; an actor that fails is passed over (the run replaces it later). */
async function collectBatch(actors: readonly LabActor[], batchSize: number): Promise<Batch> {
  const unrolls = [];
  const failed = new Set<number>();
  for (let i = 0; unrolls.length < batchSize; i = (i + 1) % actors.length) {
    if (failed.size === actors.length) throw new Error('every actor failed while the backends were measured');
    if (failed.has(i)) continue;
    try {
      unrolls.push(await actors[i]!.unroll());
    } catch {
      failed.add(i);
    }
  }
  return assembleBatch(unrolls);
}

/** A copy of a batch, for a learner in another thread, which takes its buffers. */
function copyBatch(b: Batch): Batch {
  return structuredClone(b);
}

/**
 * "Automatic", measured: times a few real learner updates on each backend
 * the browser offers, with the run's own network and a batch of the run's
 * own actors' unrolls, while those actors keep stepping (a WASM or CPU
 * learner shares the cores with them), and leaves out each backend's first,
 * compiling update.
 */
export class BackendProbe {
  constructor(private readonly deps: Pick<LabDeps, 'backends' | 'createLearner' | 'scheduler'>) {}

  async measure(options: LearnerOptions, key: string, actors: readonly LabActor[], batchSize: number): Promise<BackendMeasurement> {
    const { scheduler } = this.deps;
    const start = scheduler.now();
    /** When measuring began (after the first batch was collected): the budget counts from there. */
    let measuringSince: number | null = null;
    const timings: BackendTiming[] = [];
    let batch: Batch | null = null;
    let busy = true;
    let keepBusy: Promise<unknown> | null = null;
    try {
      for (const backend of PROBE_ORDER) {
        if (measuringSince !== null && scheduler.now() - measuringSince > PROBE_MS_TOTAL) {
          timings.push({ backend, framesPerSecond: null, note: 'not measured: the probe ran out of time' });
          continue;
        }
        if (backend === 'cpu' && timings.some((t) => t.backend === 'wasm' && t.framesPerSecond !== null)) {
          timings.push({ backend, framesPerSecond: null, note: 'not measured: WASM runs on the same processor, faster' });
          continue;
        }
        let report: BackendReport;
        try {
          report = await this.deps.backends.select(backend);
        } catch (e) {
          timings.push({ backend, framesPerSecond: null, note: errorText(e) });
          continue;
        }
        if (report.backend !== backend) {
          timings.push({ backend, framesPerSecond: null, note: report.fallbacks.find((f) => f.backend === backend)?.reason ?? 'it does not start here' });
          continue;
        }
        if (report.software && timings.some((t) => t.backend === 'wasm' && t.framesPerSecond !== null)) {
          // Its shaders would take seconds to compile, to run on the processor WASM already uses, slower.
          timings.push({ backend, framesPerSecond: null, note: `not measured: ${report.adapter ?? 'a software renderer'} draws on the processor, not a GPU (WASM runs there faster)` });
          continue;
        }
        let learner: LearnerHandle | null = null;
        try {
          const made = await this.deps.createLearner(options, backend);
          learner = made.learner;
          const thread = made.thread;
          if (!batch) {
            // The run's own data: one batch of the actors' unrolls (every backend starts from the same seeded weights).
            const weights = await learner.getWeights();
            await Promise.all(actors.map((a) => a.setWeights(0, weights.map((w) => w.slice()))));
            const unrollFrames = await this.unrollFrames(actors);
            batch = await collectBatch(actors, Math.max(1, Math.min(batchSize, Math.floor(MAX_PROBE_FRAMES / unrollFrames))));
            measuringSince = scheduler.now();
            keepBusy = Promise.all(
              actors.map(async (a) => {
                while (busy) {
                  await a.unroll();
                  await scheduler.yieldToEventLoop(); // an actor in this thread (tests) must let the timers run
                }
              }),
            );
            keepBusy.catch(() => {});
          }
          // The first update compiles shaders and warms up: left out. A worker's is stopped when it takes too long.
          const warmUpStart = scheduler.now();
          const warmUp = learner.update(copyBatch(batch));
          if (thread === 'worker') {
            let cancel = (): void => {};
            const tooSlow = new Promise<never>((_, reject) => (cancel = scheduler.timeout(WARM_UP_LIMIT_MS, () => reject(new Error(`too slow: its first update took over ${WARM_UP_LIMIT_MS / 1000} s`)))));
            try {
              await Promise.race([warmUp, tooSlow]);
            } finally {
              cancel();
            }
          } else {
            await warmUp;
          }
          const warmUpMs = scheduler.now() - warmUpStart;
          const times: number[] = [];
          const begun = scheduler.now();
          while (times.length < PROBE_UPDATES && scheduler.now() - begun < PROBE_MS_PER_BACKEND) {
            const copy = copyBatch(batch);
            const t0 = scheduler.now();
            await learner.update(copy);
            await learner.getWeights(); // as a run publishes them after each update
            times.push(scheduler.now() - t0);
          }
          timings.push({ backend, framesPerSecond: (batch.frames / median(times)) * 1000, warmUpMs });
        } catch (e) {
          timings.push({ backend, framesPerSecond: null, note: errorText(e) });
        } finally {
          learner?.dispose();
        }
      }
    } finally {
      busy = false;
      await keepBusy?.catch(() => {});
    }
    const measured = timings.filter((t) => t.framesPerSecond !== null);
    if (measured.length === 0) throw new Error(`no tf.js backend could run the learner: ${timings.map((t) => `${t.backend}: ${t.note}`).join('; ')}`);
    const fastest = measured.reduce((a, b) => (b.framesPerSecond! > a.framesPerSecond! ? b : a)).backend;
    timings.sort((a, b) => BACKEND_ORDER.indexOf(a.backend) - BACKEND_ORDER.indexOf(b.backend));
    return { key, timings, fastest, probeMs: scheduler.now() - start, cached: false, measuredAt: scheduler.date().toISOString(), probeFrames: batch!.frames };
  }

  /** Frames in one unroll of these actors (asked of the first that answers; its unroll is otherwise unused). */
  private async unrollFrames(actors: readonly LabActor[]): Promise<number> {
    for (const a of actors) {
      try {
        const u = await a.unroll();
        return u.T * u.numEnvs;
      } catch {
        // Passed over, as in collectBatch.
      }
    }
    throw new Error('every actor failed while the backends were measured');
  }
}
