"""Run bookkeeping: run folders and their status, the snapshot, checkpoints, metric loggers,
reports and the `runs` command.

Swap the network (`networks/`) and the dataset (`datasets/`) freely; this package records
what each run did and needs no change for that.
"""
