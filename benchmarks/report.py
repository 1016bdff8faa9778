"""results.json + results.md + Pareto plots (quality vs bytes, quality vs encode+decode RTF)."""
from __future__ import annotations

import json
from pathlib import Path


def _rtf(cfg: dict, threads: int = 1) -> float | None:
    s = cfg.get("speed", {}).get(f"threads_{threads}")
    if not s or "error" in s:
        return None
    return s["encode_rtf"]["median"] + s["decode_rtf"]["median"]


def pareto(points: list[tuple[float, float, str]]) -> list[str]:
    """Names on the front: no other point is both cheaper (x) and better (y)."""
    front, best = [], float("-inf")
    for x, y, name in sorted(points, key=lambda p: (p[0], -p[1])):
        if y > best:
            front.append(name)
            best = y
    return front


def _fmt(v, f: str) -> str:
    return f.format(v) if isinstance(v, (int, float)) and v == v else "-"


def _macs(c: dict) -> float | None:
    m = c.get("macs_per_s")
    return (m["encoder"] + m["decoder"]) / 1e6 if m else None


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [f"# f3edge benchmark ({m['date']}, {m['cpu']}, {m['cores']} cores, load {m['load_average_at_start'][0]:.2f})",
             "", f"{results['clips']} speech clips of ../shared/data/dev. RTF = seconds of compute per second of audio, "
             "encode + decode, streaming step by step (median of runs after a warm-up). MMAC/s = million "
             "multiply-accumulates per second of audio (encoder + decoder). Model RSS = peak RSS of a fresh process "
             "minus its RSS after imports, before loading the model.", "",
             "| config | params | bytes | MMAC/s | PESQ-wb | STOI | log-mel L1 dB | WER (en) | latent SNR vs teacher dB "
             "| latent SNR vs eager fp32 dB | RTF 1 thr | RTF 2 thr | step p50/p99 ms (enc) | alg. latency ms "
             "| model RSS MB | load ms |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for c in results["configs"]:
        if c.get("speed_only"):
            continue
        if "error" in c:
            lines.append(f"| {c['name']} | error: {c['error'][:80]} |" + " |" * 15)
            continue
        q = c.get("quality", {})
        s = c.get("speed", {}).get("threads_1", {})
        step = s.get("encoder_step", {})
        lines.append(f"| {c['name']} | {_fmt(c.get('params'), '{:,}')} | {_fmt(c.get('bytes'), '{:,}')} | "
                     f"{_fmt(_macs(c), '{:.0f}')} | "
                     f"{_fmt(q.get('pesq_wb'), '{:.2f}')} | {_fmt(q.get('stoi'), '{:.3f}')} | "
                     f"{_fmt(q.get('log_mel_l1_db'), '{:.2f}')} | {_fmt(q.get('wer'), '{:.2f}')} | "
                     f"{_fmt(q.get('latent_snr_vs_teacher_db'), '{:.1f}')} | "
                     f"{_fmt(q.get('latent_snr_vs_eager_db'), '{:.1f}')} | {_fmt(_rtf(c, 1), '{:.4f}')} | "
                     f"{_fmt(_rtf(c, 2), '{:.4f}')} | "
                     f"{_fmt(step.get('p50_ms'), '{:.2f}')} / {_fmt(step.get('p99_ms'), '{:.2f}')} | "
                     f"{_fmt(c.get('algorithmic_latency_ms'), '{:.0f}')} | "
                     f"{_fmt(s.get('model_rss_mb'), '{:.0f}')} | {_fmt(s.get('load_seconds', float('nan')) * 1000, '{:.0f}')} |")
    lines += ["", "Peers: Lyra V2 = Google's pretrained on-device SoundStream (TFLite, continuous and 3.2/6/9.2 kbps); "
              "Opus = libopus at 16 kHz, 20 ms frames.", ""]
    lines += speed_peer_section(results)
    lines += ratio_section(results)
    return "\n".join(lines) + "\n"


def speed_peer_section(results: dict) -> list[str]:
    peers = [c for c in results["configs"] if c.get("speed_only")]
    if not peers:
        return []
    lines = ["## Speed peers (random weights: speed and size only)", "",
             "EnCodec 24 kHz and Mimi built from their pip packages; their trained weights cannot be downloaded "
             "here, and speed does not depend on weight values. Whole-clip encode/decode at 24 kHz; Mimi also in "
             "its own streaming mode (80 ms frames). MACs from torch's FLOP counter miss LSTMs and attention.", "",
             "| peer | params | MMAC/s | RTF 1 thr (whole clip) | RTF 2 thr | stream step p50 ms enc/dec (frame) | model RSS MB |",
             "|---|---|---|---|---|---|---|"]
    for c in peers:
        if "error" in c:
            lines.append(f"| {c['name']} | error: {c['error'][:80]} | | | | | |")
            continue
        s1 = c["speed"].get("threads_1", {})
        e, d = s1.get("encoder_step", {}), s1.get("decoder_step", {})
        stream = (f"{e['p50_ms']:.1f} / {d['p50_ms']:.1f} ({s1['chunk_ms']:.0f} ms)" if e else "-")
        lines.append(f"| {c['name']} | {_fmt(c.get('params'), '{:,}')} | {_fmt(_macs(c), '{:.0f}')} | "
                     f"{_fmt(_rtf(c, 1), '{:.4f}')} | {_fmt(_rtf(c, 2), '{:.4f}')} | {stream} | "
                     f"{_fmt(s1.get('model_rss_mb'), '{:.0f}')} |")
    return lines + [""]


def ratio_section(results: dict) -> list[str]:
    """f3edge / peer ratios for the default model's int8 artifacts (ONNX Runtime, LiteRT), from this one run."""
    from f3edge.registry import DEFAULT_MODEL
    ours = [c for c in results["configs"] if c.get("model") == DEFAULT_MODEL and "error" not in c
            and c.get("runtime") in ("onnx", "tflite") and c.get("precision") == "int8" and _rtf(c, 1)]
    peers = [c for c in results["configs"] if c.get("family") == "peer" and "error" not in c]
    if not ours or not peers:
        return []
    lines = ["## f3edge / peer ratios (same run)", "",
             "| f3edge config | peer | bytes ratio | MAC ratio | RTF ratio (1 thr) | STOI diff | PESQ diff |",
             "|---|---|---|---|---|---|---|"]
    for o in ours:
        for p in peers:
            rb = o["bytes"] / p["bytes"] if p.get("bytes") else None
            rm = _macs(o) / _macs(p) if _macs(p) and _macs(o) else None
            rr = _rtf(o, 1) / _rtf(p, 1) if _rtf(p, 1) else None
            qo, qp = o.get("quality", {}), p.get("quality", {})
            ds = qo["stoi"] - qp["stoi"] if "stoi" in qp and "stoi" in qo else None
            dp = qo["pesq_wb"] - qp["pesq_wb"] if "pesq_wb" in qp and "pesq_wb" in qo else None
            if all(v is None for v in (rb, rm, rr, ds, dp)):
                continue
            lines.append(f"| {o['name']} | {p['name']} | {_fmt(rb, '{:.2f}')} | {_fmt(rm, '{:.3f}')} | "
                         f"{_fmt(rr, '{:.2f}')} | {_fmt(ds, '{:+.3f}')} | {_fmt(dp, '{:+.2f}')} |")
    return lines + [""]


def plots(results: dict, out: Path) -> list[Path]:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    made = []
    ok = [c for c in results["configs"] if "error" not in c and c.get("quality")]
    for xkey, xlabel, fname in (("bytes", "artifact bytes (log)", "quality_vs_bytes.png"),
                                ("rtf", "encode+decode RTF, 1 thread (log)", "quality_vs_rtf.png")):
        pts = []
        for c in ok:
            x = c.get("bytes") if xkey == "bytes" else _rtf(c)
            if x:
                pts.append((float(x), c["quality"]["stoi"], c["name"]))
        if not pts:
            continue
        front = set(pareto(pts))
        fig, ax = plt.subplots(figsize=(8, 5))
        for x, y, name in pts:
            peer = not name.startswith("f3edge")
            ax.scatter(x, y, marker="s" if peer else "o", color="C1" if peer else ("C2" if name in front else "C0"))
            ax.annotate(name.replace("f3edge-", ""), (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points")
        fx = sorted((p for p in pts if p[2] in front), key=lambda p: p[0])
        ax.plot([p[0] for p in fx], [p[1] for p in fx], "--", color="C2", label="Pareto front")
        ax.set_xscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("STOI (dev speech)")
        ax.grid(alpha=0.3)
        ax.legend()
        fig.tight_layout()
        path = out / fname
        fig.savefig(path, dpi=100)
        plt.close(fig)
        made.append(path)
    return made


def write_report(results: dict, out: Path) -> None:
    (out / "results.json").write_text(json.dumps(results, indent=1))
    (out / "results.md").write_text(markdown(results))
    plots(results, out)
