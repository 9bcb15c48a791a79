import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../../core/model/checkpoint';
import { createNetwork } from '../../core/model/networks';
import { setNetworkWeights } from '../../core/model/weights';
import { envSpecFor, networkFor, networkSpecFor } from '../../core/training/fromConfig';
import { TrainingHistory } from '../../core/training/trainingHistory';
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
  ) {}

  /** The current model (run 1, or the model loaded or opened) as a checkpoint file. */
  async download(): Promise<Blob> {
    const slot = this.runs.slots[0];
    let checkpoint: Checkpoint;
    if (slot) {
      const { config, learner } = slot;
      const spec = envSpecFor(config);
      const optimizer = await learner.getOptimizerState();
      checkpoint = {
        config,
        envId: config.env,
        spec: networkSpecFor(config, spec),
        network: networkFor(config, spec),
        version: learner.version,
        frames: learner.framesSeen,
        weights: await learner.getWeights(),
        optimizer: { name: learner.options.optimizer, ...optimizer },
        ...(learner.popart ? { popart: learner.popart.getState() } : {}),
        createdAt: new Date().toISOString(),
      };
    } else if (this.runs.restored) {
      const { config, state } = this.runs.restored;
      const spec = envSpecFor(config);
      checkpoint = {
        config,
        envId: config.env,
        spec: networkSpecFor(config, spec),
        network: networkFor(config, spec),
        version: state.version,
        frames: state.frames,
        weights: [...state.weights],
        ...(state.optimizer ? { optimizer: { name: state.optimizerName ?? config.optimizer, ...state.optimizer } } : {}),
        ...(state.popart ? { popart: state.popart } : {}),
        createdAt: new Date().toISOString(),
      };
    } else {
      throw new Error('There is no trained model yet: press Train first.');
    }
    const shapes = slot?.learner.network.variables.map((v) => v.shape);
    return new Blob([encodeCheckpoint(checkpoint, shapes)], { type: 'application/json' });
  }

  /** Loads a model file; a wrong file or weights of another shape give a message and change nothing. */
  async load(file: Blob): Promise<void> {
    try {
      if (file.size > MAX_MODEL_BYTES) throw new Error(`the file is ${(file.size / 1e6).toFixed(0)} MB; a model file is at most ${MAX_MODEL_BYTES / 1e6} MB`);
      const checkpoint = decodeCheckpoint(await file.text());
      const current = this.runs.slots[0]?.config;
      if (current && current.env !== checkpoint.envId) {
        throw new Error(
          `it is a model of ${checkpoint.envId}, but the current run trains ${current.env}; press Reset first to switch the experiment to that model`,
        );
      }
      const spec = envSpecFor(checkpoint.config);
      if (checkpoint.envId !== checkpoint.config.env) throw new Error(`the file's environment (${checkpoint.envId}) does not match its settings (${checkpoint.config.env})`);
      const networkSpec = networkSpecFor(checkpoint.config, spec);
      if (
        checkpoint.spec.numActions !== spec.numActions ||
        checkpoint.spec.observationShape.join() !== spec.observationShape.join() ||
        (checkpoint.spec.numTasks ?? 1) !== networkSpec.numTasks
      ) {
        throw new Error(`the model's inputs/outputs do not fit ${checkpoint.envId}`);
      }
      if (checkpoint.config.popart !== (checkpoint.popart !== undefined)) {
        throw new Error(checkpoint.config.popart ? 'its settings use PopArt but it holds no PopArt statistics' : 'it holds PopArt statistics but its settings do not use PopArt');
      }
      // Check the weights against a network built from the file's own settings before touching
      // anything; building it needs a tf.js backend, which a fresh page has not chosen yet.
      await this.runs.ensureBackend();
      const probe = createNetwork(networkFor(checkpoint.config, spec), networkSpec, 0, false);
      try {
        setNetworkWeights(probe, checkpoint.weights);
      } finally {
        probe.dispose();
      }
      await this.runs.disposeRuns();
      this.runs.comparisonPreset = null;
      this.runs.restored = {
        config: checkpoint.config,
        state: {
          version: checkpoint.version,
          frames: checkpoint.frames,
          weights: checkpoint.weights,
          ...(checkpoint.optimizer ? { optimizer: checkpoint.optimizer, optimizerName: checkpoint.optimizer.name } : {}),
          ...(checkpoint.popart ? { popart: checkpoint.popart } : {}),
        },
      };
      this.forgetSavedRun();
      this.playback.recordings.clear();
      this.store.set({
        config: checkpoint.config,
        presetId: null,
        comparison: [],
        status: 'idle',
        pendingChanges: false,
        latest: null,
        histories: [{ label: 'Run', history: new TrainingHistory() }],
        observationShape: spec.observationShape,
        message: { kind: 'info', text: `Loaded a model of ${checkpoint.envId} (${checkpoint.frames.toLocaleString('en-US')} frames, ${checkpoint.version} updates). Press Train to continue training it.` },
      });
      this.playback.setPlayer(this.runs.playerOf(checkpoint.config, checkpoint.version, checkpoint.weights));
    } catch (e) {
      this.store.notify('error', `Could not load the model: ${errorText(e)}. The current model is unchanged.`);
    }
  }
}
