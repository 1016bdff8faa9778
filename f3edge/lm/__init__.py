"""Frozen pretrained language models, rebuilt in PyTorch from registry-package weights (supervision only)."""
