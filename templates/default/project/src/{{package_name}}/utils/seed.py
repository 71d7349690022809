"""Seeding and RNG state capture, so runs repeat and resumed runs continue exactly."""

import os
import random

import numpy as np
import torch


def seed_everything(seed: int, *, deterministic: bool = True) -> None:
    """Seed python, numpy and torch; optionally ask torch for deterministic kernels."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if deterministic:
        # cuBLAS needs this to be deterministic; harmless elsewhere.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        # The same switch as `torch.use_deterministic_algorithms(True, warn_only=True)`, which
        # also imports torch._inductor (and with it dynamo and sympy: seconds of start-up) only
        # to set its config; `build_trainer` sets that one when `trainer.compile` asks for it.
        torch.set_deterministic_debug_mode("warn")
        torch.backends.cudnn.benchmark = False


def capture_rng_state() -> dict[str, torch.Tensor]:
    """All global RNG states as tensors, so checkpoints load with `weights_only=True`."""
    version, py_state, gauss = random.getstate()
    _, np_keys, np_pos, np_has_gauss, np_gauss = np.random.get_state()
    state = {
        "python": torch.tensor([version, *py_state], dtype=torch.int64),
        "python_gauss": torch.tensor([] if gauss is None else [gauss], dtype=torch.float64),
        "numpy_keys": torch.from_numpy(np.asarray(np_keys, dtype=np.int64)),
        "numpy_meta": torch.tensor([np_pos, np_has_gauss], dtype=torch.int64),
        "numpy_gauss": torch.tensor([np_gauss], dtype=torch.float64),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        for index, cuda_state in enumerate(torch.cuda.get_rng_state_all()):
            state[f"cuda{index}"] = cuda_state
    return state


def restore_rng_state(state: dict[str, torch.Tensor]) -> None:
    """Inverse of `capture_rng_state`.

    RNG states must be CPU byte tensors, also when the checkpoint was loaded onto a GPU.
    """
    state = {key: value.cpu() for key, value in state.items()}
    version, *py_state = state["python"].tolist()
    gauss = state["python_gauss"].tolist()
    random.setstate((version, tuple(py_state), gauss[0] if gauss else None))
    pos, has_gauss = state["numpy_meta"].tolist()
    keys = state["numpy_keys"].numpy().astype(np.uint32)
    np.random.set_state(("MT19937", keys, pos, has_gauss, state["numpy_gauss"].item()))
    torch.set_rng_state(state["torch"])
    if torch.cuda.is_available():
        cuda_keys = sorted((k for k in state if k.startswith("cuda")), key=lambda k: int(k[4:]))
        cuda_states = [state[k] for k in cuda_keys]
        if len(cuda_states) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(cuda_states)
