"""Training and distillation (GPU-ready; resumable; DDP via torchrun)."""
from .config import TrainConfig
from .trainer import Trainer, train

__all__ = ["TrainConfig", "Trainer", "train"]
