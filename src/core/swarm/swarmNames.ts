/**
 * Where a swarm run lives on the NATS server. One stream per run holds its
 * unrolls; every run shares one key-value bucket (and one object store for
 * weights too large for a message), so that the server config can grant
 * students read access to them by name (`nats/class.conf`):
 *
 *   impala.<run>.unrolls     subject actors publish unrolls to (JetStream)
 *   impala.<run>.heartbeat   core-NATS subject of actors' heartbeats
 *   IMPALA_<run>             the run's unroll stream (work queue)
 *   learner                  the learner's durable pull consumer on it
 *   KV_impala / <run>.weights, <run>.config, <run>.progress   keys in the shared bucket
 *   OBJ_impala / <run>.weights                large weights
 */

/** Run names: letters, digits, '-' and '_' (they become subject tokens, stream and key names). */
export const RUN_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const KV_BUCKET = 'impala';
export const OBJECT_BUCKET = 'impala';
export const LEARNER_CONSUMER = 'learner';
/** The message header in which an actor names the settings its unroll was made for (`RunRecord.settingsId`). */
export const SETTINGS_HEADER = 'Impala-Settings';

export interface SwarmNames {
  run: string;
  unrollSubject: string;
  heartbeatSubject: string;
  stream: string;
  weightsKey: string;
  configKey: string;
  /** The learner's report to everyone who joined (`swarmProgress.ts`). */
  progressKey: string;
  weightsObject: string;
}

export function swarmNames(run: string): SwarmNames {
  if (!RUN_NAME_PATTERN.test(run)) throw new RangeError(`run name '${run}' must be 1-64 letters, digits, '-' or '_'`);
  return {
    run,
    unrollSubject: `impala.${run}.unrolls`,
    heartbeatSubject: `impala.${run}.heartbeat`,
    stream: `IMPALA_${run}`,
    weightsKey: `${run}.weights`,
    configKey: `${run}.config`,
    progressKey: `${run}.progress`,
    weightsObject: `${run}.weights`,
  };
}
