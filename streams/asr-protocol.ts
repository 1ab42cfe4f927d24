/**
 * The audio-session protocol, a Vosk-compatible dialect (docs/PROTOCOL.md): what a client may
 * send as text, checked strictly (a wrong type is an error with a stable code, never ignored),
 * and the replies. Binary messages are audio and are not parsed here.
 */
import { BeamlineError, ERROR_CODES, SAMPLE_FORMATS, isSampleFormat, type FinalHypothesis, type PartialHypothesis, type SampleFormat } from '../src/index.ts';

export type SampleEncoding = SampleFormat;

export interface SessionConfig {
  readonly sampleRateHz?: number;
  readonly words?: boolean;
  readonly maxAlternatives?: number;
  readonly phraseList?: readonly string[];
  readonly grammar?: string;
  readonly encoding?: SampleEncoding;
  /** Name of one of the server's models (never a path); default: the server's first. */
  readonly model?: string;
  /** Add the search's mean active tokens per frame over each audio message to its reply (`active_tokens`). */
  readonly searchStats?: boolean;
  /** A talker's name: with the server's speaker adaptation, sessions of the same name share what was learnt. */
  readonly speaker?: string;
}

export type ClientMessage = { readonly kind: 'config'; readonly config: SessionConfig } | { readonly kind: 'eof' } | { readonly kind: 'reset' };

const invalid = (message: string): BeamlineError => new BeamlineError(ERROR_CODES.PROTOCOL_INVALID, message);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses one text message; anything else than config, eof or reset is an error naming the problem. */
export function parseClientMessage(text: string): ClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid(`a text message must be JSON: {"config": {...}}, {"eof": 1} or {"reset": 1}; got ${JSON.stringify(text.slice(0, 80))}`);
  }
  if (!isObject(value)) throw invalid('a text message must be a JSON object');
  const keys = Object.keys(value);
  if (keys.length !== 1) throw invalid(`a text message has exactly one of "config", "eof" or "reset"; got ${keys.length === 0 ? 'none' : keys.map((k) => JSON.stringify(k)).join(', ')}`);
  const [key] = keys;
  if (key === 'eof' || key === 'reset') {
    if (value[key] !== 1 && value[key] !== true) throw invalid(`"${key}" must be 1; got ${JSON.stringify(value[key])}`);
    return { kind: key };
  }
  if (key !== 'config') throw invalid(`unknown message ${JSON.stringify(key)}: expected "config", "eof" or "reset"`);
  return { kind: 'config', config: parseConfig(value.config) };
}

