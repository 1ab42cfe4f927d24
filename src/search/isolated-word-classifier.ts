/**
 * Isolated-word recognition by whole-utterance Viterbi: each vocabulary word, with optional
 * silence around it, is aligned to the utterance and the best-scoring word wins. The simplest
 * decoder there is: `beamline classify` uses it, and it is a second opinion beside the online
 * decoder when a model's isolated-word accuracy is in question.
 */
import type { FrameBlock } from '../frames/frame-block.ts';
import { buildUtteranceGraph, type UtteranceGraph } from '../graph/utterance-graph.ts';
import { spell } from '../graph/unit-hmm.ts';
import { type SpeechModel, unitsByName, unitStateBases } from '../io/speech-model.ts';
import { LOG_ZERO } from '../math/log-space.ts';
import { emissionScores } from '../scoring/emission-matrix.ts';
import { viterbiAlign } from './viterbi-alignment.ts';

export interface WordScore {
  readonly word: string;
  readonly logLikelihood: number;
}

export class IsolatedWordClassifier {
  private readonly model: SpeechModel;
  private readonly graphs: { word: string; graph: UtteranceGraph }[];

  constructor(model: SpeechModel, options: { silenceProbability?: number } = {}) {
    this.model = model;
    const units = unitsByName(model);
    const bases = unitStateBases(model.units);
    const silence = units.get(model.silenceUnit);
    this.graphs = [...model.lexicon.keys()].map((word) => ({
      word,
      graph: buildUtteranceGraph([spell([word], model.lexicon, units)], silence, bases, options),
    }));
  }

  /** Every word's best-path score, best first. */
  score(features: FrameBlock): WordScore[] {
    return this.graphs
      .map(({ word, graph }) => ({
        word,
        logLikelihood:
          features.count === 0 ? LOG_ZERO : viterbiAlign(graph, emissionScores(graph, features, this.model.gmms), features.count).logLikelihood,
      }))
      .sort((a, b) => b.logLikelihood - a.logLikelihood);
  }

  classify(features: FrameBlock): string | undefined {
    const [best] = this.score(features);
    return best !== undefined && best.logLikelihood > LOG_ZERO ? best.word : undefined;
  }
}
