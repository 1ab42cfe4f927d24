/**
 * `beamline decode FILE...`: the words spoken in each recording, by the online decoder, with
 * the shipped digits model and a digit loop unless told otherwise. Files are decoded one after
 * another through the same pipeline a live stream uses (file source → front end → search); a
 * file that cannot be read is reported with its error code and the others still decode.
 */
import { readFile } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { concatMap, lastValueFrom, of, delay, toArray, tap, type Observable } from 'rxjs';
import {
  BeamlineError,
  ERROR_CODES,
  GMM_SCORING_KINDS,
  RECOGNIZER_ADAPTATIONS,
  Recognizer,
  SPEAKER_LEARNING_PASSES,
  isBeamlineError,
  jsgfGrammar,
  phraseListGrammar,
  wordLoopGrammar,
  type AudioChunk,
  type DecoderEvent,
  type FinalHypothesis,
  type GmmScoringKind,
  type RecognizerAdaptation,
  type SpeakerAdaptation,
  type SpeechModel,
  type WordGrammar,
} from '../src/index.ts';
import { audioFile, type RawPcmOptions } from '../streams/audio-file-source.ts';
import { loadModel } from '../streams/model-file.ts';
import { recognize } from '../streams/recognizer-operators.ts';
import { FileFailures } from './file-failures.ts';
import { addRawPcmOptions, positiveInteger, rawPcmLayout, type RawPcmFlags } from './options.ts';
import { loadTalker, saveTalker } from './talker-file.ts';

export interface DecodeCommandOptions extends Partial<RawPcmFlags> {
  model?: string;
  grammar?: string;
  rule?: string;
  words?: string;
  phrases?: string;
  format: 'text' | 'jsonl';
  partials?: boolean;
  realtime?: boolean;
  streaming?: boolean;
  beam?: number;
  maxActive?: number;
  wordInsertionPenalty?: number;
  silenceProbability?: number;
  grammarWeight?: number;
  acousticScale?: number;
  scoring?: GmmScoringKind;
  nbest?: number;
  endpoint: boolean;
  adaptation?: RecognizerAdaptation;
  learnFirst?: boolean;
  talker?: string;
}

const number = (name: string) => (value: string): number => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new InvalidArgumentError(`${name} must be a number.`);
  return parsed;
};