function parseConfig(value: unknown): SessionConfig {
  if (!isObject(value)) throw invalid('"config" must be an object');
  const config: { -readonly [K in keyof SessionConfig]: SessionConfig[K] } = {};
  for (const [key, field] of Object.entries(value)) {
    switch (key) {
      case 'sample_rate':
        if (typeof field !== 'number' || !Number.isFinite(field) || field < 4000 || field > 192000) {
          throw new BeamlineError(ERROR_CODES.AUDIO_BAD_SAMPLE_RATE, `config.sample_rate must be a number of Hz in [4000, 192000]; got ${JSON.stringify(field)}`);
        }
        config.sampleRateHz = Math.round(field);
        break;
      case 'words':
        // Vosk's own clients send 0 and 1 (websocket/test_words.py).
        if (typeof field !== 'boolean' && field !== 0 && field !== 1) throw invalid(`config.words must be true or false (or 1 or 0); got ${JSON.stringify(field)}`);
        config.words = field === true || field === 1;
        break;
      case 'max_alternatives':
        if (typeof field !== 'number' || !Number.isInteger(field) || field < 0 || field > 20) throw invalid(`config.max_alternatives must be an integer in [0, 20]; got ${JSON.stringify(field)}`);
        config.maxAlternatives = field;
        break;
      case 'phrase_list':
        if (!Array.isArray(field) || field.length === 0 || !field.every((item) => typeof item === 'string')) {
          throw invalid(`config.phrase_list must be a non-empty array of strings; got ${JSON.stringify(field)?.slice(0, 80)}`);
        }
        config.phraseList = field as string[];
        break;
      case 'grammar':
        if (typeof field !== 'string') throw invalid(`config.grammar must be a JSGF grammar as a string; got ${JSON.stringify(field)?.slice(0, 80)}`);
        config.grammar = field;
        break;
      case 'search_stats':
        if (typeof field !== 'boolean') throw invalid(`config.search_stats must be true or false; got ${JSON.stringify(field)}`);
        config.searchStats = field;
        break;
      case 'model':
        if (typeof field !== 'string' || field.length === 0 || field.length > 100) {
          throw invalid(`config.model must be the name of one of the server's models; got ${JSON.stringify(field)?.slice(0, 80)}`);
        }
        config.model = field;
        break;
      case 'speaker':
        if (typeof field !== 'string' || field.length === 0 || field.length > 100) {
          throw invalid(`config.speaker must be a talker's name of 1–100 characters; got ${JSON.stringify(field)?.slice(0, 80)}`);
        }
        config.speaker = field;
        break;
      case 'format':
        if (typeof field !== 'string' || !isSampleFormat(field)) throw invalid(`config.format must be one of ${SAMPLE_FORMATS.join(', ')}; got ${JSON.stringify(field)}`);
        config.encoding = field;
        break;
      default:
        // Unknown settings of other Vosk versions are ignored, so those clients keep working.
        break;
    }
  }
  if (config.phraseList !== undefined && config.grammar !== undefined) throw invalid('config has both "phrase_list" and "grammar": give one');
  return config;
}

/**
 * A session's config after another config message: as the Vosk server does, each field given
 * replaces the earlier one, the others stay; a grammar replaces a phrase list and the reverse.
 */
export function mergeConfigs(earlier: SessionConfig, later: SessionConfig): SessionConfig {
  const merged: { -readonly [K in keyof SessionConfig]: SessionConfig[K] } = { ...earlier, ...later };
  if (later.grammar !== undefined) delete merged.phraseList;
  if (later.phraseList !== undefined) delete merged.grammar;
  return merged;
}

export interface ReplyContext {
  readonly session: string;
  readonly words: boolean;
  readonly maxAlternatives: number;
}

const round = (value: number): number => Math.round(value * 1000) / 1000;

export function partialReply(partial: PartialHypothesis | undefined, context: ReplyContext): Record<string, unknown> {
  return {
    partial: partial?.text ?? '',
    stable: partial === undefined ? '' : partial.words.slice(0, partial.stable).join(' '),
    session: context.session,
  };
}

/**
 * The result of one utterance (Vosk's shape): never several joined, which under a grammar would
 * not be a sentence of it. `complete: false` says no path reached the end of the grammar (no
 * words then). Without a final (eof with no audio) an empty result.
 */
export function resultReply(final: FinalHypothesis | undefined, context: ReplyContext): Record<string, unknown> {
  const reply: Record<string, unknown> = {
    text: final?.text ?? '',
    session: context.session,
    segment: final?.utterance ?? 0,
    start_time: round(final?.start ?? 0),
  };
  if (final !== undefined && !final.complete) reply.complete = false;
  if (context.words) reply.result = (final?.words ?? []).map((w) => ({ word: w.word, start: round(w.start), end: round(w.end), conf: round(w.confidence) }));
  if (final?.talkerUtterances !== undefined) reply.speaker_utterances = final.talkerUtterances;
  if (context.maxAlternatives > 0) {
    reply.alternatives = (final?.alternatives ?? []).slice(0, context.maxAlternatives).map((alternative) => ({ text: alternative.text, confidence: round(alternative.score) }));
  }
  return reply;
}

export function errorReply(code: string, message: string): Record<string, unknown> {
  return { error: { code, message } };
}
