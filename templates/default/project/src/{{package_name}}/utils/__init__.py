"""Small reusable helpers: seeding, devices, distributed set-up, files, data manifests, console."""
