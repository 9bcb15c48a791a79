import { useState } from 'react';
import type { Lab, LabSnapshot } from '../lab/lab';
import { ContributorsTable } from './ContributorsTable';
import { QrCode } from './QrCode';
import { CopyLinkField } from '../components/CopyLinkField';
import { randomHex } from '../randomHex';

const SETTINGS_KEY = 'impala-lab.class-run';

interface FormValues {
  url: string;
  run: string;
  user: string;
  pass: string;
  studentUser: string;
  studentPass: string;
}

/** The server's WebSocket listener on this page's host: ws:// beside an http page, wss:// beside an https one (browsers block ws:// there). */
function defaultUrl(): string {
  const host = location.hostname || 'localhost';
  return location.protocol === 'https:' ? `wss://${host}:8443` : `ws://${host}:8080`;
}

/** The form as last used (no teacher password: it is never stored). */
function initialValues(): FormValues {
  const fresh: FormValues = { url: defaultUrl(), run: `class-${randomHex(2)}`, user: 'teacher', pass: '', studentUser: 'student', studentPass: '' };
  try {
    const kept = JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? '{}') as Partial<Record<keyof FormValues, unknown>>;
    const text = (k: keyof FormValues): string | undefined => (typeof kept[k] === 'string' ? (kept[k] as string) : undefined);
    return { ...fresh, url: text('url') ?? fresh.url, user: text('user') ?? fresh.user, studentUser: text('studentUser') ?? fresh.studentUser, studentPass: text('studentPass') ?? fresh.studentPass };
  } catch {
    return fresh;
  }
}

function keep(values: FormValues): void {
  try {
    localStorage.setItem(SETTINGS_KEY, JSON.stringify({ url: values.url, user: values.user, studentUser: values.studentUser, studentPass: values.studentPass }));
  } catch {
    // Not kept: the form starts from the defaults next time.
  }
}

/**
 * The Class run panel: the teacher's tab becomes the learner of a run on
 * the class's NATS server (`nats/class.conf`; README, "A class run"), shows
 * the join link and its QR code, and lists the contributors with their
 * frames, last-seen time and policy lag.
 */
export function ClassRunPanel({ lab, state }: { lab: Lab; state: LabSnapshot }) {
  const [values, setValues] = useState(initialValues);
  const view = state.classRun;
  const field = (key: keyof FormValues, label: string, type = 'text') => (
    <label className="class-run-field">
      {label}{' '}
      <input type={type} value={values[key]} autoComplete={type === 'password' ? 'current-password' : 'off'} onChange={(e) => setValues({ ...values, [key]: e.target.value })} data-testid={`class-${key}`} />
    </label>
  );

  if (!view || view.status === 'failed') {
    return (
      <details className="panel class-run" open={view?.status === 'failed' || undefined}>
        <summary>Class run: the students' tabs as actors</summary>
        <p>
          This tab becomes the learner, and every student who opens the join link becomes an actor: their tabs play and send unrolls through the class's NATS server. Start the server with <code>nats-server -c nats/class.conf</code> (see the README), then start the run with the current settings.
        </p>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            keep(values);
            void lab.startClassRun({ server: { url: values.url.trim(), user: values.user, pass: values.pass }, run: values.run.trim(), student: { user: values.studentUser, pass: values.studentPass } });
          }}
        >
          {field('url', 'Server (WebSocket)')}
          {field('run', 'Run name')}
          {field('user', 'Teacher user')}
          {field('pass', 'Teacher password', 'password')}
          {field('studentUser', 'Student user (in the join link)')}
          {field('studentPass', 'Student password (in the join link)')}
          <button type="submit">Start class run</button>
        </form>
        {view?.status === 'failed' && (
          <p role="alert" className="message error" data-testid="class-problem">
            The class run did not start: {view.problem}.
          </p>
        )}
      </details>
    );
  }

  const joinUrl = `${location.origin}${location.pathname}${view.joinHash}`;
  const progress = view.progress;
  return (
    <section className="panel class-run" aria-labelledby="class-run-title">
      <h2 id="class-run-title">Class run “{view.run}”</h2>
      {view.status === 'connecting' ? (
        <p role="status">Connecting to {view.url}…</p>
      ) : (
        <>
          <p data-testid="class-status">
            Connected to {view.url}. {state.status === 'running' ? 'Training: the learner waits for the students’ unrolls.' : state.status === 'paused' ? 'Paused: the students’ tabs wait.' : `The run is ${state.status}.`}
          </p>
          <div className="class-run-join">
            <QrCode text={joinUrl} label={`QR code of the join link for run ${view.run}`} />
            <div>
              <CopyLinkField id="class-join-url" label="Join link (students open it, give a name and press Join)" link={joinUrl} copyText="Copy join link" copiedText="Join link copied." testId="class-join-url" />
              <p className="note">The link carries the student login. Anyone with it can contribute to this run (and nothing more: see nats/class.conf).</p>
            </div>
          </div>
          {progress ? <ContributorsTable contributors={progress.contributors} /> : <p>Waiting for the run to start.</p>}
          {view.problem && <p className="note" data-testid="class-note">Last problem: {view.problem}</p>}
        </>
      )}
      <button type="button" onClick={() => void lab.endClassRun()}>
        End class run
      </button>
    </section>
  );
}
