import type { LearnerOptions, LearnerState } from '../../core/learner/learner';
import type { LearnerHandle } from '../../core/learner/learnerHandle';
import type { ExperimentConfig } from '../../core/config/experimentConfig';
import { BACKEND_LABELS, type BackendName, type BackendProvider, type BackendReport, type GpuDeviceLike } from './backendTypes';
import type { LabActor, LabDeps, LabScheduler } from './labDeps';
import { BackendProbe, fallbackOrder, measurementKey, type MeasurementCache } from './backendProbe';
import { errorText, type LabStore } from './labStore';

/** A learner call that failed counts as a device loss if the learner's WebGPU device reports its loss within this many milliseconds. */
const DEVICE_LOSS_GRACE_MS = 3000;

/** What the supervisor is told to do when the learners' device is lost. */
export interface DeviceLossHandler {
  /** Abandon the learners' work in flight (each run then asks `replaceLearner`). */
  failLearners(error: Error): void;
  /** The backend changed: rebuild what lived on the lost device (the live player). */
  backendMoved(): void;
}

/**
 * Which tf.js backend the learner runs on, and what happens when it breaks.
 *
 * Chooses the backend (the user's choice, or Automatic's measured fastest)
 * and reports it in the lab's snapshot. Watches the learner's WebGPU device: when
 * it is lost, WebGPU is not used again in this page, the runs' learners fail
 * on purpose, and each is replaced (`replaceLearner`) by a learner on the
 * next backend restored from the run's own copy of its state.
 */
export class BackendSupervisor {
  /** The learner's WebGPU device whose loss is watched, and its loss (resolving with why). */
  private watchedDevice: GpuDeviceLike | null = null;
  private deviceLost: Promise<string> | null = null;
  /** The learners' move to the next backend after their device was lost, once begun. */
  private backendSwitch: Promise<void> | null = null;
  /** Why the device was lost, once it was. */
  lossReason: string | null = null;
  /** The WebGPU device each learner was made on (learners on other backends are absent). */
  private readonly learnerDevices = new WeakMap<LearnerHandle, GpuDeviceLike>();

  constructor(
    private readonly store: LabStore,
    private readonly backends: BackendProvider,
    private readonly scheduler: LabScheduler,
    private readonly makeLearner: LabDeps['createLearner'],
    private readonly measurements: MeasurementCache,
    private readonly onLoss: DeviceLossHandler,
  ) {}

  /** Backends that broke in this page (a lost WebGPU device), and why: not chosen again. */
  private readonly broken = new Map<BackendName, string>();

  /** The label of the backend the learner is on now. */
  get label(): string {
    return BACKEND_LABELS[this.store.state.backend?.backend ?? 'cpu'];
  }

  /**
   * Chooses a backend and reports it: the user's choice; else, once
   * Automatic has measured, the fastest measured backend that still works;
   * else the first that works (WebGPU, WebGL, WASM, CPU).
   */
  async select(): Promise<BackendReport> {
    const { backendChoice, measurement } = this.store.state;
    const report = backendChoice === 'auto' && measurement ? await this.selectFirstOf(fallbackOrder(measurement, new Set(this.broken.keys()))) : await this.backends.select(backendChoice);
    this.store.set({ backend: report });
    return report;
  }

  private async selectFirstOf(order: readonly BackendName[]): Promise<BackendReport> {
    const fallbacks: BackendReport['fallbacks'] = [...this.broken].map(([backend, reason]) => ({ backend, reason }));
    for (const name of order) {
      const report = await this.backends.select(name);
      if (report.backend === name) return { ...report, fallbacks };
      fallbacks.push({ backend: name, reason: report.fallbacks.find((f) => f.backend === name)?.reason ?? 'it did not start' });
    }
    return this.backends.select('auto');
  }

