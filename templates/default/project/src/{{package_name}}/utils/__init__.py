"""Small reusable helpers: seeding, devices, checkpoints, runs, data manifests, console output."""
