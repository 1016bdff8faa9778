"""`f3edge data shard`: a seeded FLAC sample of the training split within a byte budget, held-out sources never in it."""
import csv

import soundfile as sf

from f3edge.data import load_clips
from f3edge.data.corpus import FIELDS
from f3edge.data.shard import build_shard


def test_a_shard_keeps_the_budget_holds_only_training_clips_and_loads_as_a_corpus(tmp_path, speech_16k):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    rows = []
    for i in range(12):
        held_out = i % 4 == 0
        sf.write(corpus / f"c{i}.wav", speech_16k[i * 4000:i * 4000 + 16000], 16000)
        rows.append({"path": f"c{i}.wav", "package": "asterisk-core-sounds-ru-g722" if held_out else "alsa-utils",
                     "lang": "ru" if held_out else "en", "orig_sr": 16000, "seconds": 1.0, "license": "x",
                     "kind": "speech"})
    with open(corpus / "manifest.tsv", "w", newline="") as f:
        w = csv.DictWriter(f, FIELDS, delimiter="\t")
        w.writeheader()
        w.writerows(rows)
    manifest = build_shard(corpus, tmp_path / "shard", max_mib=0.12, seed=0)
    clips = load_clips(manifest)
    assert 0 < len(clips) < 9 and all(c.package == "alsa-utils" for c in clips)
    assert sum(p.stat().st_size for p in (tmp_path / "shard" / "clips").glob("*.flac")) <= 0.12 * 2**20
    audio, sr = sf.read(clips[0].path)
    assert sr == 16000 and len(audio) == 16000
    assert [c.path for c in load_clips(build_shard(corpus, tmp_path / "again", max_mib=0.12, seed=0))] \
        == [c.path.replace("/shard/", "/again/") for c in clips]
