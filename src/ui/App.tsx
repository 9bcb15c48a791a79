import { useCallback, useEffect, useState } from 'react';
import { createBrowserLab } from './lab/browserLab';
import { FrameRateMeter } from './lab/frameRateMeter';
import { installTestHooks, testHooksRequested } from './lab/testHooks';
import { useLab } from './useLab';
import { ControlsBar } from './components/ControlsBar';
import { StatusPanel } from './components/StatusPanel';
import { BackendBadge } from './components/BackendBadge';
import { ModelPanel } from './components/ModelPanel';
import { ResumeOffer, SavedRunsPanel } from './components/SavedRunsPanel';
import { LinkBanner } from './components/LinkBanner';
import { MemoryNotice } from './components/MemoryNotice';
import { LessonLinkPanel } from './components/LessonLinkPanel';
import { SettingsPanel } from './settings/SettingsPanel';
import { PresetPicker } from './settings/PresetPicker';
import { TrainingCharts } from './charts/TrainingCharts';
import { SuiteScores } from './components/SuiteScores';
import { WatchAgents, ZooPanel } from './components/ZooPanel';
import { VtraceInspectorPanel } from './inspector/VtraceInspectorPanel';
import { EnvViewer } from './EnvViewer';
import { ClassRunPanel } from './classrun/ClassRunPanel';

/** The lab's page: a thin React view over the framework-free Lab store. */
export function App() {
  const [lab] = useState(() => createBrowserLab(location.hash));
  const [meter] = useState(() => new FrameRateMeter());
  const state = useLab(lab);
  const isHidden = useCallback((id: string) => state.hidden.has(id as never), [state.hidden]);

  useEffect(() => {
    meter.start();
    return () => meter.stop();
  }, [meter]);

  // Fault injection for the browser tests, only with ?testHooks=1 (see lab/testHooks.ts).
  useEffect(() => {
    if (testHooksRequested(location.search)) installTestHooks(lab);
  }, [lab]);

  // The trained agents that ship with the site (zoo/manifest.json beside the page).
  useEffect(() => void lab.zoo.loadManifest(), [lab]);

  // Saved runs (IndexedDB): the list, the resume offer after a reload, and the periodic save.
  useEffect(() => lab.connectStorage(), [lab]);

  useEffect(() => {
    const onVisibility = (): void => lab.visibilityChanged(document.hidden);
    document.addEventListener('visibilitychange', onVisibility);
    return () => document.removeEventListener('visibilitychange', onVisibility);
  }, [lab]);

  // The URL carries the experiment: written as the user changes settings.
  useEffect(() => {
    const hash = lab.shareHash();
    const url = `${location.pathname}${location.search}${hash}`;
    if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(null, '', url);
  }, [lab, state.config, state.hidden, state.open]);

  const running = state.status === 'running' || state.status === 'paused' || state.status === 'starting';
  return (
    <div className="app">
      <header className="app-header">
        <h1>IMPALA Lab</h1>
        <p className="tagline">
          Train an IMPALA agent (Espeholt et al. 2018) in this tab: actors in Web Workers, a V-trace learner on your GPU.
        </p>
        {!isHidden('backend') && <BackendBadge lab={lab} state={state} hideOverride={isHidden('advanced')} />}
      </header>
      <LinkBanner lab={lab} state={state} />
      <ResumeOffer lab={lab} state={state} />
      {state.message && (
        <p className={`message ${state.message.kind}`} role={state.message.kind === 'error' ? 'alert' : 'status'} data-testid="message">
          {state.message.text}
        </p>
      )}
      <div className="layout">
        <aside className="sidebar">
          {!isHidden('presets') && (
            <section className="panel" aria-labelledby="presets-title">
              <h2 id="presets-title">Presets</h2>
              <PresetPicker selectedId={state.presetId ?? undefined} onPick={(p) => lab.applyPreset(p.id)} />
              <ZooPanel lab={lab} state={state} onWatch={() => document.getElementById('replay-title')?.scrollIntoView({ block: 'start' })} />
            </section>
          )}
          {!isHidden('settings') && (
            <section className="panel" aria-labelledby="settings-title">
              <h2 id="settings-title">Settings</h2>
              <SettingsPanel
                config={state.config}
                onChange={(c) => lab.setConfig(c)}
                hidden={state.hidden as ReadonlySet<string>}
                note={running ? 'Changes apply when you press Reset.' : undefined}
              />
            </section>
          )}
        </aside>
        <main className="main">
          <section className="panel" aria-labelledby="train-title">
            <h2 id="train-title">
              Training
              {state.comparison.length > 3 ? `: ${state.comparison.length} runs compared` : state.comparison.length > 1 ? `: ${state.comparison.join(' vs ')}` : ''}
            </h2>
            <ControlsBar lab={lab} state={state} isHidden={isHidden} />
            {/* A link's banner shows the memory problem at the top instead. */}
            {!(state.linkOffer && !state.hidden.has('train')) && <MemoryNotice lab={lab} state={state} />}
            {state.pendingChanges && <p className="note">Settings changed: press Reset to train with them.</p>}
            <StatusPanel state={state} meter={meter} />
            <SuiteScores histories={state.histories} />
          </section>
          {!isHidden('charts') && (
            <section className="panel" aria-labelledby="charts-title">
              <h2 id="charts-title">Curves</h2>
              <TrainingCharts histories={state.histories} hidden={state.hidden as ReadonlySet<string>} />
            </section>
          )}
          <VtraceInspectorPanel lab={lab} state={state} />
          {!isHidden('replay') && (
            <section className="panel" aria-labelledby="replay-title">
              <h2 id="replay-title">Watch the agent</h2>
              <WatchAgents lab={lab} state={state} />
            </section>
          )}
          {lab.classRun.available && !isHidden('train') && <ClassRunPanel lab={lab} state={state} />}
          {!isHidden('model') && <ModelPanel lab={lab} state={state} />}
          {!isHidden('model') && <SavedRunsPanel lab={lab} state={state} />}
          {!isHidden('share') && <LessonLinkPanel state={state} />}
          <details className="panel">
            <summary>Explore the environments (random policy)</summary>
            <EnvViewer />
          </details>
        </main>
      </div>
    </div>
  );
}
