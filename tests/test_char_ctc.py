import torch

from f3edge.training.char_ctc import ALPHABET, BLANK, CLASSES, char_ctc_loss, character_targets, characters


def _spelled(ids):
    return "".join(ALPHABET[i - 1] for i in ids)


def test_text_is_spelled_in_the_alphabet_with_accents_stripped_and_spaces_collapsed():
    assert _spelled(characters("  Où est\tl'Hôtel,  N°5 ? ")) == "ou est l'hotel n5"
    assert characters("") == [] and characters("!!") == []
    assert BLANK == 0 and CLASSES == len(ALPHABET) + 1 and BLANK not in characters("a b")


def test_targets_are_concatenated_with_their_lengths():
    ids, lengths = character_targets(["ab", "", "c d"])
    assert lengths.tolist() == [2, 0, 3] and _spelled(ids.tolist()) == "abc d"


def test_the_loss_is_low_for_a_right_alignment_high_for_a_wrong_one_and_finite_when_too_long():
    ids, lengths = character_targets(["ab"])
    right = torch.full((1, 5, CLASSES), -10.0)
    for t, k in enumerate([ids[0], BLANK, ids[1], BLANK, BLANK]):
        right[0, t, k] = 10.0
    wrong = right.roll(1, dims=-1)
    frames = torch.tensor([5])
    assert char_ctc_loss(right, frames, ids, lengths) < 0.01 < 1.0 < char_ctc_loss(wrong, frames, ids, lengths)
    long_ids, long_lengths = character_targets(["abcdefgh"])   # 8 characters cannot fit in 5 frames
    assert char_ctc_loss(right, frames, long_ids, long_lengths) == 0.0


def test_padded_frames_past_a_clips_length_are_not_read():
    ids, lengths = character_targets(["ab"])
    x = torch.randn(1, 6, CLASSES)
    y = x.clone()
    y[0, 4:] = torch.randn(2, CLASSES) * 50
    frames = torch.tensor([4])
    assert torch.equal(char_ctc_loss(x, frames, ids, lengths), char_ctc_loss(y, frames, ids, lengths))
