import type { ExperimentConfig } from '../../core/config/experimentConfig';
import { checkpointOf, decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../../core/persistence/checkpoint';
import { createNetwork } from '../../core/model/networks';
import { setNetworkWeights } from '../../core/model/weights';
import { envSpecFor, networkFor, networkSpecFor } from '../../core/training/fromConfig';
import { TrainingHistory } from '../../core/telemetry/trainingHistory';
import { errorText, type LabStore } from './labStore';
import type { LivePlayback } from './livePlayback';
import type { RunController } from './runController';

/** The largest model file the lab reads. */
export const MAX_MODEL_BYTES = 64 * 1024 * 1024;

/**
 * Model files: the current model (run 1) as a download, and a file (ours or
 * the headless trainer's `checkpoint.json`) loaded to continue from. A
 * wrong, damaged or oversized file, or another environment's model, gets a
 * message naming what is wrong and changes nothing.
 */
export class ModelFiles {
  constructor(
    private readonly store: LabStore,
    private readonly runs: RunController,
    private readonly playback: LivePlayback,
    /** The lab no longer has a saved run open (a loaded model starts a new one). */
    private readonly forgetSavedRun: () => void,
    /** The wall-clock time, for the file's date. */
    private readonly date: () => Date,
  ) {}

  /** The current model (run 1, or the model loaded or opened) as a checkpoint file. */
  async download(): Promise<Blob> {
    const slot = this.runs.slots[0];
    const checkpoint = slot ? checkpointOf(slot.config, await slot.learner.snapshot(), this.date().toISOString()) : this.runs.restored;
    if (!checkpoint) throw new Error('There is no trained model yet: press Train first.');
    const shapes = slot?.learner.weightShapes();
    return new Blob([encodeCheckpoint(checkpoint, shapes)], { type: 'application/json' });
  }

  /** Loads a model file; a wrong file or weights of another shape give a message and change nothing. */
  async load(file: Blob): Promise<void> {
    try {
      if (file.size > MAX_MODEL_BYTES) throw new Error(`the file is ${(file.size / 1e6).toFixed(0)} MB; a model file is at most ${MAX_MODEL_BYTES / 1e6} MB`);
      const checkpoint = decodeCheckpoint(await file.text());
      const { config } = checkpoint;
      const current = this.runs.slots[0]?.config;
      if (current && current.env !== config.env) {
        throw new Error(`it is a model of ${config.env}, but the current run trains ${current.env}; press Reset first to switch the experiment to that model`);
      }
      // Check the weights against a network built from the file's own settings before touching
      // anything; building it needs a tf.js backend, which a fresh page has not chosen yet.
      await this.runs.ensureBackend();
      checkWeightsFit(config, checkpoint.weights);
      await this.adopt(checkpoint, `Loaded a model of ${config.env} (${checkpoint.frames.toLocaleString('en-US')} frames, ${checkpoint.version} updates). Press Train to continue training it.`);
    } catch (e) {
      this.store.notify('error', `Could not load the model: ${errorText(e)}. The current model is unchanged.`);
    }
  }

  /**
   * Makes `checkpoint` (checked: its weights fit its settings' network) the
   * model the next run continues, in place of the current runs, and plays it
   * live; `message` tells the user.
   */
  async adopt(checkpoint: Checkpoint, message: string): Promise<void> {
    const { config } = checkpoint;
    const spec = envSpecFor(config);
    await this.runs.disposeRuns();
    this.runs.comparisonPreset = null;
    this.runs.restored = checkpoint;
    this.forgetSavedRun();
    this.playback.recordings.clear();
    this.store.set({
      config,
      presetId: null,
      comparison: [],
      status: 'idle',
      pendingChanges: false,
      latest: null,
      histories: [{ label: 'Run', history: new TrainingHistory() }],
      observationShape: spec.observationShape,
      message: { kind: 'info', text: message },
    });
    this.playback.setPlayer(this.runs.playerOf(config, checkpoint.version, checkpoint.weights));
  }
}

/** Throws, saying why, unless `weights` fit the network `config` describes (a tf.js backend must be chosen). */
export function checkWeightsFit(config: ExperimentConfig, weights: readonly Float32Array[]): void {
  const spec = envSpecFor(config);
  const probe = createNetwork(networkFor(config, spec), networkSpecFor(config, spec), 0, false);
  try {
    setNetworkWeights(probe, weights);
  } finally {
    probe.dispose();
  }
}
