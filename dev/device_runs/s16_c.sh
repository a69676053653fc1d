#!/bin/bash
# session 16 run C (nvidia-h200): GPU make test after the start-up checks of 53f52f0 (new CLI tests on
# train_mamba_cu: -hf refused before training, -d default, stdout errors, -e names that are paths);
# the same steps as run A
exec bash "$(dirname "$0")/s16_a.sh"
