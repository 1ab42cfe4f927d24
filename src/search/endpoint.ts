/**
 * Endpointing: has the speaker finished? Kaldi's rule set, as a pure function of a few facts
 * about the best path that the decoder reports every frame. A rule fires when all of its
 * conditions hold; any rule firing is an endpoint.
 *
 * - trailing silence: how long the best path has been in silence at its end;
 * - relative cost: how far the best path that could end here (in a final grammar state) is
 *   below the best path overall. Small means "what was said so far is a complete sentence".
 *   Kaldi's thresholds are in its units (log-likelihoods × acoustic scale 0.1); ours are
 *   unscaled log-likelihoods, so its 2 and 8 become 20 and 80 here.
 * - whether the best path contains any word (speech) at all, and the utterance length.
 *
 * The defaults are Kaldi's five rules: 5 s of silence with no speech ends an utterance
 * (a timeout); after speech, 0.5 s of silence ends it if the sentence is complete, 1 s if it is
 * nearly so, 2 s in any case; and 20 s is the longest utterance.
 */
import { checkBoolean, checkKnownFields, checkLimit, checkNumber, checkObject } from '../config.ts';

export interface EndpointRule {
  /** Fires only if the best path contains a word. */
  readonly mustContainSpeech: boolean;
  /** Seconds of trailing silence needed. Range 0–600. */
  readonly minTrailingSilenceSec: number;
  /** Fires only if the relative cost is at most this (log-likelihood units; Infinity: any). */
  readonly maxRelativeCost: number;
  /** Seconds of audio in the utterance needed. Range 0–3600. */
  readonly minUtteranceSec: number;
}

export interface EndpointConfig {
  /** Turns endpointing off: one utterance per stream, ended by end of input or finalize. Default true. */
  readonly enabled: boolean;
  readonly rules: readonly EndpointRule[];
}

export const DEFAULT_ENDPOINT_CONFIG: EndpointConfig = {
  enabled: true,
  rules: [
    { mustContainSpeech: false, minTrailingSilenceSec: 5, maxRelativeCost: Infinity, minUtteranceSec: 0 },
    { mustContainSpeech: true, minTrailingSilenceSec: 0.5, maxRelativeCost: 20, minUtteranceSec: 0 },
    { mustContainSpeech: true, minTrailingSilenceSec: 1, maxRelativeCost: 80, minUtteranceSec: 0 },
    { mustContainSpeech: true, minTrailingSilenceSec: 2, maxRelativeCost: Infinity, minUtteranceSec: 0 },
    { mustContainSpeech: false, minTrailingSilenceSec: 0, maxRelativeCost: Infinity, minUtteranceSec: 20 },
  ],
};

export function validateEndpointConfig(value: unknown, owner = 'endpoint'): EndpointConfig {
  const config = checkObject(owner, value);
  checkKnownFields(owner, config, ['enabled', 'rules']);
  checkBoolean(owner, 'enabled', config.enabled);
  if (!Array.isArray(config.rules)) checkObject(`${owner}.rules`, config.rules);
  (config.rules as unknown[]).forEach((rule, index) => {
    const where = `${owner}.rules[${index}]`;
    const fields = checkObject(where, rule);
    checkKnownFields(where, fields, ['mustContainSpeech', 'minTrailingSilenceSec', 'maxRelativeCost', 'minUtteranceSec']);
    checkBoolean(where, 'mustContainSpeech', fields.mustContainSpeech);
    checkNumber(where, 'minTrailingSilenceSec', fields.minTrailingSilenceSec, 0, 600);
    checkLimit(where, 'maxRelativeCost', fields.maxRelativeCost, 0);
    checkNumber(where, 'minUtteranceSec', fields.minUtteranceSec, 0, 3600);
  });
  return config as unknown as EndpointConfig;
}

/** What the decoder knows about its best path at the current frame. */
export interface EndpointFacts {
  readonly utteranceSec: number;
  readonly trailingSilenceSec: number;
  readonly containsSpeech: boolean;
  /** Best score − best score in a final state (≥ 0; Infinity when no final state is reached). */
  readonly relativeCost: number;
}

/** Index of the first rule that fires, or −1. */
export function endpointRule(config: EndpointConfig, facts: EndpointFacts): number {
  if (!config.enabled) return -1;
  return config.rules.findIndex(
    (rule) =>
      (facts.containsSpeech || !rule.mustContainSpeech) &&
      facts.trailingSilenceSec >= rule.minTrailingSilenceSec &&
      facts.relativeCost <= rule.maxRelativeCost &&
      facts.utteranceSec >= rule.minUtteranceSec,
  );
}
