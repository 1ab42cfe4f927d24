/**
 * Models of one recipe trained with different seeds (the augmentation draws differently), merged
 * into one: each state's mixture is all of theirs, every Gaussian at weight w / n, so the merged
 * state's likelihood is the mean of theirs; transition probabilities are averaged, and so is the
 * prior mean of live CMN. An average of models that err differently errs less (on FSDD's held-out
 * speakers, two seeds merged: docs/BENCHMARKS.md).
 */
import { DiagonalGmm } from '../acoustic/diagonal-gmm.ts';
import { BeamlineError, ERROR_CODES } from '../errors.ts';
import type { SpeechModel } from '../io/speech-model.ts';

/** log((e^a + e^b + …) / n), without overflow. */
function logMeanExp(values: readonly number[]): number {
  const top = Math.max(...values);
  if (top === -Infinity) return -Infinity;
  return top + Math.log(values.reduce((sum, value) => sum + Math.exp(value - top), 0) / values.length);
}

/** One model from `models` (the first gives the name, front end, lexicon and provenance). */
export function mergeModels(models: readonly SpeechModel[]): SpeechModel {
  if (models.length === 0) throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, 'mergeModels: no models to merge');
  const [first] = models;
  const differs = (what: string): BeamlineError => new BeamlineError(ERROR_CODES.CONFIG_INVALID, `mergeModels: the models differ in ${what}; only models of one recipe can be merged`);
  for (const model of models) {
    if (JSON.stringify(model.frontEnd) !== JSON.stringify(first.frontEnd)) throw differs('their front end');
    if (model.gmms.length !== first.gmms.length || model.gmms.some((gmm, g) => gmm.dim !== first.gmms[g].dim)) throw differs('their GMMs');
    if (JSON.stringify(model.units.map((unit) => [unit.name, unit.emissions])) !== JSON.stringify(first.units.map((unit) => [unit.name, unit.emissions]))) throw differs('their units');
    if (JSON.stringify([...model.lexicon]) !== JSON.stringify([...first.lexicon]) || model.silenceUnit !== first.silenceUnit) throw differs('their lexicon');
  }
  const share = 1 / models.length;
  const gmms = first.gmms.map((gmm, g) => {
    const parts = models.map((model) => model.gmms[g]);
    return new DiagonalGmm(gmm.dim, {
      weights: parts.flatMap((part) => [...part.weights].map((weight) => weight * share)),
      means: parts.flatMap((part) => [...part.means]),
      variances: parts.flatMap((part) => [...part.variances]),
    });
  });
  const units = first.units.map((unit, u) => ({
    ...unit,
    logSelfLoop: unit.logSelfLoop.map((_, j) => logMeanExp(models.map((model) => model.units[u].logSelfLoop[j]))),
    logForward: unit.logForward.map((_, j) => logMeanExp(models.map((model) => model.units[u].logForward[j]))),
  }));
  const cmnPriorMean = first.cmnPriorMean.map((_, d) => models.reduce((sum, model) => sum + model.cmnPriorMean[d], 0) * share);
  return { ...first, gmms, units, cmnPriorMean };
}
