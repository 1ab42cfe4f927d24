/**
 * `beamline features FILE`: prints the front end's output, one frame per line, so features can
 * be inspected, plotted or compared with another toolkit's.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { lastValueFrom, tap } from 'rxjs';
import { CMN_MODES, frontEndConfig, type CmnMode, type FrameBlock } from '../src/index.ts';
import { audioFile, frontEnd } from '../streams/index.ts';
import { loadModel } from '../streams/model-file.ts';
import { addRawPcmOptions, rawPcmLayout, type RawPcmFlags } from './options.ts';

function integer(name: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError(`${name} must be a positive integer.`);
    return parsed;
  };
}

interface FeaturesOptions extends RawPcmFlags {
  format: 'jsonl' | 'csv';
  model?: string;
  sampleRate?: number;
  cmn?: CmnMode;
  precision: number;
}

function formatBlock(block: FrameBlock, format: 'jsonl' | 'csv', precision: number): string {
  const lines: string[] = [];
  for (let f = 0; f < block.count; f++) {
    const values: string[] = [];
    for (let d = 0; d < block.width; d++) values.push(String(Number(block.data[f * block.width + d].toPrecision(precision))));
    lines.push(format === 'jsonl' ? `[${values.join(',')}]` : values.join(','));
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

export function featuresCommand(): Command {
  return addRawPcmOptions(
    new Command('features')
      .description('print MFCC + delta + delta-delta features (39 per 10 ms frame by default) of an audio file')
      .argument('<file>', 'audio file: WAV, FLAC, OGG Vorbis, MP3, or headerless PCM with --raw; - for standard input'),
  )
    .addOption(new Option('--format <format>', 'output format').choices(['jsonl', 'csv']).default('jsonl'))
    .option('--model <file>', "use this model's front-end settings (default: the built-in defaults, the same as the shipped model's)")
    .addOption(new Option('--sample-rate <hz>', 'front-end sample rate; the audio is resampled to it (default 8000)').argParser(integer('--sample-rate')))
    .addOption(new Option('--cmn <mode>', 'cepstral mean normalisation (default utterance)').choices([...CMN_MODES]))
    .addOption(new Option('--precision <digits>', 'significant digits printed').argParser(integer('--precision')).default(7))
    .action(async (file: string, options: FeaturesOptions, command: Command) => {
      const raw = rawPcmLayout(options, command);
      const base = options.model !== undefined ? (await loadModel(options.model)).frontEnd : frontEndConfig();
      const config = frontEndConfig({
        ...base,
        frames: { ...base.frames, ...(options.sampleRate !== undefined ? { sampleRateHz: options.sampleRate } : {}) },
        cmn: { ...base.cmn, ...(options.cmn !== undefined ? { mode: options.cmn } : {}) },
      });
      await lastValueFrom(
        audioFile(file, raw ? { raw } : {}).pipe(
          frontEnd(config),
          tap((block) => process.stdout.write(formatBlock(block, options.format, options.precision))),
        ),
        { defaultValue: undefined },
      );
    });
}
