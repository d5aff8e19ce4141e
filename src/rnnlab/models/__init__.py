"""Reusable model parts: embeddings, recurrent stacks by name, language models, classifiers, attention, encoder-decoder, CNN, captioner, frame labeller, linear-chain CRF, tagger, CTC recogniser."""

from rnnlab.models.attention import ATTENTIONS, Attention, masked_softmax
from rnnlab.models.captioner import IMAGE_AS, Captioner
from rnnlab.models.classifier import POOLINGS, SequenceClassifier, last_hidden, pool
from rnnlab.models.embedding import (OneHot, embedding_dropout, embedding_size, make_input, pretrained_embedding,
                                     vectors_input)
from rnnlab.models.language_model import LanguageModel, Regularization, activation_penalty, default_cutoffs
from rnnlab.models.cnn import ConvEncoder, GridVector
from rnnlab.models.crf import LinearChainCRF
from rnnlab.models.tagger import CharWords, Tagger
from rnnlab.models.recognizer import ConvFrontEnd, Recognizer
from rnnlab.models.frame_labeller import FrameLabeller
from rnnlab.models.decoder import Decoder, Memory
from rnnlab.models.seq2seq import Seq2Seq
from rnnlab.models.stack import CELL_KINDS, make_cell, make_stack

__all__ = [
    "OneHot", "make_input", "pretrained_embedding", "vectors_input", "embedding_size", "POOLINGS", "SequenceClassifier", "last_hidden", "pool",
    "CELL_KINDS", "make_cell", "make_stack", "LanguageModel", "Regularization", "activation_penalty",
    "default_cutoffs", "embedding_dropout", "ATTENTIONS", "Attention", "masked_softmax",
    "Memory", "Decoder", "Seq2Seq", "ConvEncoder", "GridVector", "Captioner", "IMAGE_AS", "FrameLabeller",
    "LinearChainCRF", "CharWords", "Tagger", "ConvFrontEnd", "Recognizer",
]
