"""Export of the streaming student to on-device runtimes (installed as `f3edge.export`)."""
