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


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [f"# f3edge benchmark ({m['date']}, {m['cpu']}, {m['cores']} cores, load {m['load_average_at_start'][0]:.2f})",
             "", f"{results['clips']} speech clips of ../shared/data/dev; RTF = seconds of compute per second of audio "
             "(median of runs, streaming step by step, 1 thread).", "",
             "| config | params | bytes | PESQ-wb | STOI | log-mel L1 dB | WER (en) | latent SNR vs teacher dB | RTF enc+dec (1 thr) | step p50/p99 ms (enc) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for c in results["configs"]:
        if "error" in c:
            lines.append(f"| {c['name']} | error: {c['error'][:80]} | | | | | | | | |")
            continue
        q = c.get("quality", {})
        s = c.get("speed", {}).get("threads_1", {})
        step = s.get("encoder_step", {})
        rtf = _rtf(c)
        fmt = lambda v, f: (f.format(v) if isinstance(v, (int, float)) and v == v else "-")  # noqa: E731
        lines.append(f"| {c['name']} | {fmt(c.get('params'), '{:,}')} | {fmt(c.get('bytes'), '{:,}')} | "
                     f"{fmt(q.get('pesq_wb'), '{:.2f}')} | {fmt(q.get('stoi'), '{:.3f}')} | "
                     f"{fmt(q.get('log_mel_l1_db'), '{:.2f}')} | {fmt(q.get('wer'), '{:.2f}')} | "
                     f"{fmt(q.get('latent_snr_vs_teacher_db'), '{:.1f}')} | {fmt(rtf, '{:.4f}')} | "
                     f"{fmt(step.get('p50_ms'), '{:.2f}')} / {fmt(step.get('p99_ms'), '{:.2f}')} |")
    lines += ["", "Peers: Lyra V2 = Google's pretrained on-device SoundStream (TFLite, continuous and 3.2/6/9.2 kbps); "
              "Opus = libopus at 16 kHz, 20 ms frames.", ""]
    return "\n".join(lines) + "\n"


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
