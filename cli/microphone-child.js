// The microphone end of `beamline mic`, in a child process of its own: node-web-audio-api's
// native audio back ends (ALSA, JACK) print diagnostics straight to the process's stdout and
// stderr, which the parent discards, so the terminal shows only beamline's own output.
// Usage: node microphone-child.js list | capture [deviceId]
// Reports on the IPC channel ({type: 'devices' | 'started' | 'error'}); captured audio goes out
// on file descriptor 3 as 32-bit float little-endian mono samples at the reported rate.
import { Buffer } from 'node:buffer';
import { createWriteStream } from 'node:fs';
import { AudioContext, mediaDevices } from 'node-web-audio-api';

const [mode, deviceId] = process.argv.slice(2);
const report = (message) => new Promise((resolve) => process.send(message, resolve));

try {
  if (mode === 'list') {
    const devices = await mediaDevices.enumerateDevices();
    await report({ type: 'devices', devices: devices.filter((d) => d.kind === 'audioinput').map(({ deviceId: id, label }) => ({ deviceId: id, label })) });
    process.exit(0);
  }
  const stream = await mediaDevices.getUserMedia({ audio: deviceId ? { deviceId: { exact: deviceId } } : true });
  // No output device is needed: the graph only has to run.
  let context;
  try {
    context = new AudioContext({ sinkId: { type: 'none' }, latencyHint: 'interactive' });
  } catch {
    context = new AudioContext({ latencyHint: 'interactive' });
  }
  const source = context.createMediaStreamSource(stream);
  const processor = context.createScriptProcessor(1024, 1, 1);
  const out = createWriteStream('', { fd: 3 });
  processor.onaudioprocess = (event) => {
    const samples = event.inputBuffer.getChannelData(0);
    out.write(Buffer.from(samples.buffer.slice(samples.byteOffset, samples.byteOffset + samples.byteLength)));
  };
  source.connect(processor);
  processor.connect(context.destination);
  await report({ type: 'started', sampleRate: context.sampleRate, label: stream.getAudioTracks?.()[0]?.label ?? '' });
  process.on('disconnect', () => process.exit(0));
} catch (error) {
  await report({ type: 'error', name: error?.name ?? 'Error', message: String(error?.message ?? error) });
  process.exit(1);
}
