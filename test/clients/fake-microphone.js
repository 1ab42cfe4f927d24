// Stands in for cli/microphone-child.js in the `beamline mic` tests (BEAMLINE_MIC_CAPTURE points
// here): "captures" the WAV named by FAKE_MICROPHONE_WAV, reporting its rate and sending its
// samples as 32-bit floats on file descriptor 3 in 1024-sample blocks, as the real child does,
// then ends as a microphone unplugged would.
import { Buffer } from 'node:buffer';
import { createWriteStream, readFileSync } from 'node:fs';
import wavefile from 'wavefile';

const wav = new wavefile.WaveFile(readFileSync(process.env.FAKE_MICROPHONE_WAV));
wav.toBitDepth('32f');
const samples = Float32Array.from(wav.getSamples(false, Float64Array));
process.send({ type: 'started', sampleRate: wav.fmt.sampleRate, label: 'fake microphone' }, () => {
  const out = createWriteStream('', { fd: 3 });
  for (let i = 0; i < samples.length; i += 1024) {
    const block = samples.slice(i, i + 1024);
    out.write(Buffer.from(block.buffer));
  }
  out.end(() => process.exit(0));
});
