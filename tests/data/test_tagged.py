"""Tagged sentences: CoNLL-U (multi-word tokens, empty nodes, written back) and CoNLL-2003 columns."""

from pathlib import Path

import pytest

from rnnlab.data import BadRows, DataError
from rnnlab.data.tagged import read_columns, read_conllu, write_conllu

UD = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ud_english_ewt"

CONLLU = """# sent_id = s1
# text = I don't know.
1\tI\tI\tPRON\tPRP\t_\t4\tnsubj\t_\t_
2-3\tdon't\t_\t_\t_\t_\t_\t_\t_\t_
2\tdo\tdo\tAUX\tVBP\t_\t4\taux\t_\t_
3\tn't\tnot\tPART\tRB\t_\t4\tadvmod\t_\t_
4\tknow\tknow\tVERB\tVB\t_\t0\troot\t_\tSpaceAfter=No
4.1\tknown\tknow\tVERB\tVBN\t_\t_\t_\t4:conj\tCopyOf=4
5\t.\t.\tPUNCT\t.\t_\t4\tpunct\t_\t_

# sent_id = s2
1\tYes\tyes\tINTJ\tUH\t_\t0\troot\t_\t_
"""


def test_conllu_tags_the_syntactic_words_and_writes_back_what_it_read(tmp_path):
    path = tmp_path / "a.conllu"
    path.write_text(CONLLU, encoding="utf-8")
    first, second = read_conllu(path, BadRows(False))
    assert first.words == ["I", "do", "n't", "know", "."] and first.tags == ["PRON", "AUX", "PART", "VERB", "PUNCT"]
    assert read_conllu(path, BadRows(False), "xpos")[0].tags == ["PRP", "VBP", "RB", "VB", "."]
    assert second.words == ["Yes"]
    out = write_conllu([first, second], [["X"] * 5, ["NOUN"]], "upos", tmp_path / "out.conllu")
    written = out.read_text(encoding="utf-8").splitlines()
    original = CONLLU.splitlines()
    assert written[:2] == original[:2] and "2-3\tdon't\t_" in written[3] and written[7].startswith("4.1\tknown")
    assert [line.split("\t")[3] for line in written if line[:1].isdigit() and "-" not in line.split("\t")[0]
            and "." not in line.split("\t")[0]] == ["X"] * 5 + ["NOUN"]
    assert read_conllu(path, BadRows(False))[0].tags[0] == "PRON"  # writing changed nothing read
    assert [s.words for s in read_conllu(out, BadRows(False))] == [first.words, second.words]


def test_crlf_and_a_bom_read_as_plain_lines(tmp_path):
    plain, windows = tmp_path / "a.conllu", tmp_path / "b.conllu"
    plain.write_text(CONLLU, encoding="utf-8")
    windows.write_bytes(b"\xef\xbb\xbf" + CONLLU.replace("\n", "\r\n").encode("utf-8"))
    assert [(s.words, s.tags) for s in read_conllu(windows, BadRows(False))] == \
        [(s.words, s.tags) for s in read_conllu(plain, BadRows(False))]


def test_bad_conllu_sentences_name_the_line_or_are_counted(tmp_path):
    path = tmp_path / "bad.conllu"
    path.write_text(CONLLU + "\n1\tOnly\tthree\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad.conllu, line 14: not a CoNLL-U sentence"):
        read_conllu(path, BadRows(False))
    rows = BadRows(True)
    assert len(read_conllu(path, rows)) == 2 and rows.skipped == {"bad CoNLL-U sentences": 1}
    with pytest.raises(ValueError, match="tag column must be one of upos, xpos"):
        read_conllu(path, BadRows(False), "deprel")


def test_conll2003_columns(tmp_path):
    path = tmp_path / "ner.txt"
    path.write_text("-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\nPeter NNP B-NP B-PER\n"
                    "Blackburn NNP I-NP I-PER\nlonely\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"ner.txt, line 8: expected 'word ... tag'"):
        read_columns(path, BadRows(False))
    sentences = read_columns(path, BadRows(True))
    assert [(s.words, s.tags) for s in sentences] == [(["EU", "rejects"], ["B-ORG", "O"]),
                                                      (["Peter", "Blackburn"], ["B-PER", "I-PER"])]


@pytest.mark.skipif(not UD.is_dir(), reason="../shared/data/ud_english_ewt is absent")
def test_the_real_ud_english_ewt_files():
    train = read_conllu(UD / "en_ewt-ud-train.conllu", BadRows(False))
    dev = read_conllu(UD / "en_ewt-ud-dev.conllu", BadRows(False))
    assert (len(train), len(dev)) == (12544, 2001)
    assert {t for s in train for t in s.tags} <= {"ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM",
                                                   "PART", "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X"}
