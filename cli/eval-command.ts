/**
 * `beamline eval`: recognises a test set with the online decoder and prints HResults-style
 * figures (%Correct, accuracy, H/D/S/I/N, sentence error rate, confusion matrix), or JSON.
 * Isolated words and connected speech alike: the hypothesis is aligned to the transcript.
 * Batch by default (whole-file CMN, as in training); `--streaming` runs the exact live path
 * (file chunks through the RxJS pipeline, live CMN, endpointing), so the two can be compared.
 */
import { stat } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import { Command, Option } from 'commander';
import { BeamlineError, ERROR_CODES, RECOGNIZER_ADAPTATIONS, Recognizer, SPEAKER_LEARNING_PASSES, RecognitionScorer, formatReport, type RecognitionReport, type SpeakerAdaptation, type SpeechModel } from '../src/index.ts';
import { fileFeatures, fileSamples, fsddCorpus, transcriptsCorpus, type CorpusEntry } from '../streams/corpus.ts';
import { decodeFile, finalsText, recognizerFromOptions, type DecodeCommandOptions } from './decode-command.ts';
import { fsddDirOrExplain, indexRange, list, positiveInteger } from './options.ts';

export interface EvalOptions extends Omit<DecodeCommandOptions, 'format'> {
  indices: [number, number];
  speakers?: string[];
  excludeSpeakers?: string[];
  format: 'text' | 'json';
  quiet?: boolean;
}

export interface EvalResult {
  readonly report: RecognitionReport;
  /** Per-speaker reports where the data names speakers. */
  readonly speakers: Record<string, RecognitionReport>;
}

async function corpusFor(data: string | undefined, options: EvalOptions): Promise<CorpusEntry[]> {
  if (data !== undefined && data.endsWith('.tsv')) return transcriptsCorpus(data);
  const dir = fsddDirOrExplain(data, 'give the folder as the argument (beamline eval DIR)');
  if (!(await stat(dir)).isDirectory()) {
    throw new BeamlineError(ERROR_CODES.DATA_INVALID, `${dir}: expected an FSDD folder or a transcripts .tsv file`);
  }
  return fsddCorpus(dir, {
    indices: options.indices,
    ...(options.speakers ? { speakers: options.speakers } : {}),
    ...(options.excludeSpeakers ? { excludeSpeakers: options.excludeSpeakers } : {}),
  });
}

/**
 * Recognises every entry with the recogniser (or the model's default one) and scores the words.
 * With 'speaker' adaptation, each speaker's files (all files when the data names no speakers)
 * are one talker, decoded in four passes: the first, unadapted, collects the statistics of every
 * file's words and estimates an fMLLR transform; the second, through it, collects them again and
 * refines it (as Kaldi's fMLLR recipes decode a test speaker); the third, through the refined
 * transform, gathers each state's frames, towards which MAP moves the state's means; the
 * fourth decodes every file with the transform and the adapted means, and is the one scored.
 */
export async function evaluate(
  modelOrRecognizer: SpeechModel | Recognizer,
  entries: readonly CorpusEntry[],
  quiet = false,
): Promise<EvalResult> {
  const recognizer = modelOrRecognizer instanceof Recognizer ? modelOrRecognizer : new Recognizer(modelOrRecognizer, { decoder: { partials: false } });
  const overall = new RecognitionScorer();
  const bySpeaker = new Map<string, RecognitionScorer>();
  const adaptsToSpeakers = recognizer.adaptation === 'speaker';
  const bar = quiet ? undefined : new cliProgress.SingleBar({ format: 'eval |{bar}| {value}/{total} files', stream: process.stderr }, cliProgress.Presets.shades_classic);
  bar?.start(entries.length * (adaptsToSpeakers ? SPEAKER_LEARNING_PASSES + 2 : 1), 0);
  const decode = async (entry: CorpusEntry, speaker?: SpeakerAdaptation, by = recognizer): Promise<string[]> => {
    const text = by.streaming ? finalsText(await decodeFile(by, entry.path, { ...(speaker ? { speaker } : {}) })) : await decodeBatch(by, entry.path, speaker);
    bar?.increment();
    return text.split(' ').filter(Boolean);
  };
  const score = (entry: CorpusEntry, hypothesis: string[]): void => {
    overall.add(entry.words, hypothesis);
    if (entry.speaker !== undefined) {
      if (!bySpeaker.has(entry.speaker)) bySpeaker.set(entry.speaker, new RecognitionScorer());
      bySpeaker.get(entry.speaker)!.add(entry.words, hypothesis);
    }
  };
  try {
    if (adaptsToSpeakers) {
      for (const talker of groupBySpeaker(entries)) {
        const learnt = await recognizer.learnTalker(async (speaker) => {
          for (const entry of talker) await decode(entry, speaker);
        });
        for (const entry of talker) score(entry, await decode(entry, learnt.speaker, learnt.recognizer));
      }
    } else {
      for (const entry of entries) score(entry, await decode(entry));
    }
  } finally {
    bar?.stop();
  }
  return { report: overall.report(), speakers: Object.fromEntries([...bySpeaker].map(([name, scorer]) => [name, scorer.report()])) };
}

