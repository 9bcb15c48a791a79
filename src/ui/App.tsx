import { EnvViewer } from './EnvViewer';

/**
 * The lab's page. For now: the environment suite, played by a uniformly
 * random policy, so that every game and its renderer can be seen.
 */
export function App() {
  return (
    <main className="app">
      <header className="app-header">
        <h1>IMPALA Lab</h1>
        <p>
          Reinforcement learning in one browser tab, after Espeholt et al. (2018), <cite>IMPALA: Scalable Distributed
          Deep-RL with Importance Weighted Actor-Learner Architectures</cite>.
        </p>
      </header>
      <EnvViewer />
    </main>
  );
}
