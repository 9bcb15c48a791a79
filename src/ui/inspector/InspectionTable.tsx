import type { InspectionStep, VtraceInspection } from '../../core/agent/vtraceInspection';
import { clippedText, discountText, endText, num, rewardText } from './inspectionText';

/**
 * The V-trace inspector's table: one row per time step of one column, with
 * every quantity of Espeholt et al. 2018, sections 4.1 and 4.2, and a small
 * picture of V(x_t) against its target v_t. Clipped weights and episode
 * ends are said in text.
 */
export function InspectionTable({ inspection }: { inspection: VtraceInspection }) {
  const { steps, parameters, bootstrapValue } = inspection;
  // One scale for every row's picture: the largest |V| or |v| of the column.
  const scale = Math.max(1e-9, ...steps.flatMap((s) => [Math.abs(s.value), Math.abs(s.vs)]).filter(Number.isFinite), Math.abs(bootstrapValue) || 0);
  return (
    <div className="inspection-table-wrap">
      <table className="inspection-table" data-testid="inspection-table">
        <caption>
          Column {inspection.column + 1}, step by step: the actor's policy μ and the learner's π of the action taken, the importance weight ρ
          and the traces c, the temporal difference δV, the value V and its V-trace target v, and the policy-gradient advantage.
        </caption>
        <thead>
          <tr>
            <th scope="col">t</th>
            <th scope="col" title="The action taken at step t">
              a<sub>t</sub>
            </th>
            <th scope="col" title="The behaviour policy's (the actor's) probability of that action">
              μ(a<sub>t</sub>|x<sub>t</sub>)
            </th>
            <th scope="col" title="The target policy's (the learner's) probability of that action">
              π(a<sub>t</sub>|x<sub>t</sub>)
            </th>
            <th scope="col" title="The importance weight π/μ, unclipped">
              ρ<sub>t</sub> = π/μ
            </th>
            <th scope="col" title="The weight of δ_t V: ρ_t clipped at ρ̄">
              min(ρ̄, ρ<sub>t</sub>)
            </th>
            <th scope="col" title="The trace coefficient: c_t = λ min(c̄, ρ_t)">
              c<sub>t</sub> = λ min(c̄, ρ<sub>t</sub>)
            </th>
            <th scope="col" title="The weight of the policy-gradient advantage: ρ_t clipped at the policy-gradient ρ̄">
              ρ<sup>pg</sup>
              <sub>t</sub>
            </th>
            <th scope="col" title="The reward the learner learned from (after reward clipping); at a time limit, plus γ V(x_final)">
              r<sub>t</sub>
            </th>
            <th scope="col" title="The discount after step t: 0 where the episode ended">
              γ<sub>t</sub>
            </th>
            <th scope="col" title="The learner's value of x_t">
              V(x<sub>t</sub>)
            </th>
            <th scope="col" title="δ_t V = min(ρ̄, ρ_t) (r_t + γ_t V(x_t+1) − V(x_t))">
              δ<sub>t</sub>V
            </th>
            <th scope="col" title="The V-trace target of V(x_t) (eq. 1)">
              v<sub>t</sub>
            </th>
            <th scope="col" title="ρ^pg_t (r_t + γ_t v_t+1 − V(x_t)) (section 4.2)">
              advantage
            </th>
            <th scope="col">V(x<sub>t</sub>) and v<sub>t</sub></th>
          </tr>
        </thead>
        <tbody>
          {steps.map((step) => (
            <tr key={step.t} data-testid="inspection-step" data-t={step.t} data-vs={step.vs} data-rho-clipped={step.rhoClipped} data-end={step.end} className={step.end === 'continues' ? undefined : 'episode-end'}>
              <th scope="row">
                {step.t}
                {step.end !== 'continues' && <span className="step-end"> ({endText(step)})</span>}
              </th>
              <td>{step.action}</td>
              <td>{num(step.behaviourProb)}</td>
              <td>{num(step.targetProb)}</td>
              <td>{num(step.rho)}</td>
              <td data-testid="clipped-rho">{clippedText(step.clippedRho, step.rho, step.rhoClipped)}</td>
              <td>{clippedText(step.c, step.unclippedC, step.cClipped)}</td>
              <td>{clippedText(step.pgRho, step.rho, step.pgRhoClipped)}</td>
              <td>{rewardText(step, parameters.discount)}</td>
              <td>{discountText(step)}</td>
              <td>{num(step.value)}</td>
              <td>{num(step.delta)}</td>
              <td data-testid="vs">{num(step.vs)}</td>
              <td>{num(step.pgAdvantage)}</td>
              <td>
                <StepPicture step={step} scale={scale} />
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">{steps.length}</th>
            <td colSpan={9}>bootstrap: the learner's value of the state after the last step</td>
            <td>{num(bootstrapValue)}</td>
            <td colSpan={4} />
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

const WIDTH = 120;
const HEIGHT = 22;

/**
 * V(x_t) (hollow bar, top) and v_t (filled bar, bottom) from a zero line in
 * the middle, on the column's common scale; the label says the same in words.
 */
function StepPicture({ step, scale }: { step: InspectionStep; scale: number }) {
  const x = (v: number): number => (Number.isFinite(v) ? WIDTH / 2 + (Math.max(-scale, Math.min(scale, v)) / scale) * (WIDTH / 2 - 2) : WIDTH / 2);
  const bar = (v: number, y: number, filled: boolean) => {
    const [from, to] = [WIDTH / 2, x(v)].sort((a, b) => a - b) as [number, number];
    return <rect x={from} y={y} width={Math.max(1, to - from)} height={8} className={filled ? 'bar-target' : 'bar-value'} />;
  };
  const direction = step.vs > step.value ? 'above' : step.vs < step.value ? 'below' : 'equal to';
  return (
    <svg
      className="step-picture"
      width={WIDTH}
      height={HEIGHT}
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={`Step ${step.t}: value ${num(step.value)}, target ${num(step.vs)}, the target ${direction} the value`}
    >
      <title>{`V(x_${step.t}) = ${num(step.value)} (hollow), v_${step.t} = ${num(step.vs)} (filled)`}</title>
      {bar(step.value, 2, false)}
      {bar(step.vs, 12, true)}
      <line x1={WIDTH / 2} x2={WIDTH / 2} y1={0} y2={HEIGHT} className="zero-line" />
    </svg>
  );
}
