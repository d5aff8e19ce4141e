"""Transcript files, line images and MNIST's IDX files, written by the tests in their public layouts."""

import gzip

import numpy as np
import pytest
from PIL import Image

from rnnlab.data import BadRows, DataError
from rnnlab.data.transcribed import media_files, read_idx, read_line_image, read_transcripts, transcript_files


def idx_bytes(array: np.ndarray) -> bytes:
    header = b"\0\0\x08" + bytes([array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return header + array.astype(np.uint8).tobytes()


def test_transcripts_in_both_layouts_and_bad_lines(tmp_path):
    (tmp_path / "t.tsv").write_text("a.wav\tHello  there\nb\t42\n", encoding="utf-8")
    assert read_transcripts(tmp_path / "t.tsv", BadRows(False)) == {"a.wav": ("Hello there", 1), "b": ("42", 2)}
    (tmp_path / "19-198.trans.txt").write_text("19-198-0000 NORTHANGER ABBEY\n19-198-0001 THIS LITTLE WORK\n")
    assert read_transcripts(tmp_path / "19-198.trans.txt", BadRows(False))["19-198-0001"] == ("THIS LITTLE WORK", 2)
    (tmp_path / "bad.tsv").write_text("a\tone\nlonely\na\ttwo\n")
    with pytest.raises(DataError, match=r"bad.tsv, line 2: expected 'name<TAB>transcript'"):
        read_transcripts(tmp_path / "bad.tsv", BadRows(False))
    bad = BadRows(True)
    assert read_transcripts(tmp_path / "bad.tsv", bad) == {"a": ("one", 1)} and sum(bad.skipped.values()) == 2


def test_a_folders_transcripts_and_files(tmp_path):
    with pytest.raises(DataError, match="holds no transcripts"):
        transcript_files(tmp_path)
    (tmp_path / "book" / "ch").mkdir(parents=True)
    (tmp_path / "book" / "ch" / "1-2.trans.txt").write_text("1-2-0 HI\n")
    (tmp_path / "book" / "ch" / "1-2-0.flac").write_bytes(b"x")
    assert transcript_files(tmp_path) == [tmp_path / "book" / "ch" / "1-2.trans.txt"]
    found = media_files(tmp_path, (".flac",))
    assert found["1-2-0"] == found["1-2-0.flac"] == tmp_path / "book" / "ch" / "1-2-0.flac"


def test_line_images_scale_to_the_height_with_bright_ink(tmp_path):
    paper = np.full((20, 60), 255, np.uint8)
    paper[5:15, 10:20] = 0  # dark ink on white paper
    Image.fromarray(paper).save(tmp_path / "line.png")
    image = read_line_image(tmp_path / "line.png", 32)
    assert image.shape == (32, 32) and image.dtype == np.float32  # cropped to the ink, a margin of 1 pixel
    assert image[16, 16] > 0.9 and image[0, 0] < 0.1 and image[16, 0] < 0.1  # inverted: ink bright, paper dark
    Image.fromarray(255 - paper).convert("RGB").save(tmp_path / "dark.jpg")
    assert np.abs(read_line_image(tmp_path / "dark.jpg", 32) - image).mean() < 0.05
    (tmp_path / "broken.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(DataError, match="broken.png: is not an image"):
        read_line_image(tmp_path / "broken.png", 32)


def test_a_line_reads_the_same_at_any_size_and_place_on_the_page(tmp_path):
    """Cropped to its ink and scaled: the words at 10, 22 and 48 px, anywhere on a page of any size, give
    the same picture to within the blur of the small renderings."""
    from PIL import ImageDraw, ImageFont
    seen = []
    for size, page in ((10, (300, 80)), (22, (200, 60)), (48, (900, 400))):
        picture = Image.new("L", page, 255)
        ImageDraw.Draw(picture).text((page[0] // 7, page[1] // 3), "hello world", font=ImageFont.load_default(size),
                                     fill=0)
        picture.save(tmp_path / f"hello{size}.png")
        seen.append(read_line_image(tmp_path / f"hello{size}.png", 32))
    widths = [image.shape[1] for image in seen]
    assert max(widths) - min(widths) <= 0.15 * max(widths)  # small sizes are hinted a little wider
    same = [np.asarray(Image.fromarray(image, mode="F").resize((120, 32), Image.BILINEAR)) for image in seen]
    assert all(np.corrcoef(same[-1].ravel(), other.ravel())[0, 1] > 0.5 for other in same[:-1])


def test_a_blank_page_is_scaled_whole(tmp_path):
    Image.fromarray(np.full((20, 60), 255, np.uint8)).save(tmp_path / "blank.png")
    assert read_line_image(tmp_path / "blank.png", 32).shape == (32, 96)


@pytest.mark.parametrize("gzipped", [False, True])
def test_idx_files_gzipped_or_not(tmp_path, gzipped):
    images = np.arange(2 * 3 * 4).reshape(2, 3, 4).astype(np.uint8)
    data = idx_bytes(images)
    (tmp_path / "x-idx3-ubyte").write_bytes(gzip.compress(data) if gzipped else data)
    assert np.array_equal(read_idx(tmp_path / "x-idx3-ubyte"), images)


def test_broken_idx_files_are_errors(tmp_path):
    (tmp_path / "a").write_bytes(b"\x01\x02\x03")
    with pytest.raises(DataError, match="is not an IDX file"):
        read_idx(tmp_path / "a")
    (tmp_path / "b").write_bytes(idx_bytes(np.zeros((2, 3, 4)))[:-5])
    with pytest.raises(DataError, match=r"announces \(2, 3, 4\)"):
        read_idx(tmp_path / "b")
