"""Every loader, fed what a user's disk may hold: each file either loads or raises the one ``DataError`` naming it.

Property-based (hypothesis): random bytes, random Unicode, random line endings,
huge lines, empty and one-line files, and a valid example of the format with
bytes inserted, deleted, replaced or cut off. Any other exception fails, and so
does a case that runs longer than ``BOUND_S`` (a hang).
"""

from __future__ import annotations

import io
import json
import pickle
import signal
import struct
import tempfile
import wave
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from fuzzing import FUZZ
from hypothesis import given
from hypothesis import strategies as st

from rnnlab.apps.lm.data import load_corpus
from rnnlab.apps.framelabel import FrameConfig
from rnnlab.apps.framelabel.data import load_frame_data
from rnnlab.apps.recognize import RecognizeConfig
from rnnlab.apps.recognize.data import read_folder as read_recognition
from rnnlab.apps.sentiment import SentimentConfig
from rnnlab.data import BadRows, DataError
from rnnlab.data.audio import read_wav
from rnnlab.data.captions import read_coco, read_flickr8k
from rnnlab.data.files import read_picture, text_encoding
from rnnlab.data.labelled import read_labelled
from rnnlab.data.parallel import read_parallel, read_tsv
from rnnlab.data.tagged import read_columns, read_conllu
from rnnlab.data.text import tokenize
from rnnlab.data.transcribed import read_idx, read_transcripts
from rnnlab.data.vectors import read_vectors
from rnnlab.data.videos import read_array

BOUND_S = 10  # seconds a case may take; far above what any takes (milliseconds)


def _wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as f:
        f.setnchannels(1), f.setsampwidth(2), f.setframerate(8000)
        f.writeframes(struct.pack("<400h", *(k % 50 * 300 for k in range(400))))  # 50 ms
    return out.getvalue()


def _npy(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.save(out, array)
    return out.getvalue()


def _png() -> bytes:
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 10, 10)).save(out, "PNG")
    return out.getvalue()


CONLLU = ("# sent_id = 1\n1\tThe\tthe\tDET\tDT\t_\t2\tdet\t_\t_\n2\tdog\tdog\tNOUN\tNN\t_\t3\tnsubj\t_\t_\n"
          "3\truns\trun\tVERB\tVBZ\t_\t0\troot\t_\t_\n\n")
