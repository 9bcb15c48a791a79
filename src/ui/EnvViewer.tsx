import { useEffect, useState } from 'react';
import { ENV_IDS } from '../core/envs/envInfo';
import { createEnv } from '../core/envs/registry';
import { RandomState } from '../core/rng/randomState';
import { renderFrame } from '../core/render/renderFrame';
import { FrameCanvas } from './FrameCanvas';
import type { Frame } from '../core/render/renderFrame';
import type { Env } from '../core/envs/types';

const STEPS_PER_SECOND = 15;

/** Watches one environment played by a seeded uniformly random policy. */
export function EnvViewer() {
  const [envId, setEnvId] = useState<string>('minatar/breakout');
  const [seed, setSeed] = useState(1);
  const [frame, setFrame] = useState<Frame | null>(null);
  const [status, setStatus] = useState({ episode: 1, step: 0, episodeReturn: 0, lastReturn: null as number | null });
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    // Every state update happens in the timer callback, never in the effect body.
    let env: Env | null = null;
    let policy: RandomState | null = null;
    let episode = 1;
    let episodeReturn = 0;
    let lastReturn: number | null = null;
    const tick = (): void => {
      try {
        if (!env || !policy) {
          env = createEnv(envId, { seed });
          policy = new RandomState(seed + 1);
          env.reset();
          setError(null);
        } else {
          const result = env.step(policy.randint(env.spec.numActions));
          episodeReturn += result.reward;
          if (result.terminated || result.truncated) {
            lastReturn = episodeReturn;
            episodeReturn = 0;
            episode++;
            env.reset();
          }
        }
        setFrame(renderFrame(env, 4));
        setStatus({ episode, step: env.elapsedSteps, episodeReturn, lastReturn });
      } catch (e) {
        setError(e instanceof Error ? e.message : String(e));
        clearInterval(timer);
      }
    };
    const timer = setInterval(tick, 1000 / STEPS_PER_SECOND);
    const first = setTimeout(tick, 0);
    return () => {
      clearTimeout(first);
      clearInterval(timer);
    };
  }, [envId, seed]);

  return (
    <section className="panel" aria-labelledby="viewer-title">
      <h2 id="viewer-title">Environments</h2>
      <div className="controls">
        <label htmlFor="viewer-env">Environment</label>
        <select id="viewer-env" value={envId} onChange={(e) => setEnvId(e.target.value)}>
          {ENV_IDS.map((id) => (
            <option key={id} value={id}>
              {id}
            </option>
          ))}
        </select>
        <label htmlFor="viewer-seed">Seed</label>
        <input
          id="viewer-seed"
          type="number"
          min={0}
          value={seed}
          onChange={(e) => {
            const v = Number(e.target.value);
            if (Number.isInteger(v) && v >= 0 && v < 2 ** 32 - 1) setSeed(v);
          }}
        />
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="viewer">
        {frame && <FrameCanvas frame={frame} label={`${envId} played by a random policy`} />}
        <dl className="stats" aria-live="off">
          <dt>Policy</dt>
          <dd>uniformly random</dd>
          <dt>Episode</dt>
          <dd data-testid="episode">{status.episode}</dd>
          <dt>Step</dt>
          <dd data-testid="step">{status.step}</dd>
          <dt>Return so far</dt>
          <dd>{status.episodeReturn}</dd>
          <dt>Last return</dt>
          <dd>{status.lastReturn ?? '–'}</dd>
        </dl>
      </div>
    </section>
  );
}
