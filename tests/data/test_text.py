"""The word tokenizer: lower-case, punctuation split, contractions as the Penn Treebank splits them."""

from rnnlab.data.text import tokenize


def test_raw_text_becomes_treebank_tokens():
    assert tokenize("It's not GOOD, isn't it? I'd say \"meh\"...") == [
        "it", "'s", "not", "good", ",", "is", "n't", "it", "?", "i", "'d", "say", '"', "meh", '"', "..."]


def test_treebank_text_comes_back_unchanged():
    sst = "k-19 wo n't -lrb- sadly -rrb- win -- it 's a coming-of-age crème brûlée ."
    assert tokenize(sst) == sst.split()
