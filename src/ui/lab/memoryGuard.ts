import { checkMemory } from '../../core/config/memoryBudget';
import type { ExperimentConfig } from '../../core/config/experimentConfig';
import type { LabStore } from './labStore';

/**
 * Keeps the snapshot's `memoryProblem` in step with the settings, whoever
 * changes them (the settings panel, a preset, a share link, a saved run or
 * a model file), and refuses to make runs whose settings exceed the tab's
 * memory budget (`LabDeps.memoryBudgetBytes`; `config/memoryBudget.ts`
 * estimates and suggests).
 */
export class MemoryGuard {
  private checked: ExperimentConfig | null = null;

  constructor(
    private readonly store: LabStore,
    readonly budgetBytes: number,
  ) {
    this.recheck();
    store.subscribe(() => this.recheck());
  }

  /**
   * True, with the problem shown as an error, when the current settings do
   * not fit: the caller must not make runs.
   */
  refuses(action: string): boolean {
    const problem = this.store.state.memoryProblem;
    if (problem === null) return false;
    this.store.notify('error', `${action} refused: ${problem.text} ${problem.suggestionText}`);
    return true;
  }

  private recheck(): void {
    const { config } = this.store.state;
    if (config === this.checked) return;
    this.checked = config;
    this.store.set({ memoryProblem: checkMemory(config, this.budgetBytes) });
  }
}
