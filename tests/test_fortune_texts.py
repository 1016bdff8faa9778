"""fortune_texts: which sentences of the fortunes package are read aloud for synthesized speech."""
from pathlib import Path

from f3edge.data.fortune_texts import CATEGORIES, cookies, readable_sentences, sentences_from_folder


def test_cookies_split_on_percent_lines_and_drop_attributions():
    text = "A dream will always triumph.\n\t\t-- Stanislaw Lem\n%\nKnow what I hate\nmost?\n%\n"
    assert cookies(text) == ["A dream will always triumph.", "Know what I hate most?"]


def test_readable_sentences_keep_plain_text_and_split_on_sentence_ends():
    assert readable_sentences("You will pay for your sins. Let the good times roll!") == [
        "You will pay for your sins.", "Let the good times roll!"]


def test_readable_sentences_leave_out_what_does_not_read_as_written():
    assert readable_sentences("There are 10 kinds of people.") == []          # digits
    assert readable_sentences("Q: How many weeks are there?") == []            # a dialogue label
    assert readable_sentences("Use rm -rf /tmp to clean up.") == []            # symbols
    assert readable_sentences("Too short.") == []                              # fewer than 3 words
    assert readable_sentences(" ".join(["word"] * 13) + ".") == []            # more than 12 words
    assert readable_sentences("no capital letter here.") == []
    assert readable_sentences("A clash of doctrine is not a disaster -- it is fine.") == []


def test_sentences_from_folder_reads_only_named_categories_once_each(tmp_path: Path):
    (tmp_path / CATEGORIES[0]).write_text("The cat sat on the mat.\n%\nThe cat sat on the mat.\n%\n")
    (tmp_path / CATEGORIES[1]).write_text("THE CAT SAT ON THE MAT.\n%\nDogs bark at night.\n%\n")
    (tmp_path / "computers").write_text("Computers are useless without people.\n%\n")
    assert sentences_from_folder(tmp_path) == [(CATEGORIES[0], "The cat sat on the mat."),
                                               (CATEGORIES[1], "Dogs bark at night.")]
