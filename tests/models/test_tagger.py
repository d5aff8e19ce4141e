"""The tagger: characters then words, softmax or CRF; a padded batch tags as each sentence alone does."""

import pytest
import torch

from rnnlab.models import CharWords, Tagger, make_input, make_stack


def batch(sentences):
    """``sentences``: lists of words, each a list of char ids -> word ids, chars, char lengths, lengths."""
    B, T, L = len(sentences), max(map(len, sentences)), max(len(w) for s in sentences for w in s)
    words, chars = torch.zeros(B, T, dtype=torch.long), torch.zeros(B, T, L, dtype=torch.long)
    char_lengths = torch.zeros(B, T, dtype=torch.long)
    for b, s in enumerate(sentences):
        for t, w in enumerate(s):
            words[b, t] = sum(w) % 9 + 1
            chars[b, t, :len(w)] = torch.tensor(w)
            char_lengths[b, t] = len(w)
    return words, chars, char_lengths, torch.tensor([len(s) for s in sentences])


@pytest.mark.parametrize("crf", [False, True])
def test_a_padded_batch_tags_as_each_sentence_alone(crf):
    torch.manual_seed(0)
    model = Tagger(make_input(10, 6, padding_idx=0), CharWords(12, 4, 5),
                   make_stack("gru", 6 + 10, 7, 2, bidirectional=True), 4, crf=crf).eval()
    sentences = [[[1, 2, 3], [4], [5, 6]], [[7, 8, 9, 10, 11]], [[2, 2], [3, 3, 3]]]
    tags, probs = model.predict(*batch(sentences))
    for k, s in enumerate(sentences):
        alone_tags, alone_probs = model.predict(*batch([s]))
        assert alone_tags[0] == tags[k] and len(tags[k]) == len(s)
        torch.testing.assert_close(alone_probs[0], probs[k], rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(probs[k].sum(1), torch.ones(len(s)))


@pytest.mark.parametrize("crf", [False, True])
def test_it_learns_a_tag_that_only_the_context_gives(crf):
    """Word 3 is tagged 1 after word 1 and 2 after word 2: a per-word model cannot, the BiRNN can."""
    torch.manual_seed(0)
    model = Tagger(make_input(5, 8, padding_idx=0), None, make_stack("lstm", 8, 16, 1, bidirectional=True), 3,
                   crf=crf)
    words = torch.tensor([[1, 3], [2, 3], [3, 1], [3, 2]])
    tags = torch.tensor([[0, 1], [0, 2], [0, 0], [0, 0]])
    args = (words, torch.zeros(4, 2, 1, dtype=torch.long), torch.ones(4, 2, dtype=torch.long), torch.tensor([2] * 4))
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(60):
        loss = model.loss(*args, tags)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.05
    assert model.eval().predict(*args)[0] == tags.tolist()
