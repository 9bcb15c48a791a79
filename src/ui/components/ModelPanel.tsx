import { useRef } from 'react';
import type { Lab, LabSnapshot } from '../lab/lab';
import { downloadBlob } from '../download';

/** Download the current weights (with their config), or load a model file, ours or the headless trainer's. */
export function ModelPanel({ lab, state }: { lab: Lab; state: LabSnapshot }) {
  const input = useRef<HTMLInputElement>(null);
  const download = async (): Promise<void> => {
    try {
      const blob = await lab.downloadModel();
      downloadBlob(`impala-${state.config.env.replace('/', '-')}-seed${state.config.seed}.json`, blob);
    } catch (e) {
      lab.notify('error', e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <section className="panel model-panel" aria-labelledby="model-title">
      <h2 id="model-title">Model</h2>
      <p>Download the current weights with their settings, or load a model file (also the checkpoint.json the headless trainer writes).</p>
      <div className="row">
        <button type="button" onClick={() => void download()}>
          Download model
        </button>
        <button type="button" onClick={() => input.current?.click()}>
          Load model
        </button>
        <input
          ref={input}
          type="file"
          accept=".json,application/json"
          aria-label="Model file to load"
          hidden
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void lab.loadModel(file);
          }}
        />
      </div>
    </section>
  );
}
