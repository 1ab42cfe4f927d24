/**
 * `beamline classify FILE...`: names the word spoken in each recording (isolated words), with
 * the runner-up and the score margin: every word model aligned to the whole recording, the best
 * one wins. No search and no grammar; `beamline decode` is the recogniser proper.
 */
import { Command, Option } from 'commander';
import { IsolatedWordClassifier } from '../src/index.ts';
import { fileFeatures } from '../streams/corpus.ts';
import { loadModel } from '../streams/model-file.ts';
import { FileFailures } from './file-failures.ts';

export function classifyCommand(): Command {
  return new Command('classify')
    .description('recognise the single word spoken in each recording (isolated words) with a model')
    .argument('<files...>', 'audio files: WAV, FLAC, OGG Vorbis or MP3, any sample rate')
    .option('--model <file>', 'model file (default: the shipped digits model)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'jsonl']).default('text'))
    .action(async (files: string[], options: { model?: string; format: 'text' | 'jsonl' }) => {
      const model = await loadModel(options.model);
      const classifier = new IsolatedWordClassifier(model);
      const failures = new FileFailures(options.format);
      for (const file of files) {
        let scores;
        try {
          scores = classifier.score(await fileFeatures(file, model.frontEnd, { cmnPriorMean: model.cmnPriorMean }));
        } catch (error) {
          failures.report(file, error);
          continue;
        }
        const [best, second] = scores;
        const word = best !== undefined && Number.isFinite(best.logLikelihood) ? best.word : '';
        const margin = best && second ? best.logLikelihood - second.logLikelihood : 0;
        if (options.format === 'jsonl') {
          process.stdout.write(`${JSON.stringify({ file, word, runnerUp: second?.word, margin: Number(margin.toFixed(3)) })}\n`);
        } else {
          process.stdout.write(`${file}\t${word || '(too short to recognise)'}\t(runner-up ${second?.word ?? '-'}, margin ${margin.toFixed(1)})\n`);
        }
      }
      failures.finish(files.length);
    });
}
