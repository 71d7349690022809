"""Launching many runs: Optuna sweeps (`sweep.py`) on top of `train(cfg)`."""
