"""Audio: WAV files of every PCM width, resampling, the mel filterbank and the log-mel spectrogram."""

import math
import wave

import numpy as np
import pytest
import torch

from rnnlab.data import DataError
from rnnlab.data.audio import (hz_to_mel, log_mel, mel_filterbank, mel_to_hz, normalise, read_wav, resample,
                               spec_augment, warp_bands)


def write_wav(path, samples, rate=8000, width=2, channels=1):
    """``samples`` in [-1, 1] as ``width``-byte PCM."""
    samples = np.asarray(samples, dtype=np.float64)
    if width == 1:
        data = np.round(samples * 127 + 128).astype(np.uint8).tobytes()
    elif width == 3:
        ints = np.round(samples * (2 ** 23 - 1)).astype("<i4")
        data = b"".join(int(v).to_bytes(4, "little", signed=True)[:3] for v in ints)
    else:
        data = np.round(samples * (2 ** (8 * width - 1) - 1)).astype(f"<i{width}").tobytes()
    with wave.open(str(path), "wb") as f:
        f.setnchannels(channels)
        f.setsampwidth(width)
        f.setframerate(rate)
        f.writeframes(data)
    return path


def tone(hz, seconds=0.5, rate=8000, amplitude=0.5):
    return amplitude * np.sin(2 * np.pi * hz * np.arange(int(seconds * rate)) / rate)


def band_of(hz, rate, n_mels=40):
    """The mel band whose centre is nearest ``hz``."""
    centres = mel_to_hz(np.linspace(hz_to_mel(20), hz_to_mel(rate / 2), n_mels + 2))[1:-1]
    return int(np.abs(centres - hz).argmin())


@pytest.mark.parametrize("hz", [300, 1000, 2500])
@pytest.mark.parametrize("rate", [8000, 16000])
def test_a_pure_tone_lands_in_the_mel_band_of_its_frequency(hz, rate):
    features = log_mel(torch.from_numpy(tone(hz, rate=rate)).float(), rate)
    assert features.shape == (40, int(0.5 * rate) // (rate // 100) + 1)
    assert abs(int(features.mean(1).argmax()) - band_of(hz, rate)) <= 1


def test_the_filterbank_covers_every_frequency_between_its_first_and_last_centre_once():
    bank = mel_filterbank(256, 8000, 40)
    assert bank.shape == (40, 129) and float(bank.max()) <= 1.0
    bins = np.linspace(0, 4000, 129)
    centres = mel_to_hz(np.linspace(hz_to_mel(20), hz_to_mel(4000), 42))[1:-1]
    inside = (bins >= centres[0]) & (bins <= centres[-1])
    assert torch.allclose(bank.sum(0)[torch.from_numpy(inside)], torch.ones(int(inside.sum())), atol=1e-5)


@pytest.mark.parametrize("width", [1, 2, 3, 4])
def test_reads_every_pcm_width_and_averages_channels(tmp_path, width):
    samples = tone(440)
    samples_read, rate = read_wav(write_wav(tmp_path / "a.wav", samples, width=width))
    assert rate == 8000 and samples_read.dtype == torch.float32
    assert np.abs(samples_read.numpy() - samples).max() < 2.0 / 2 ** (8 * width - 1) + 1e-6
    stereo = np.stack([samples, np.zeros_like(samples)], 1).reshape(-1)
    mono, _ = read_wav(write_wav(tmp_path / "b.wav", stereo, channels=2))
    assert np.abs(mono.numpy() - samples / 2).max() < 1e-3


def test_resampling_keeps_the_tone_and_the_duration():
    x = torch.from_numpy(tone(700, seconds=1.0)).float()
    y = resample(x, 8000, 16000)
    assert y.shape == (16000,)
    assert abs(int(log_mel(y, 16000).mean(1).argmax()) - band_of(700, 16000)) <= 1
    assert torch.allclose(resample(y, 16000, 8000), x, atol=1e-3)


@pytest.mark.parametrize("content, message", [(b"RIFF....WAVEfmt garbage", "not a PCM WAV"),
                                              (b"hello, this is text", "not a PCM WAV"),
                                              (b"RIFF....WAVE garbage", "not a PCM WAV")])
def test_a_file_that_is_not_a_wav_is_one_clear_error(tmp_path, content, message):
    (tmp_path / "x.wav").write_bytes(content)
    with pytest.raises(DataError, match=f"x.wav: is {message}"):
        read_wav(tmp_path / "x.wav")


def test_empty_silent_and_missing_files_are_errors(tmp_path):
    with pytest.raises(DataError, match="holds no samples"):
        read_wav(write_wav(tmp_path / "empty.wav", []))
    with pytest.raises(DataError, match="is silent"):
        read_wav(write_wav(tmp_path / "silent.wav", np.zeros(800)))
    with pytest.raises(DataError, match="no such audio file"):
        read_wav(tmp_path / "nothing.wav")


def test_flac_goes_through_soundfile(tmp_path):
    soundfile = pytest.importorskip("soundfile")
    soundfile.write(str(tmp_path / "a.flac"), tone(440).astype(np.float32), 16000)
    samples, rate = read_wav(tmp_path / "a.flac")
    assert rate == 16000 and np.abs(samples.numpy() - tone(440)).max() < 1e-3
    (tmp_path / "b.flac").write_bytes(b"not flac at all")
    with pytest.raises(DataError, match="b.flac: is not an audio file"):
        read_wav(tmp_path / "b.flac")


def test_normalise_and_spec_augment():
    features = normalise(torch.randn(40, 200) * 3 + 5)
    assert torch.allclose(features.mean(1), torch.zeros(40), atol=1e-5)
    assert torch.allclose(features.std(1, unbiased=False), torch.ones(40), atol=1e-3)
    masked = spec_augment(features, torch.Generator().manual_seed(0), bands=2, band_width=6, stretches=2,
                          stretch_share=0.05)
    zero_rows = int((masked == 0).all(1).sum())
    zero_columns = int((masked == 0).all(0).sum())
    assert 0 < zero_rows <= 12 and zero_columns <= 20 and masked.shape == features.shape
    assert torch.equal(masked, spec_augment(features, torch.Generator().manual_seed(0)))
    assert not math.isnan(float(masked.sum()))


def test_warping_the_bands_moves_a_formant_by_the_factor():
    """Vocal tract length perturbation: a peak in band 20 moves to band 22 for a factor 1.1, to 18 for 0.9."""
    features = torch.zeros(40, 5)
    features[20] = 1.0
    assert int(warp_bands(features, 1.1)[:, 0].argmax()) == 22
    assert int(warp_bands(features, 0.9)[:, 0].argmax()) == 18
    assert torch.equal(warp_bands(features, 1.0), features)
    warped = spec_augment(features, torch.Generator().manual_seed(0), bands=0, stretches=0, warp=0.2)
    assert warped.shape == features.shape and not torch.equal(warped, features)
