"""Launchers beyond one `train` process: Optuna sweeps and Slurm jobs (through submitit)."""
