// Scenario registry: name → module, loaded only when asked for. Register new scenarios here
// (planned: `h2` with h2load, `control-plane` for P8's xDS push convergence).
import type { Scenario } from './types.ts';

export const SCENARIOS: Readonly<Record<string, () => Promise<Scenario>>> = {
  h1: async () => (await import('./h1.ts')).h1,
};

export const DEFAULT_SCENARIOS: readonly string[] = ['h1'];

export type { BenchOptions, Scenario, ScenarioContext, ScenarioReport } from './types.ts';
