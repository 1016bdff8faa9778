"""Teacher and student tokenizer models."""
from .bottleneck import NoisyChannelNorm, channel_normalize
from .codec import F3Codec, F3Student, F3Teacher, build_model

__all__ = ["F3Codec", "F3Student", "F3Teacher", "build_model", "NoisyChannelNorm", "channel_normalize"]
