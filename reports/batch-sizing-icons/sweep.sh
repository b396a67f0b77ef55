#!/usr/bin/env bash
# Validation-only sweep: batch size (lr scaled linearly from 0.1 at 128) for the quick preset's baseline network on the icon folders.
set -u
# Run from the repository root after ./dna --help has built the tool; folders from scripts/make-icon-folder.sh (with and without --small).
mkdir -p "${OUT:-runs/batch-sizing-icons}"
arch="k5e3|k5e3/k5e3|k5e3|k5e3/k5e3|k5e3|k5e3/k5e3|k5e3"
out=${OUT:-runs/batch-sizing-icons}
for folder in small full; do
  data=$HOME/.cache/dnanas/icons-oxygen-icon-theme; [ $folder = small ] && data=$HOME/.cache/dnanas/icons-oxygen-icon-theme-small
  if [ $folder = small ]; then batches="128 16 32 64"; else batches="128 32"; fi
  for s in 0 1 2; do for b in $batches; do
    d=$out/$folder-b$b-s$s
    [ -f $d/result.json ] && continue
    lr=$(python3 -c "print(0.1*$b/128)")
    OMP_WAIT_POLICY=PASSIVE dotnet src/DnaNas.Cli/bin/Release/net10.0/dna.dll train --dataset folder --data $data --arch "$arch" --epochs 40 --batch-size $b --lr $lr --threads 1 --seed $s --split-seed $s --out $d > $d.log 2>&1
    echo "$folder b$b s$s $(python3 -c "import json;r=json.load(open('$d/result.json'));print(round(r['validationAccuracy']*100,2), round(r['trainingSeconds']))")"
  done; done
done
