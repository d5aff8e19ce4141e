"""Audio for speech recognition: WAV files, resampling, and the log-mel spectrogram, in one place.

``read_wav`` reads PCM WAV files with Python's own ``wave`` module (8, 16,
24 or 32-bit, any number of channels, averaged to mono); FLAC and other
formats go through ``soundfile`` when it is installed (``pip install
soundfile``). ``log_mel`` is what the recogniser hears: the power of a short-
time Fourier transform (``torch.stft``, 25 ms Hann windows every 10 ms)
summed by a bank of triangular filters spaced evenly on the mel scale, then
the log; ``normalise`` gives each mel band zero mean and unit variance over
one utterance, so loud and quiet speakers look alike. ``spec_augment`` masks
random bands and stretches of time while training (Park et al. 2019).
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from rnnlab.data.errors import DataError

SILENCE = 1e-4  # a file whose loudest sample is below this (of full scale) holds nothing to transcribe


def read_wav(path: str | Path) -> tuple[Tensor, int]:
    """``(samples (N,) float32 in [-1, 1], sample rate)``; one DataError for a missing, unreadable, empty or
    silent file."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "no such audio file")
    if path.suffix.lower() != ".wav":
        samples, rate = _read_other(path)
    else:
        try:
            with wave.open(str(path), "rb") as f:
                channels, width, rate, frames = f.getnchannels(), f.getsampwidth(), f.getframerate(), f.getnframes()
                data = f.readframes(frames)
        except (wave.Error, EOFError, OSError, RuntimeError, ValueError, struct.error) as error:
            reason = str(error) or "a broken chunk"
            raise DataError(path, f"is not a PCM WAV file ({reason}); expected 8, 16, 24 or 32-bit PCM") from None
        frame = width * channels  # a file cut short keeps its whole frames
        samples = _pcm(data[:len(data) // frame * frame], width, path).reshape(-1, channels).mean(1)
    if samples.numel() == 0:
        raise DataError(path, "holds no samples")
    if float(samples.abs().max()) < SILENCE:
        raise DataError(path, "is silent (no sample above 1e-4 of full scale)")
    return samples, rate


def _pcm(data: bytes, width: int, path: Path) -> Tensor:
    if width == 1:  # 8-bit WAV is unsigned
        values = (np.frombuffer(data, np.uint8).astype(np.float32) - 128) / 128
    elif width == 3:
        raw = np.frombuffer(data, np.uint8).reshape(-1, 3)
        values = ((raw[:, 0].astype(np.int32) << 8 | raw[:, 1].astype(np.int32) << 16
                   | raw[:, 2].astype(np.int32) << 24) >> 8).astype(np.float32) / 2 ** 23
    elif width in (2, 4):
        values = np.frombuffer(data, f"<i{width}").astype(np.float32) / 2 ** (8 * width - 1)
    else:
        raise DataError(path, f"has {8 * width}-bit samples; expected 8, 16, 24 or 32-bit PCM")
    return torch.from_numpy(values.copy())


def _read_other(path: Path) -> tuple[Tensor, int]:
    try:
        import soundfile
    except ImportError:
        raise DataError(path, "is not a .wav file; other audio formats (FLAC, OGG) need soundfile: "
                              "pip install soundfile") from None
    try:
        values, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as error:
        raise DataError(path, f"is not an audio file soundfile can read ({str(error)[:100]})") from None
    return torch.from_numpy(values.mean(1)), int(rate)


def resample(samples: Tensor, rate: int, to: int) -> Tensor:
    """``samples`` at ``rate`` Hz, band-limited to and resampled at ``to`` Hz (through the Fourier transform)."""
    if rate == to:
        return samples
    n = samples.shape[-1]
    m = max(1, round(n * to / rate))
    spectrum = torch.fft.rfft(samples)
    keep = min(spectrum.shape[-1], m // 2 + 1)
    return torch.fft.irfft(spectrum[..., :keep], m) * (m / n)


def hz_to_mel(f):
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=np.float64) / 700.0)


def mel_to_hz(m):
    return 700.0 * (10.0 ** (np.asarray(m, dtype=np.float64) / 2595.0) - 1.0)


def mel_filterbank(n_fft: int, rate: int, n_mels: int, low: float = 20.0, high: float | None = None) -> Tensor:
    """``(n_mels, n_fft // 2 + 1)``: triangular filters, centres evenly spaced on the mel scale from ``low`` to
    ``high`` Hz (default: half the rate), each rising from the previous centre and falling to the next."""
    high = rate / 2 if high is None else high
    edges = mel_to_hz(np.linspace(hz_to_mel(low), hz_to_mel(high), n_mels + 2))
    bins = np.linspace(0, rate / 2, n_fft // 2 + 1)
    left, centre, right = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bins - left) / (centre - left)
    falling = (right - bins) / (right - centre)
    return torch.from_numpy(np.clip(np.minimum(rising, falling), 0, None).astype(np.float32))


def frame_count(samples: int, rate: int, hop_ms: float = 10.0) -> int:
    """How many frames ``log_mel`` makes of ``samples`` (centred windows: one every hop, plus one)."""
    return samples // round(rate * hop_ms / 1000) + 1


WINDOW_MS = 25.0  # log_mel's analysis window


def log_mel(samples: Tensor, rate: int, n_mels: int = 40, window_ms: float = WINDOW_MS,
            hop_ms: float = 10.0) -> Tensor:
    """``samples (N,)`` -> ``(n_mels, frames)``: ``log(mel_filterbank @ |STFT|^2 + 1e-6)``."""
    window, hop = round(rate * window_ms / 1000), round(rate * hop_ms / 1000)
    n_fft = 1 << (window - 1).bit_length()
    spectrum = torch.stft(samples, n_fft, hop, window, torch.hann_window(window, device=samples.device),
                          center=True, return_complex=True)  # (n_fft // 2 + 1, frames)
    power = spectrum.real ** 2 + spectrum.imag ** 2
    return torch.log(mel_filterbank(n_fft, rate, n_mels).to(samples.device) @ power + 1e-6)


def normalise(features: Tensor) -> Tensor:
    """``(F, T)`` with each row shifted and scaled to zero mean and unit variance over time."""
    mean = features.mean(1, keepdim=True)
    std = features.std(1, keepdim=True, unbiased=False)
    return (features - mean) / (std + 1e-5)


def spec_augment(features: Tensor, generator: torch.Generator, bands: int = 2, band_width: int = 6,
                 stretches: int = 2, stretch_share: float = 0.05, warp: float = 0.0) -> Tensor:
    """``(F, T)`` with ``bands`` random runs of up to ``band_width`` rows and ``stretches`` runs of up to
    ``stretch_share`` of the columns set to zero (the mean of normalised features); first, with ``warp``, the
    frequency axis stretched or squeezed by a random factor in ``[1 - warp, 1 + warp]`` (``warp_bands``)."""
    out = features.clone()
    if warp:
        out = warp_bands(out, 1 + warp * (2 * float(torch.rand((), generator=generator)) - 1))
    F, T = out.shape
    for size, count, width in ((F, bands, band_width), (T, stretches, max(1, math.floor(stretch_share * T)))):
        for _ in range(count):
            w = int(torch.randint(0, min(width, size) + 1, (), generator=generator))
            start = int(torch.randint(0, size - w + 1, (), generator=generator))
            if size == F:
                out[start:start + w] = 0
            else:
                out[:, start:start + w] = 0
    return out


def warp_bands(features: Tensor, factor: float) -> Tensor:
    """``(F, T)`` with row ``f`` read at ``f / factor`` (linear between rows, the top row past the end): a
    voice whose formants sit ``factor`` times higher, as a shorter vocal tract puts them (vocal tract length
    perturbation, Jaitly and Hinton 2013)."""
    F = features.shape[0]
    where = (torch.arange(F, dtype=features.dtype, device=features.device) / factor).clamp(max=F - 1)
    low = where.floor().long()
    high = (low + 1).clamp(max=F - 1)
    share = (where - low).unsqueeze(1)
    return features[low] * (1 - share) + features[high] * share