  /**
   * Chooses the backend for runs about to be made, and watches its GPU
   * device. Automatic measures the backends first (`BackendProbe`), with the
   * first run's learner settings and actors, unless this network and batch
   * shape were measured on this adapter before.
   */
  async selectForRuns(config: ExperimentConfig, options: LearnerOptions, actors: readonly LabActor[]): Promise<void> {
    if (this.store.state.backendChoice === 'auto') {
      const key = measurementKey(options, config, await this.backends.adapter());
      let measurement = this.measurements.get(key);
      if (measurement) {
        measurement = { ...measurement, cached: true, probeMs: 0 };
      } else {
        this.store.set({ measuring: true });
        try {
          measurement = await new BackendProbe({ backends: this.backends, createLearner: this.makeLearner, scheduler: this.scheduler }).measure(options, key, actors, config.batchSize);
          this.measurements.set(measurement);
        } catch (e) {
          // Training still starts, on the first backend that works.
          this.store.notify('warning', `Automatic could not measure the backends (${errorText(e)}), so the learner takes the first one that starts.`);
        } finally {
          this.store.set({ measuring: false });
        }
      }
      this.store.set({ measurement: measurement ?? null });
    } else {
      // A backend chosen by hand wins; what Automatic measured no longer describes the run.
      this.store.set({ measurement: null });
    }
    await this.select();
    this.watchDevice();
  }

  /** Forgets what Automatic measured for the current settings: the next Train measures again. */
  forgetMeasurement(): void {
    const { measurement } = this.store.state;
    if (measurement) this.measurements.delete(measurement.key);
    this.store.set({ measurement: null });
  }

  /**
   * A learner on the chosen backend: on the page for WebGPU and WebGL
   * (which only queue GPU work), in a dedicated worker for WASM and CPU
   * (whose compute would block the page), as `LabDeps.createLearner` makes them.
   */
  async createLearner(options: LearnerOptions): Promise<LearnerHandle> {
    const backend = this.store.state.backend?.backend ?? 'cpu';
    const { learner, thread } = await this.makeLearner(options, backend);
    this.store.set({ learnerThread: thread });
    return learner;
  }

  /** Records the device `learner` runs on, so that its failures can be told apart from a device loss. */
  adopt(learner: LearnerHandle): void {
    const device = this.backends.activeDevice();
    if (device) this.learnerDevices.set(learner, device);
  }

  private watchDevice(): void {
    const device = this.backends.activeDevice();
    if (!device || device === this.watchedDevice) return;
    this.watchedDevice = device;
    const lost = device.lost.then((info) => info.message || info.reason || 'no reason given');
    this.deviceLost = lost;
    void lost.then((why) => this.deviceWasLost(why));
  }

  private deviceWasLost(why: string): void {
    const reason = `its WebGPU device was lost (${why})`;
    this.lossReason = reason;
    const brokenReason = `the WebGPU device was lost (${why}); reload the page to use WebGPU again`;
    this.backends.markBroken('webgpu', brokenReason);
    this.broken.set('webgpu', brokenReason);
    this.backendSwitch = this.select().then(() => this.onLoss.backendMoved());
    this.backendSwitch.catch((e: unknown) =>
      this.store.notify('error', `The learner's WebGPU device was lost and no other backend could start: ${errorText(e)}`),
    );
    this.store.notify('warning', `The learner stopped because ${reason}; moving it to the next backend with its current weights…`);
    this.onLoss.failLearners(new Error(reason));
  }

  /** Whether the learners' device was lost (now, or within the grace period after a call failed). */
  private async wasDeviceLoss(): Promise<boolean> {
    if (this.backendSwitch) return true;
    if (!this.deviceLost) return false;
    let cancel = (): void => {};
    const grace = new Promise<boolean>((resolve) => (cancel = this.scheduler.timeout(DEVICE_LOSS_GRACE_MS, () => resolve(false))));
    const lost = await Promise.race([this.deviceLost.then(() => true), grace]);
    cancel();
    return lost;
  }

  /**
   * A run's learner failed: if its WebGPU device was lost, makes a learner
   * on the next backend from the run's copy of the state (the caller
   * disposes the old one); any other error is rethrown, failing the run.
   */
  async replaceLearner(failed: LearnerHandle, state: LearnerState, error: Error): Promise<LearnerHandle> {
    const device = this.learnerDevices.get(failed);
    if (!device || device !== this.watchedDevice || !(await this.wasDeviceLoss())) throw error;
    await this.backendSwitch;
    const learner = await this.createLearner(failed.options);
    await learner.restore(state);
    return learner;
  }
}