/** The grammar the options ask for (default: a loop over the model's words). */
export async function grammarFromOptions(model: SpeechModel, options: Pick<DecodeCommandOptions, 'grammar' | 'rule' | 'words' | 'phrases'>): Promise<WordGrammar> {
  const vocabulary = [...model.lexicon.keys()];
  const given = [options.grammar, options.words, options.phrases].filter((value) => value !== undefined);
  if (given.length > 1) throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, 'give at most one of --grammar, --words and --phrases');
  const known = (word: string): string => {
    const match = vocabulary.find((candidate) => candidate.toLowerCase() === word.toLowerCase());
    if (match === undefined) throw new BeamlineError(ERROR_CODES.UNKNOWN_WORD, `the word ${JSON.stringify(word)} is not in the model's vocabulary (${vocabulary.join(' ')})`);
    return match;
  };
  if (options.grammar !== undefined) {
    let text: string;
    try {
      text = await readFile(options.grammar, 'utf8');
    } catch (error) {
      throw new BeamlineError(ERROR_CODES.GRAMMAR_INVALID, `${options.grammar}: cannot read the grammar file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    try {
      return jsgfGrammar(text, { vocabulary, ...(options.rule !== undefined ? { rule: options.rule } : {}) });
    } catch (error) {
      if (isBeamlineError(error)) throw new BeamlineError(error.code, `${options.grammar}: ${error.message}`);
      throw error;
    }
  }
  if (options.words !== undefined) return wordLoopGrammar(options.words.split(/[\s,]+/).filter(Boolean).map(known));
  if (options.phrases !== undefined) {
    return phraseListGrammar(options.phrases.split('|').map((phrase) => phrase.split(/\s+/).filter(Boolean).map(known)));
  }
  return wordLoopGrammar(vocabulary);
}

export async function recognizerFromOptions(options: Omit<DecodeCommandOptions, 'format'>): Promise<Recognizer> {
  const model = await loadModel(options.model);
  return new Recognizer(model, {
    grammar: await grammarFromOptions(model, options),
    graph: {
      ...(options.wordInsertionPenalty !== undefined ? { wordInsertionPenalty: options.wordInsertionPenalty } : {}),
      ...(options.silenceProbability !== undefined ? { silenceProbability: options.silenceProbability } : {}),
      ...(options.grammarWeight !== undefined ? { grammarWeight: options.grammarWeight } : {}),
    },
    decoder: {
      ...(options.beam !== undefined ? { beam: options.beam } : {}),
      ...(options.maxActive !== undefined ? { maxActive: options.maxActive } : {}),
      ...(options.nbest !== undefined ? { nBest: options.nbest } : {}),
      ...(options.acousticScale !== undefined ? { acousticScale: options.acousticScale } : {}),
      ...(options.scoring !== undefined ? { scoring: options.scoring } : {}),
      partials: options.partials === true || options.realtime === true,
      endpoint: { enabled: options.endpoint },
    },
    streaming: options.streaming === true || options.realtime === true,
    ...(options.adaptation !== undefined ? { adaptation: options.adaptation } : {}),
  });
}

/** Delays each chunk by its own duration, so a file plays out as a live stream would. */
function atRealTime(chunks: Observable<AudioChunk>): Observable<AudioChunk> {
  return chunks.pipe(concatMap((chunk) => of(chunk).pipe(delay((1000 * chunk.samples.length) / chunk.sampleRateHz))));
}

const round = (seconds: number): number => Math.round(seconds * 1000) / 1000;

/** Decodes one file; partial events go to `onPartial` as they form. */
export async function decodeFile(
  recognizer: Recognizer,
  file: string,
  options: { realtime?: boolean; onPartial?: (event: DecoderEvent) => void; speaker?: SpeakerAdaptation; raw?: RawPcmOptions },
): Promise<FinalHypothesis[]> {
  const audio = audioFile(file, options.raw !== undefined ? { raw: options.raw } : {});
  const source = options.realtime === true ? atRealTime(audio) : audio;
  const events = await lastValueFrom(
    source.pipe(
      recognize(recognizer, options.speaker ? { speaker: options.speaker } : {}),
      tap((event) => {
        if (event.type === 'partial') options.onPartial?.(event);
      }),
      toArray(),
    ),
  );
  return events.filter((event): event is FinalHypothesis => event.type === 'final');
}

/**
 * The utterances a file's output shows, one line each (as Vosk gives one result per utterance:
 * under a grammar two joined would not be a sentence of it): those with words, and those that
 * found no sentence of the grammar; a file with neither gets one empty line.
 */
export function utterancesToShow(finals: readonly FinalHypothesis[]): FinalHypothesis[] {
  const shown = finals.filter((final) => final.text !== '' || !final.complete);
  return shown.length > 0 ? shown : finals.slice(-1);
}

/** Text of a file's finals: non-empty utterances joined by spaces (for scoring against a transcript). */
export function finalsText(finals: readonly FinalHypothesis[]): string {
  return finals.map((final) => final.text).filter(Boolean).join(' ');
}

export function decodeCommand(): Command {
  return addRawPcmOptions(new Command('decode'))
    .description('recognise the words spoken in each recording with the online decoder (default: the shipped digits model, any sequence of digits)')
    .argument('<files...>', 'audio files: WAV, FLAC, OGG Vorbis or MP3, any sample rate, or headerless PCM with --raw; - for standard input')
    .option('--model <file>', 'model file (default: the shipped digits model)')
    .option('--grammar <file.jsgf>', 'JSGF grammar restricting what may be said (its first public rule, or --rule)')
    .option('--rule <name>', 'the JSGF rule to use')
    .option('--words <words>', 'any sequence of these words (space- or comma-separated), e.g. "one two three"')
    .option('--phrases <phrases>', 'exactly one of these phrases, separated by |, e.g. "one two|three"')
    .addOption(new Option('--format <format>', 'output format: a line per utterance (FILE<TAB>words), or JSON lines (one object per utterance, with word times and confidences)').choices(['text', 'jsonl']).default('text'))
    .option('--partials', 'also print partial hypotheses as they form (JSON lines with --format jsonl)')
    .option('--realtime', 'play each file at real time, as live audio (implies --streaming and shows partials)')
    .option('--streaming', 'the live front end (running CMN from the model prior), as a microphone stream would be decoded')
    .option('--beam <logprob>', 'search beam in log-likelihood units (default 120; larger: slower, fewer search errors)', number('--beam'))
    .option('--max-active <n>', 'most tokens kept per frame (default 1000)', positiveInteger('--max-active'))
    .option('--word-insertion-penalty <logprob>', 'log score added per word (default -55; more negative: fewer insertions, more deletions)', number('--word-insertion-penalty'))
    .option('--silence-probability <p>', 'probability of the optional silence between words (default 0.5)', number('--silence-probability'))
    .option('--grammar-weight <w>', "multiplies the grammar's log probabilities (default 1)", number('--grammar-weight'))
    .option('--acoustic-scale <s>', 'multiplies the acoustic log-likelihoods (default 1; smaller: transitions and grammar weigh more)', number('--acoustic-scale'))
    .addOption(
      new Option('--scoring <kind>', 'GMM scoring: the WebAssembly SIMD kernel (single precision, about five times faster) or exact double precision')
        .choices(GMM_SCORING_KINDS)
        .default('simd'),
    )
    .option('--nbest <n>', 'attach the n best alternatives to each final (JSON lines)', positiveInteger('--nbest'))
    .option('--no-endpoint', 'one utterance per file: no endpointing')
    .addOption(
      new Option(
        '--adaptation <kind>',
        "speaker: the files are one talker's, adapted to as they are decoded (fMLLR learnt from each utterance's words, applied to the next; with --learn-first, learnt from all of them first); bias: decode each utterance again after removing the cepstral bias its first hypothesis explains",
      )
        .choices(RECOGNIZER_ADAPTATIONS)
        .default('none'),
    )
    .option(
      '--learn-first',
      "with --adaptation speaker: learn the talker from all the files before decoding them for the output, as `beamline eval` does (two passes learn the transform, a third moves the means of the model's states towards the voice); about four times the work, and nothing is printed until the learning is done",
    )
    .option('--talker <file>', 'with --adaptation speaker: start from the talker saved in this file (if it exists) and save what these files taught back to it')
    .action(async (files: string[], options: DecodeCommandOptions, command: Command) => {
      const raw = rawPcmLayout({ rawChannels: 1, ...options }, command);
      if (files.filter((file) => file === '-').length > 1) command.error('error: standard input (-) can be read only once', { exitCode: 2 });
      const recognizer = await recognizerFromOptions(options);
      const live = process.stdout.isTTY === true && options.format === 'text';
      if (options.talker !== undefined && recognizer.adaptation !== 'speaker') throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, '--talker needs --adaptation speaker');
      if (options.talker !== undefined && options.learnFirst) {
        throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, '--learn-first learns the talker from these files alone; --talker carries one across runs: give one of them');
      }
      // One talker across the files: what the first files teach helps the next.
      let speaker = recognizer.adaptation !== 'speaker' ? undefined : options.talker !== undefined ? await loadTalker(recognizer, options.talker) : recognizer.createSpeaker();
      let decoding = recognizer;
      if (options.learnFirst) {
        if (speaker === undefined) throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, '--learn-first needs --adaptation speaker');
        if (options.realtime) throw new BeamlineError(ERROR_CODES.CONFIG_INVALID, '--learn-first decodes the files before printing; it cannot play them at real time (--realtime)');
        const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ format: 'learning the talker |{bar}| {value}/{total} files', stream: process.stderr }, cliProgress.Presets.shades_classic) : undefined;
        bar?.start(files.length * (SPEAKER_LEARNING_PASSES + 1), 0);
        try {
          ({ speaker, recognizer: decoding } = await recognizer.learnTalker(async (learning) => {
            for (const file of files) {
              try {
                await decodeFile(recognizer, file, { speaker: learning, ...(raw ? { raw } : {}) });
              } catch (error) {
                // A file that cannot be decoded teaches nothing; the pass that prints reports it.
                if (!isBeamlineError(error)) throw error;
              }
              bar?.increment();
            }
          }));
        } finally {
          bar?.stop();
        }
      }
      const failures = new FileFailures(options.format);
      for (const file of files) {
        const onPartial = (event: DecoderEvent): void => {
          if (event.type !== 'partial') return;
          const stable = event.words.slice(0, event.stable).join(' ');
          if (options.format === 'jsonl') {
            process.stdout.write(`${JSON.stringify({ file, partial: event.text, stable })}\n`);
          } else if (live) {
            const unstable = event.words.slice(event.stable).join(' ');
            process.stdout.write(`\r\x1b[K${file}\t${stable}${stable && unstable ? ' ' : ''}${unstable ? `[${unstable}]` : ''}`);
          } else {
            process.stdout.write(`${file}\tpartial\t${event.text}\n`);
          }
        };
        try {
          const finals = await decodeFile(decoding, file, {
            ...(options.realtime ? { realtime: true } : {}),
            ...(options.partials || options.realtime ? { onPartial } : {}),
            ...(speaker ? { speaker } : {}),
            ...(raw ? { raw } : {}),
          });
          if (live && (options.partials || options.realtime)) process.stdout.write('\r\x1b[K');
          const shown = utterancesToShow(finals);
          // Audio too short to hold a frame has no utterance at all: still one (empty) line for the file.
          if (shown.length === 0) process.stdout.write(options.format === 'jsonl' ? `${JSON.stringify({ file, text: '', result: [] })}\n` : `${file}\t\n`);
          for (const final of shown) {
            if (!final.complete) {
              process.stderr.write(`beamline: ${file}: utterance ${final.utterance} (${final.start.toFixed(2)}–${final.end.toFixed(2)} s): no path reached the end of the grammar, so it has no words\n`);
            }
            if (options.format === 'jsonl') {
              const result = final.words.map((w) => ({ word: w.word, start: round(w.start), end: round(w.end), conf: round(w.confidence) }));
              const flags = final.complete ? {} : { complete: false };
              const alternatives = options.nbest !== undefined ? { alternatives: final.alternatives ?? [] } : {};
              process.stdout.write(`${JSON.stringify({ file, utterance: final.utterance, text: final.text, result, ...flags, ...alternatives })}\n`);
            } else {
              process.stdout.write(`${file}\t${final.text}\n`);
            }
          }
        } catch (error) {
          if (live && (options.partials || options.realtime)) process.stdout.write('\r\x1b[K');
          failures.report(file, error);
        }
      }
      if (options.talker !== undefined && speaker !== undefined) await saveTalker(options.talker, speaker);
      failures.finish(files.length);
    });
}
