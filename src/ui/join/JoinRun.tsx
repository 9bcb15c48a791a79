import * as Comlink from 'comlink';
import { useEffect, useRef, useState } from 'react';
import type { JoinProgress, SwarmActorWorkerApi } from '../../workers/swarmActor.worker';
import type { JoinLink } from './joinLink';

/** 8 random hex digits from the browser's generator. */
function randomHex(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The page a join link opens: this tab becomes one actor of a class run,
 * in a Web Worker, and shows what it has contributed. Closing the tab (or
 * Stop) leaves the run; the learner reports it gone.
 */
export function JoinRun({ link }: { link: JoinLink }) {
  const [progress, setProgress] = useState<JoinProgress>({ status: 'starting', frames: 0, policyVersion: -1 });
  const [ended, setEnded] = useState<string | null>(null);
  const [actorId] = useState(() => `tab-${randomHex()}`);
  const api = useRef<Comlink.Remote<SwarmActorWorkerApi> | null>(null);

  useEffect(() => {
    const worker = new Worker(new URL('../../workers/swarmActor.worker.ts', import.meta.url), { type: 'module' });
    const remote = Comlink.wrap<SwarmActorWorkerApi>(worker);
    api.current = remote;
    const index = crypto.getRandomValues(new Uint32Array(1))[0]! >>> 1;
    remote
      .start({ ...link, actorId, actorIndex: index }, Comlink.proxy(setProgress))
      .then((r) => setEnded(`stopped after ${r.unrolls} unrolls`))
      .catch((e: unknown) => setEnded(`failed: ${e instanceof Error ? e.message : String(e)}`));
    return () => worker.terminate();
  }, [link, actorId]);

  return (
    <main className="join-run">
      <h1>IMPALA Lab: class run “{link.run}”</h1>
      <p>This tab is an actor ({actorId}): it plays the run's game with the learner's latest policy and sends what it sees to the learner.</p>
      <p data-testid="join-status">{ended ?? progress.status}</p>
      <p>
        Frames sent: <strong data-testid="join-frames">{progress.frames}</strong> · policy version {progress.policyVersion}
      </p>
      <button type="button" disabled={ended !== null} onClick={() => void api.current?.stop()}>
        Stop
      </button>
    </main>
  );
}
