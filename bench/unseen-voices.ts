/**
 * Accuracy on synthetic voices that no training recipe uses: espeak-ng's female variants f2 and
 * f4, and festival's child, women and HTS voice (FESTIVAL_TEST_VOICES). FSDD has five men only,
 * so this is what shows whether a model serves a woman's or a child's voice. festival's voices are
 * also decoded with speaker adaptation, each voice one talker. Each set is skipped, with the
 * packages it needs named, when its synthesiser is not installed.
 *
 *   npx tsx bench/unseen-voices.ts [--model models/fsdd-digits.json]
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { evaluate } from '../cli/eval-command.ts';
import { Recognizer, type SpeechModel } from '../src/index.ts';
import { FSDD_WORDS } from '../streams/corpus.ts';
import { loadModel } from '../streams/model-file.ts';
import {
  espeakAvailable,
  festivalAvailable,
  FESTIVAL_TEST_VOICES,
  FESTIVAL_VOICE_PACKAGES,
  synthesiseFestivalVoices,
  synthesiseVoices,
  TEST_VOICES,
} from '../streams/synthetic-voices.ts';

const percent = (value: number): string => `${value.toFixed(1)}%`;

/** Prints a markdown table per voice set; returns the accuracy over every file scored. */
export async function unseenVoiceTables(model: SpeechModel): Promise<number | undefined> {
  let hits = 0;
  let words = 0;
  if (await espeakAvailable()) {
    const entries = await synthesiseVoices(FSDD_WORDS, TEST_VOICES, 2);
    const result = await evaluate(model, entries, true);
    const byVariant = (variant: string): string => {
      const reports = Object.entries(result.speakers).filter(([name]) => name.endsWith(variant)).map(([, report]) => report);
      const variantHits = reports.reduce((sum, r) => sum + r.counts.hits, 0);
      return percent((100 * variantHits) / reports.reduce((sum, r) => sum + r.referenceWords, 0));
    };
    console.log(`\nespeak-ng voices never used in training (en-us and en-gb, female variants f2 and f4, pitch 40–99, ${entries.length} files at 22.05 kHz, untrimmed):\n`);
    console.log('| voices | f2 | f4 | all |');
    console.log('| --- | --- | --- | --- |');
    console.log(`| accuracy | ${byVariant('f2')} | ${byVariant('f4')} | ${percent(result.report.percentCorrect)} |`);
    hits += result.report.counts.hits;
    words += result.report.referenceWords;
  } else {
    console.log('\n(espeak-ng is not installed: skipping its unseen voices; apt-get install espeak-ng)');
  }
  if (await festivalAvailable(FESTIVAL_TEST_VOICES.voices)) {
    const entries = await synthesiseFestivalVoices(FSDD_WORDS, FESTIVAL_TEST_VOICES, 2);
    const result = await evaluate(model, entries, true);
    const voices = FESTIVAL_TEST_VOICES.voices;
    console.log(
      `\nfestival voices never used in training (${entries.length} files, ${FESTIVAL_TEST_VOICES.takes} takes per word at duration stretch ` +
        `${FESTIVAL_TEST_VOICES.stretch.join('–')}; the Czech and Finnish voices read the digits respelled):\n`,
    );
    console.log(`| voice | ${voices.join(' | ')} | all |`);
    console.log(`| --- | ${voices.map(() => '---').join(' | ')} | --- |`);
    const cells = voices.map((voice) => {
      const report = result.speakers[`festival ${voice}`];
      return report ? percent(report.percentCorrect) : '–';
    });
    console.log(`| accuracy | ${cells.join(' | ')} | ${percent(result.report.percentCorrect)} |`);
    // Each voice is one talker: adapted to from its own unlabelled takes (`eval --adaptation speaker`).
    const adapted = await evaluate(new Recognizer(model, { decoder: { partials: false }, adaptation: 'speaker' }), entries, true);
    const adaptedCells = voices.map((voice) => {
      const report = adapted.speakers[`festival ${voice}`];
      return report ? percent(report.percentCorrect) : '–';
    });
    console.log(`| accuracy, speaker adaptation | ${adaptedCells.join(' | ')} | ${percent(adapted.report.percentCorrect)} |`);
    hits += result.report.counts.hits;
    words += result.report.referenceWords;
  } else {
    const packages = FESTIVAL_TEST_VOICES.voices.map((voice) => FESTIVAL_VOICE_PACKAGES[voice]).join(' ');
    console.log(`\n(festival or its test voices are not installed: skipping them; apt-get install festival ${packages})`);
  }
  return words > 0 ? (100 * hits) / words : undefined;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { model: { type: 'string' } } });
  const model = await loadModel(values.model);
  const all = await unseenVoiceTables(model);
  if (all !== undefined) console.log(`\nAll unseen voices: ${percent(all)}`);
}