/** Entries by speaker, in order of first appearance (entries without a speaker together). */
function groupBySpeaker(entries: readonly CorpusEntry[]): CorpusEntry[][] {
  const groups = new Map<string | undefined, CorpusEntry[]>();
  for (const entry of entries) {
    if (!groups.has(entry.speaker)) groups.set(entry.speaker, []);
    groups.get(entry.speaker)!.push(entry);
  }
  return [...groups.values()];
}

/** Whole-file features (per-utterance CMN), then the decoder: the batch path. */
async function decodeBatch(recognizer: Recognizer, path: string, speaker?: SpeakerAdaptation): Promise<string> {
  if (recognizer.adaptation !== 'none') {
    // Adaptation is the session's work.
    const session = recognizer.createSession(speaker);
    const samples = await fileSamples(path, recognizer.sampleRateHz);
    return finalsText([...session.push(samples), ...session.finish()].filter((event) => event.type === 'final'));
  }
  const features = await fileFeatures(path, recognizer.frontEnd, { cmnPriorMean: recognizer.model.cmnPriorMean });
  const decoder = recognizer.createDecoder();
  const events = [...decoder.push(features), ...decoder.finish()];
  return finalsText(events.filter((event) => event.type === 'final'));
}

export function evalCommand(): Command {
  return new Command('eval')
    .description('recognise a test set and print HResults-style figures: %Correct, accuracy, H/D/S/I/N, SER, confusions')
    .argument('[data]', 'an FSDD folder or a transcripts .tsv (default: FSDD beside the repository or $BEAMLINE_FSDD)')
    .option('--model <file>', 'model file (default: the shipped digits model)')
    .addOption(new Option('--indices <range>', 'FSDD recording indices (the test split)').argParser(indexRange).default([0, 4], '0-4'))
    .option('--speakers <names>', 'FSDD speakers to include, comma-separated', list)
    .option('--exclude-speakers <names>', 'FSDD speakers to leave out, comma-separated', list)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--streaming', 'the exact live path: audio chunks through the pipeline, live CMN from the model prior')
    .option('--grammar <file.jsgf>', 'JSGF grammar (default: any sequence of the model\'s words)')
    .option('--rule <name>', 'the JSGF rule to use')
    .option('--words <words>', 'any sequence of these words')
    .option('--beam <logprob>', 'search beam (default 120)', Number)
    .option('--max-active <n>', 'most tokens kept per frame (default 1000)', positiveInteger('--max-active'))
    .option('--word-insertion-penalty <logprob>', 'log score added per word (default -55)', Number)
    .option('--no-endpoint', 'no endpointing: one utterance per file')
    .addOption(
      new Option(
        '--adaptation <kind>',
        "speaker: adapt to each speaker's voice (fMLLR; a transcripts.tsv names no speakers, so its files are one talker): three passes over their files learn a transform of the features and then the means of the model's states, a fourth decodes them all with what was learnt; bias: decode each utterance again after removing the cepstral bias its first hypothesis explains",
      )
        .choices(RECOGNIZER_ADAPTATIONS)
        .default('none'),
    )
    .action(async (data: string | undefined, options: EvalOptions) => {
      const recognizer = await recognizerFromOptions({ ...options, partials: false });
      const model = recognizer.model;
      const entries = await corpusFor(data, options);
      const result = await evaluate(recognizer, entries, options.format === 'json');
      if (options.format === 'json') {
        process.stdout.write(`${JSON.stringify({ model: model.name, files: entries.length, ...result })}\n`);
        return;
      }
      const vocabulary = [...model.lexicon.keys()];
      process.stdout.write(`${formatReport(result.report, vocabulary, `${model.name} on ${entries.length} files`)}\n`);
      const speakers = Object.entries(result.speakers);
      if (speakers.length > 1) {
        process.stdout.write('\nper speaker: ' + speakers.map(([name, r]) => `${name} ${r.percentCorrect.toFixed(1)}%`).join(', ') + '\n');
      }
    });
}
