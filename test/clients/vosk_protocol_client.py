#!/usr/bin/env python3
"""A client of the Vosk WebSocket protocol, written against the protocol alone, in another
language and with another WebSocket library than the server, so it shares none of beamline's
code: it opens a session, sends the config with the WAV file's rate, streams 0.2 s of 16-bit
PCM per message and waits for the reply to each, then sends eof and waits for the result.
Each reply is printed as one JSON line, as it came.

    python3 vosk_protocol_client.py ws://127.0.0.1:2700 recording.wav

Needs the websockets package (Debian: python3-websockets).
"""
import asyncio
import sys
import wave

import websockets


async def transcribe(url: str, path: str) -> None:
    with wave.open(path, "rb") as recording:
        if recording.getnchannels() != 1 or recording.getsampwidth() != 2:
            raise SystemExit(f"{path}: this client sends mono 16-bit PCM only")
        rate = recording.getframerate()
        frames_per_message = int(rate * 0.2)
        async with websockets.connect(url) as socket:
            await socket.send('{ "config" : { "sample_rate" : %d } }' % rate)
            while True:
                pcm = recording.readframes(frames_per_message)
                if not pcm:
                    break
                await socket.send(pcm)
                print(await socket.recv(), flush=True)
            await socket.send('{"eof" : 1}')
            print(await socket.recv(), flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    asyncio.run(transcribe(sys.argv[1], sys.argv[2]))
