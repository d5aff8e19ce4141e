"""Data: vocabularies, readers that check their files, batching and streams, embedded corpora."""

from rnnlab.data.batching import pad_batch, bucket_batches
from rnnlab.data.errors import DataError
from rnnlab.data.files import read_lines, read_text
from rnnlab.data.rows import BadRows
from rnnlab.data.splits import split_items, split_sizes
from rnnlab.data.streams import batchify
from rnnlab.data.vocab import Vocabulary
from rnnlab.data.wordlists import english_words

__all__ = [
    "DataError",
    "Vocabulary",
    "read_text",
    "read_lines",
    "pad_batch",
    "bucket_batches",
    "batchify",
    "split_items",
    "split_sizes",
    "BadRows",
    "english_words",
]
