#!/usr/bin/python3
"""Independent MFCC reference for beamline's front end, written from the textbook definition
with numpy only (no code shared with the TypeScript under test).

Definition (the one beamline documents): 25 ms frames every 10 ms (whole frames only); per
frame: remove the mean, pre-emphasis 0.97 within the frame (first sample minus 0.97 x itself),
Hamming window, zero-pad to the next power of two N, scale by 32768, power spectrum |X_k|^2 for
k = 0..N/2-1, B triangular mel filters (mel = 1125 ln(1 + f/700)) with edges at
floor((N+1) f / rate) spanning 0 Hz..Nyquist, log(E + 1), DCT-II c_k = 2 sum_n e_n cos(pi k (n+1/2)/B),
keep 13, HTK lifter 22.

Run from the repository root with Debian's python3-numpy:
    /usr/bin/python3 tools/mfcc-reference.py > test/fixtures/mfcc-reference.json
"""
import json
import sys
import wave

import numpy as np


def read_wav(path):
    with wave.open(path, 'rb') as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype='<i2').astype(np.float64) / 32768.0
    return rate, x


def mel(f):
    return 1125.0 * np.log(1.0 + f / 700.0)


def inverse_mel(m):
    return 700.0 * (np.exp(m / 1125.0) - 1.0)


def filterbank(bands, rate, n_fft):
    points = inverse_mel(np.linspace(0.0, mel(rate / 2.0), bands + 2))
    bins = np.floor((n_fft + 1) * points / rate).astype(int)
    bank = np.zeros((bands, n_fft // 2))
    for j in range(bands):
        lo, mid, hi = bins[j], bins[j + 1], bins[j + 2]
        for i in range(lo, mid):
            bank[j, i] = (i - lo) / (mid - lo)
        for i in range(mid, hi):
            if i < n_fft // 2:
                bank[j, i] = (hi - i) / (hi - mid)
    return bank


def mfcc(x, rate, bands=26, ceps=13, lifter=22):
    length = round(rate * 0.025)
    shift = round(rate * 0.010)
    n_fft = 1 << (length - 1).bit_length()
    count = 1 + (len(x) - length) // shift
    window = 0.54 - 0.46 * np.cos(2 * np.pi * np.arange(length) / (length - 1))
    bank = filterbank(bands, rate, n_fft)
    n = np.arange(bands)
    dct = np.array([2.0 * np.cos(np.pi * k * (n + 0.5) / bands) for k in range(ceps)])
    lift = 1.0 + (lifter / 2.0) * np.sin(np.pi * np.arange(ceps) / lifter)
    out = []
    for t in range(count):
        frame = x[t * shift: t * shift + length].copy()
        frame -= frame.mean()
        emphasised = np.empty_like(frame)
        emphasised[1:] = frame[1:] - 0.97 * frame[:-1]
        emphasised[0] = frame[0] - 0.97 * frame[0]
        padded = np.zeros(n_fft)
        padded[:length] = emphasised * window * 32768.0
        power = np.abs(np.fft.fft(padded)[: n_fft // 2]) ** 2
        energies = np.log(bank @ power + 1.0)
        out.append((dct @ energies) * lift)
    return np.array(out)


fixtures = {}
for name in ['espeak-seven-8k.wav', 'espeak-seven-16k.wav']:
    rate, x = read_wav('test/fixtures/audio/' + name)
    fixtures[name] = {'sampleRateHz': rate, 'frames': mfcc(x, rate).round(6).tolist()}
json.dump(
    {
        'provenance': 'tools/mfcc-reference.py, numpy ' + np.__version__ + ', Python ' + sys.version.split()[0],
        'files': fixtures,
    },
    sys.stdout,
)