SEEDS = {  # a valid file of each format, to mutate
    "words": b"apple\nbanana\ncherry\ndate\nelder\nfig\ngrape\n",
    "text": b"It was the best of times,\r\nit was the worst of times.\n" * 3,
    "sst": b"3 a good film .\n0 dull and long .\n4 wonderful !\n1 weak\n",
    "glue": b"sentence\tlabel\nhide new secretions\t0\ncontains no wit\t0\nthe greatest\t1\n",
    "csv": b'label,text\n1,good movie\n0,"bad, ""very"" bad"\n1,fine\n',
    "jsonl": b'{"text": "good", "label": 1}\n{"text": "bad", "label": 0}\n{"review": "ok", "label": 1}\n',
    "imdb review": b"A fine film.<br /><br />Really.",
    "pairs": b"Go.\tVa !\tCC-BY 2.0\nHi.\tSalut !\nRun!\tCours !\n",
    "aligned": b"a dog\nthe cat\ntwo birds\n",
    "mapping": b"0 background\n1 pour\n2 stir\n",
    "labels": b"background\npour\npour\nstir\n",
    "features": _npy(np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)),
    "bundle": b"v1.txt\nv2.txt\n",
    "flickr8k": b"1000.jpg#0\tA dog runs .\n1000.jpg#1\tA brown dog .\n1001.jpg#0\tTwo cats .\n",
    "coco": json.dumps({"images": [{"id": 1, "file_name": "a.jpg"}],
                        "annotations": [{"image_id": 1, "caption": "A dog."}]}).encode(),
    "conllu": CONLLU.encode(),
    "columns": b"-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP B-MISC\n\n",
    "transcripts": b"a1\tHELLO WORLD\nb2 GOOD MORNING\n",
    "idx": b"\0\0\x08\x02\0\0\0\x02\0\0\0\x03" + bytes(range(6)),
    "wav": _wav(),
    "png": _png(),
    "vectors": b"2 3\nthe 0.1 0.2 0.3\ncat 0.4 -0.5 6e-1\n",
    "word2vec": b"2 3\nthe " + struct.pack("<3f", 0.1, 0.2, 0.3) + b"\ncat " + struct.pack("<3f", 0.4, -0.5, 0.6) + b"\n",
}


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    """``seed`` with a few bytes inserted, deleted or replaced, or cut short."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        how = draw(st.sampled_from(["insert", "delete", "replace", "cut"]))
        piece = draw(st.binary(min_size=1, max_size=8) | st.sampled_from(
            [b"\t", b",", b'"', b"\n", b"\r", b"\r\n", b" ", b"{", b"}", b"\xff", b"\x00", b"-1", b"1e309", b"nan"]))
        if how == "insert":
            data[at:at] = piece
        elif how == "delete":
            del data[at:at + len(piece)]
        elif how == "replace":
            data[at:at + len(piece)] = piece
        else:
            del data[at:]
    return bytes(data)


LINE_ENDINGS = st.sampled_from(["\n", "\r\n", "\r", "\n\n", "\x0b", "\u2028"])


@st.composite
def lines(draw) -> bytes:
    """Unicode lines joined by any line ending, in UTF-8."""
    parts = draw(st.lists(st.text(max_size=40), max_size=8))
    return "".join(p + draw(LINE_ENDINGS) for p in parts).encode("utf-8", "surrogatepass")


def contents(seed: bytes) -> st.SearchStrategy[bytes]:
    return st.one_of(
        mutated(seed), mutated(seed),
        st.binary(max_size=300),
        st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
        lines(),
        st.just(b""), st.just(b"\n\n"), st.just(seed.split(b"\n")[0]),  # empty, blank, one line without its end
        st.integers(100_000, 300_000).map(lambda n: seed[:20] + b"x" * n + b"\n" + seed),  # a huge line
    )


@contextmanager
def bounded(seconds: int = BOUND_S):
    """Fail a case that hangs: an alarm raises inside it after ``seconds``."""
    def ring(signum, frame):
        raise TimeoutError(f"a loader ran longer than {seconds} s")
    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def load_or_data_error(load, names) -> None:
    """``load()`` returns, or raises a DataError whose message names one of ``names`` (files or folders)."""
    with bounded():
        try:
            load()
        except DataError as error:
            assert any(str(n) in str(error) for n in names), f"the error names no file: {error}"


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def one_file(name: str, read, seed: str):
    """A loader of one file: ``read(path, skip)``."""
    def case(folder: Path, data: bytes, skip: bool):
        path = write(folder, name, data)
        load_or_data_error(lambda: read(path, skip), [path])
    return seed, case


def imdb(folder: Path, data: bytes, skip: bool):
    for split in ("train", "test"):
        write(folder, f"aclImdb/{split}/neg/0_1.txt", b"Dull.")
        write(folder, f"aclImdb/{split}/pos/1_9.txt", SEEDS["imdb review"])
    path = write(folder, "aclImdb/test/pos/2_8.txt", data)
    load_or_data_error(lambda: read_labelled(folder / "aclImdb", SentimentConfig(skip_bad_rows=skip)), [path])


def aligned(folder: Path, data: bytes, skip: bool):
    source, target = write(folder, "train.en", SEEDS["aligned"]), write(folder, "train.de", data)
    load_or_data_error(lambda: read_parallel(source, target, BadRows(skip)), [source, target])


def word_corpus(layout: str):
    """A word-level language-model corpus folder with one file fuzzed: published splits or documents."""
    def case(folder: Path, data: bytes, skip: bool):
        names = ("train.txt", "valid.txt", "test.txt") if layout == "splits" else ("1_0.txt", "2_0.txt", "3_0.txt")
        for k, name in enumerate(names):
            write(folder, name, data if k == 0 else SEEDS["imdb review"])
        load_or_data_error(lambda: load_corpus(str(folder), "auto", 0, 1, 1, 0, unit="word", min_freq=1), [folder])
    return case


def recognition_folder(part: str):
    """A folder of recordings and their transcripts (LibriSpeech-like), with one file fuzzed."""
    def case(folder: Path, data: bytes, skip: bool):
        files = {"transcripts.tsv": SEEDS["transcripts"], "a1.wav": SEEDS["wav"], "b2.wav": SEEDS["wav"]}
        files[part] = data
        for name, blob in files.items():
            write(folder, name, blob)
        load_or_data_error(lambda: read_recognition(folder, BadRows(skip), RecognizeConfig()), [folder])
    return case


def ms_tcn(part: str):
    """An MS-TCN folder with one of its files fuzzed."""
    def case(folder: Path, data: bytes, skip: bool):
        files = {"mapping.txt": SEEDS["mapping"], "splits/train.split1.bundle": SEEDS["bundle"],
                 "splits/test.split1.bundle": b"v3.txt\n"}
        for video in ("v1", "v2", "v3"):
            files[f"groundTruth/{video}.txt"] = b"background\npour\npour\nstir\n"
            files[f"features/{video}.npy"] = _npy(np.ones((5, 4), dtype=np.float32))
        files[part] = data
        for name, blob in files.items():
            write(folder, name, blob)
        config = FrameConfig(data=str(folder), validation=1)
        load_or_data_error(lambda: load_frame_data(config), [folder])
    return case


LOADERS = {
    "word list": one_file("words.txt", lambda p, s: load_corpus(str(p), "words", 50, 1, 1, 0), "words"),
    "text stream": one_file("corpus.txt", lambda p, s: load_corpus(str(p), "text", 50, 0.1, 0.1, 0), "text"),
    "word-level text": one_file("corpus.txt", lambda p, s: load_corpus(str(p), "auto", 0, 1, 1, 0, unit="word",
                                                                       min_freq=1), "text"),
    "word-level split folder": ("imdb review", word_corpus("splits")),
    "word-level documents": ("imdb review", word_corpus("documents")),
    "SST": one_file("sst.train", lambda p, s: read_labelled(p, SentimentConfig(skip_bad_rows=s), "sst"), "sst"),
    "GLUE": one_file("train.tsv", lambda p, s: read_labelled(p, SentimentConfig(skip_bad_rows=s)), "glue"),
    "CSV": one_file("reviews.csv", lambda p, s: read_labelled(p, SentimentConfig(skip_bad_rows=s)), "csv"),
    "JSONL": one_file("reviews.jsonl", lambda p, s: read_labelled(p, SentimentConfig(skip_bad_rows=s)), "jsonl"),
    "aclImdb": ("imdb review", imdb),
    "TSV pairs": one_file("fra.txt", lambda p, s: read_tsv(p, BadRows(s)), "pairs"),
    "aligned files": ("aligned", aligned),
    "MS-TCN mapping": ("mapping", ms_tcn("mapping.txt")),
    "MS-TCN labels": ("labels", ms_tcn("groundTruth/v2.txt")),
    "MS-TCN features .npy": ("features", ms_tcn("features/v1.npy")),
    "MS-TCN split file": ("bundle", ms_tcn("splits/train.split1.bundle")),
    "frames .npy": one_file("v1.npy", lambda p, s: read_array(p, "frames"), "features"),
    "Flickr8k captions": one_file("Flickr8k.token.txt", lambda p, s: read_flickr8k(p, BadRows(s)), "flickr8k"),
    "COCO captions": one_file("captions_train2014.json", lambda p, s: read_coco(p), "coco"),
    "CoNLL-U": one_file("en_ewt-ud-train.conllu", lambda p, s: read_conllu(p, BadRows(s)), "conllu"),
    "CoNLL-2003 columns": one_file("eng.train", lambda p, s: read_columns(p, BadRows(s)), "columns"),
    "transcripts": one_file("transcripts.tsv", lambda p, s: read_transcripts(p, BadRows(s)), "transcripts"),
    "IDX": one_file("train-images-idx3-ubyte", lambda p, s: read_idx(p), "idx"),
    "WAV": one_file("a1.wav", lambda p, s: read_wav(p), "wav"),
    "picture": one_file("line.png", lambda p, s: read_picture(p), "png"),
    "word vectors": one_file("vectors.txt", lambda p, s: read_vectors(p), "vectors"),
    "word2vec binary": one_file("vectors.bin", lambda p, s: read_vectors(p), "word2vec"),
    "recognition transcripts": ("transcripts", recognition_folder("transcripts.tsv")),
    "recognition recording": ("wav", recognition_folder("b2.wav")),
}


@pytest.mark.parametrize("name", list(LOADERS))
def test_a_loader_loads_or_names_the_file(name):
    seed, case = LOADERS[name]

    @FUZZ
    @given(data=contents(SEEDS[seed]), skip=st.booleans(), encoding=st.sampled_from(["utf-8", "auto", "latin-1"]))
    def fuzz(data, skip, encoding):
        with tempfile.TemporaryDirectory() as folder, text_encoding(encoding):
            case(Path(folder), data, skip)

    fuzz()


@FUZZ
@given(st.text(max_size=300) | lines().map(lambda b: b.decode("utf-8", "surrogatepass")))
def test_the_tokenizer_takes_any_text(text):
    with bounded():
        tokens = tokenize(text)
    assert all(t and not any(c.isspace() for c in t) for t in tokens)
    assert tokenize(" ".join(tokens)) == tokens  # its own output reads back the same


class Planted:
    """An object whose unpickling would leave a file behind."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


