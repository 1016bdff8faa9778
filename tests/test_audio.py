"""Audio I/O: formats, mixing, resampling, validation and atomic writes."""
import numpy as np
import pytest
import soundfile as sf

from f3edge.audio import iter_audio_blocks, read_audio, write_audio
from f3edge.errors import AudioDecodeError, AudioFileMissing, AudioNotFinite, AudioTooShort


@pytest.mark.parametrize("fmt,subtype", [("WAV", "PCM_U8"), ("WAV", "PCM_16"), ("WAV", "PCM_24"), ("WAV", "PCM_32"),
                                         ("WAV", "FLOAT"), ("WAV", "DOUBLE"), ("FLAC", "PCM_16"),
                                         ("OGG", "VORBIS"), ("MP3", "MPEG_LAYER_III")])
def test_reads_every_common_format_and_sample_type(tmp_path, speech_16k, fmt, subtype):
    path = tmp_path / f"x.{fmt.lower()}"
    sf.write(path, speech_16k, 16000, format=fmt, subtype=subtype)
    x = read_audio(path, 16000)
    assert x.dtype == np.float32
    assert abs(len(x) - len(speech_16k)) <= 1200    # mp3 adds encoder padding
    assert np.corrcoef(x[:8000], speech_16k[:8000])[0, 1] > 0.5 or fmt == "MP3"


def test_stereo_44k_is_mixed_to_mono_and_resampled(tmp_path, speech_16k):
    import soxr
    x44 = soxr.resample(speech_16k, 16000, 44100)
    sf.write(tmp_path / "s.wav", np.stack([x44, 0.5 * x44], axis=1), 44100)
    x = read_audio(tmp_path / "s.wav", 16000)
    assert abs(len(x) - len(speech_16k)) <= 2
    assert np.corrcoef(x, 0.75 * speech_16k[: len(x)])[0, 1] > 0.99


def test_8k_input_is_upsampled(tmp_path, speech_16k):
    import soxr
    sf.write(tmp_path / "n.wav", soxr.resample(speech_16k, 16000, 8000), 8000)
    assert abs(len(read_audio(tmp_path / "n.wav", 16000)) - len(speech_16k)) <= 2


def test_bad_inputs_raise_specific_errors(tmp_path, speech_16k):
    with pytest.raises(AudioFileMissing):
        read_audio(tmp_path / "missing.wav", 16000)
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(AudioDecodeError):
        read_audio(tmp_path / "empty.wav", 16000)
    (tmp_path / "text.wav").write_text("not audio at all\n")
    with pytest.raises(AudioDecodeError):
        read_audio(tmp_path / "text.wav", 16000)
    sf.write(tmp_path / "full.wav", speech_16k, 16000)
    data = (tmp_path / "full.wav").read_bytes()
    (tmp_path / "trunc.wav").write_bytes(data[: len(data) // 2])
    with pytest.raises(AudioDecodeError, match="truncated"):
        read_audio(tmp_path / "trunc.wav", 16000)
    bad = speech_16k.copy()
    bad[100] = np.nan
    sf.write(tmp_path / "nan.wav", bad, 16000, subtype="FLOAT")
    with pytest.raises(AudioNotFinite):
        read_audio(tmp_path / "nan.wav", 16000)
    sf.write(tmp_path / "short.wav", speech_16k[:160], 16000)
    with pytest.raises(AudioTooShort):
        read_audio(tmp_path / "short.wav", 16000, min_samples=640)


def test_block_reader_matches_whole_file_read(tmp_path, speech_16k):
    import soxr
    sf.write(tmp_path / "a.wav", soxr.resample(speech_16k, 16000, 22050), 22050)
    whole = read_audio(tmp_path / "a.wav", 16000)
    blocks = np.concatenate(list(iter_audio_blocks(tmp_path / "a.wav", 16000, block_seconds=0.37)))
    assert abs(len(blocks) - len(whole)) <= 2
    n = min(len(blocks), len(whole))
    assert np.abs(blocks[:n] - whole[:n]).max() < 1e-3


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path, speech_16k):
    out = tmp_path / "o.wav"
    write_audio(out, speech_16k, 16000)
    assert [p.name for p in tmp_path.iterdir()] == ["o.wav"]
    assert len(sf.read(out)[0]) == len(speech_16k)
