import * as Comlink from 'comlink';
import { useEffect, useRef, useState } from 'react';
import type { JoinProgress, SwarmActorWorkerApi } from '../../workers/swarmActor.worker';
import { ContributorsTable } from '../classrun/ContributorsTable';
import { SharedCurve } from '../classrun/SharedCurve';
import { contributorId, type JoinLink } from './joinLink';
import { randomHex } from '../randomHex';

const NAME_KEY = 'impala-lab.join-name';

function storedName(): string {
  try {
    return localStorage.getItem(NAME_KEY) ?? '';
  } catch {
    return '';
  }
}

/**
 * The page a join link opens. The student gives a name and joins: this tab
 * becomes one actor of the class run, in a Web Worker, and shows what it
 * has contributed, as the learner counted it, beside the run's shared
 * learning curve and everyone's share. Closing the tab (or Stop) leaves
 * the run; the learner reports it gone.
 */
export function JoinRun({ link }: { link: JoinLink }) {
  const [name, setName] = useState(storedName);
  const [actorId, setActorId] = useState<string | null>(null);
  const [progress, setProgress] = useState<JoinProgress>({ status: 'starting', frames: 0, policyVersion: -1, run: null });
  const [ended, setEnded] = useState<string | null>(null);
  const api = useRef<Comlink.Remote<SwarmActorWorkerApi> | null>(null);

  useEffect(() => {
    if (actorId === null) return;
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

  const join = (): void => {
    try {
      localStorage.setItem(NAME_KEY, name);
    } catch {
      // Not kept: the student types it again next time.
    }
    setActorId(contributorId(name, randomHex(4)));
  };

  if (actorId === null) {
    return (
      <main className="join-run">
        <h1>IMPALA Lab: join class run “{link.run}”</h1>
        <p>This tab will become one of the run's actors: it plays the game with the learner's latest policy and sends what it sees to the learner.</p>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            join();
          }}
        >
          <label>
            Your name (the class sees it){' '}
            <input value={name} maxLength={40} onChange={(e) => setName(e.target.value)} autoFocus data-testid="join-name" />
          </label>{' '}
          <button type="submit">Join</button>
        </form>
      </main>
    );
  }

  const run = progress.run;
  const mine = run?.contributors.find((c) => c.id === actorId);
  return (
    <main className="join-run">
      <h1>IMPALA Lab: class run “{link.run}”</h1>
      <p>This tab is an actor ({actorId}): it plays the run's game with the learner's latest policy and sends what it sees to the learner.</p>
      <p data-testid="join-status">{ended ?? progress.status}</p>
      <p>
        Frames sent: <strong data-testid="join-frames">{progress.frames}</strong> · policy version {progress.policyVersion}
      </p>
      <p data-testid="join-share">
        {mine
          ? `The learner has learned from ${mine.frames.toLocaleString('en-US')} of your frames${run && run.frames > 0 ? ` (${Math.min(100, (100 * mine.frames) / run.frames).toFixed(0)}% of the run)` : ''}; your policy lag is ${mine.lastLag} updates.${mine.cutOff ? ' You are cut off: your unrolls were rejected too often.' : ''}`
          : 'The learner has not counted any of your frames yet.'}
      </p>
      <button type="button" disabled={ended !== null} onClick={() => void api.current?.stop()}>
        Stop
      </button>
      {run ? (
        <section aria-label="The class run">
          <h2>The class's agent{run.state === 'paused' ? ' (paused by the teacher)' : run.state === 'stopped' ? ' (the learner stopped)' : ''}</h2>
          <SharedCurve progress={run} />
          <ContributorsTable contributors={run.contributors} self={actorId} />
        </section>
      ) : (
        <p>Waiting for the learner's first report on the run.</p>
      )}
    </main>
  );
}