@pytest.mark.parametrize("kind", ["features", "frames"])
def test_an_object_npy_is_refused_without_being_unpickled(tmp_path, kind):
    planted = tmp_path / "unpickled"
    array = np.empty(2, dtype=object)
    array[:] = [Planted(str(planted)), 1]
    path = tmp_path / "v1.npy"
    np.save(path, array, allow_pickle=True)
    assert pickle.loads(pickle.dumps(Planted(str(tmp_path / "check")))) is None and (tmp_path / "check").exists()
    with pytest.raises(DataError, match=r"v1.npy: is not a .npy array"):
        read_array(path, kind)
    assert not planted.exists()


FOUND = {  # what fuzzing found, each kept as a plain case: the file, its bytes, and the error expected
    "SST label that is a digit to Python but not a number": (
        "SST", b"\xc2\xb9 superscript one\n", r"sst.train, line 1: expected 'label sentence' with a label 0-4"),
    "PNG with a broken chunk": ("picture", SEEDS["png"][:-20] + b"\0" * 8 + SEEDS["png"][-12:],
                                r"line.png: is not an image Pillow can read"),
    "WAV cut in the middle of a sample": ("WAV", SEEDS["wav"][:-1], None),
    "IDX whose shape has a 0 beside huge sizes": (
        "IDX", b"\0\0\x08\x08" + struct.pack(">8I", 2 ** 25, 2 ** 25, 50331906, 197637, 0, 0, 0, 0),
        r"announces a shape numpy cannot make"),
    "npy whose header is not Python": (
        "frames .npy", SEEDS["features"].replace(b"'descr'", b"('descr'"), r"v1.npy: is not a .npy array"),
    "npy whose header announces more than the file holds": (
        "frames .npy", SEEDS["features"][:-8], r"v1.npy: is not a .npy array \(its header announces"),
    "split file naming a video with a name too long": (
        "MS-TCN split file", b"v" * 300 + b".txt\n", r"train.split1.bundle, line 1: 'vvvv.* is not a file name"),
    "split file too short to split": (
        "MS-TCN split file", b"v1.txt\n", r"train.split1.bundle: a split of 1 videos .* leaves nothing to train on"),
    "CSV whose header opens a quote it never closes": (
        "CSV", b'label,"text\n1,good\n', r"reviews.csv, line 1: opens a quoted field .* that is never closed"),
    "aclImdb review of white space": ("aclImdb", "\u00a0\n".encode(), r"2_8.txt: holds no review text"),
    "recording shorter than one analysis window": (
        "recognition recording", SEEDS["wav"][:44 + 2 * 100], r"b2.wav: lasts 12.5 ms; a recording must be longer"),
}


@pytest.mark.parametrize("name", list(FOUND))
def test_what_fuzzing_found_is_one_data_error(name, tmp_path, monkeypatch):
    loader, data, message = FOUND[name]
    monkeypatch.setitem(globals(), "load_or_data_error", lambda load, names: load())  # the error itself, through
    if message is None:
        LOADERS[loader][1](tmp_path, data, False)  # loads
        return
    with pytest.raises(DataError, match=message):
        LOADERS[loader][1](tmp_path, data, False)
